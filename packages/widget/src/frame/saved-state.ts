import type { Language } from '../bridge.ts';

/** What survives a reload, per widget key, in the iframe origin's localStorage. */
export interface SavedState {
  visitorToken?: string;
  visitorId?: string;
  /** The verified user (identity verification) the visitor token belongs to, if any. */
  userId?: string;
  /**
   * The open conversation of each visitor seen on this device, newest last: the visitor can
   * change (a user logs in or out) and come back.
   */
  conversations?: Record<string, string>;
  /** The visitor's own language switch. */
  language?: Language;
}

const MAX_VISITORS = 5;

/**
 * localStorage when the browser allows it (it may not, for third-party frames), else memory:
 * the chat still works, it just starts over on reload.
 */
export function savedState(widgetKey: string, storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
  const key = `unique-support:${widgetKey}`;
  let memory: SavedState = {};
  try {
    const parsed = JSON.parse(storage?.getItem(key) ?? '{}');
    if (parsed && typeof parsed === 'object') memory = parsed;
  } catch {}
  const write = () => {
    try {
      storage?.setItem(key, JSON.stringify(memory));
    } catch {}
  };
  return {
    get: (): SavedState => ({ ...memory }),
    update(patch: Partial<Omit<SavedState, 'conversations'>>): void {
      memory = { ...memory, ...patch };
      write();
    },
    /** The saved conversation of a visitor. */
    conversationOf: (visitorId: string | undefined): string | undefined =>
      visitorId ? memory.conversations?.[visitorId] : undefined,
    /** Saves (or with undefined, forgets) the conversation of a visitor. */
    setConversation(visitorId: string, conversationId: string | undefined): void {
      const entries = Object.entries(memory.conversations ?? {}).filter(([id]) => id !== visitorId);
      if (conversationId) entries.push([visitorId, conversationId]);
      memory = { ...memory, conversations: Object.fromEntries(entries.slice(-MAX_VISITORS)) };
      write();
    },
  };
}

export type SavedStateStore = ReturnType<typeof savedState>;
