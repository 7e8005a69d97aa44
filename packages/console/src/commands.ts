import type { ShortcutAction } from './shortcuts.ts';

/** Keyboard actions travel from the global key handler to the component that owns them. */
type Listener = (action: ShortcutAction) => boolean | undefined;
const listeners = new Set<Listener>();

export function onCommand(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True when some component handled the action. */
export function runCommand(action: ShortcutAction): boolean {
  let handled = false;
  for (const listener of listeners) if (listener(action)) handled = true;
  return handled;
}
