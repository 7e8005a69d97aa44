import type { CannedReply } from './types.ts';

export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'reply'
  | 'note'
  | 'resolve'
  | 'takeOver'
  | 'assign'
  | 'search'
  | 'help'
  | 'escape'
  | 'tab1'
  | 'tab2'
  | 'tab3'
  | 'tab4'
  | 'tab5';

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  /** The key went to a text field (input, textarea, contenteditable). */
  editable?: boolean;
  /** An IME is composing (Chinese input): never a shortcut. */
  isComposing?: boolean;
}

const SINGLE_KEYS: Record<string, ShortcutAction> = {
  j: 'next',
  k: 'previous',
  r: 'reply',
  n: 'note',
  e: 'resolve',
  t: 'takeOver',
  a: 'assign',
  '/': 'search',
  '?': 'help',
  '1': 'tab1',
  '2': 'tab2',
  '3': 'tab3',
  '4': 'tab4',
  '5': 'tab5',
};

/** The console action a key press means, or null. Letters only act outside text fields. */
export function shortcutAction(event: KeyLike): ShortcutAction | null {
  if (event.isComposing) return null;
  if (event.key === 'Escape') return 'escape';
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') return 'search';
  if (event.editable || event.ctrlKey || event.metaKey || event.altKey) return null;
  return SINGLE_KEYS[event.key] ?? null;
}

/** The list `?` shows: keys and the i18n key of what they do. */
export const SHORTCUT_LIST: readonly { keys: string[]; label: string }[] = [
  { keys: ['j'], label: 'shortcut.next' },
  { keys: ['k'], label: 'shortcut.previous' },
  { keys: ['r'], label: 'shortcut.reply' },
  { keys: ['n'], label: 'shortcut.note' },
  { keys: ['t'], label: 'shortcut.takeOver' },
  { keys: ['a'], label: 'shortcut.assign' },
  { keys: ['e'], label: 'shortcut.resolve' },
  { keys: ['1', '…', '5'], label: 'shortcut.tabs' },
  { keys: ['/'], label: 'shortcut.search' },
  { keys: ['/'], label: 'shortcut.canned' },
  { keys: ['Enter'], label: 'shortcut.send' },
  { keys: ['Shift', 'Enter'], label: 'shortcut.newline' },
  { keys: ['Esc'], label: 'shortcut.escape' },
  { keys: ['?'], label: 'shortcut.help' },
];

/**
 * The canned-reply query being typed at the caret: a `/` at the start of the text or
 * after whitespace, followed by shortcut characters. Null when there is none.
 */
export function cannedQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(before);
  if (!match) return null;
  return { start: before.length - match[2]!.length - 1, query: match[2]!.toLowerCase() };
}

/** Canned replies matching a query: shortcut prefix first, then shortcut or text containing it. */
export function matchCanned(replies: readonly CannedReply[], query: string, limit = 8): CannedReply[] {
  const q = query.toLowerCase();
  const scored: { reply: CannedReply; score: number }[] = [];
  for (const reply of replies) {
    const shortcut = reply.shortcut.replace(/^\//, '').toLowerCase();
    let score = -1;
    if (!q) score = 0;
    else if (shortcut === q) score = 3;
    else if (shortcut.startsWith(q)) score = 2;
    else if (shortcut.includes(q)) score = 1;
    else if (reply.text.toLowerCase().includes(q)) score = 0.5;
    if (score >= 0) scored.push({ reply, score });
  }
  scored.sort((a, b) => b.score - a.score || a.reply.shortcut.localeCompare(b.reply.shortcut));
  return scored.slice(0, limit).map((s) => s.reply);
}

/** Fills `{name}`, `{agent}`... placeholders of a canned reply; unknown ones stay as typed. */
export function expandCanned(text: string, vars: Record<string, string | null | undefined>): string {
  return text.replace(/\{\{?\s*([\w.]+)\s*\}?\}/g, (whole, name: string) => {
    const value = vars[name];
    return value ? value : whole;
  });
}

/** Replaces the `/query` at `start` (up to the caret) with `insert`; returns the text and the new caret. */
export function insertCanned(
  text: string,
  start: number,
  caret: number,
  insert: string,
): { text: string; caret: number } {
  const next = text.slice(0, start) + insert + text.slice(caret);
  return { text: next, caret: start + insert.length };
}
