import type { ConsoleMessage } from './types.ts';

/** A message the agent sent that the server has not acknowledged yet. */
export interface PendingMessage {
  clientMessageId: string;
  text: string;
  private: boolean;
  createdAt: string;
  failed?: string;
}

/** One conversation's messages as the console shows them. */
export interface Thread {
  /** Stored messages, ordered by seq, each seq once. */
  messages: ConsoleMessage[];
  /** Bot answers streaming now: messageId → text so far. */
  streaming: Record<string, { text: string; startedAt: string }>;
  pending: PendingMessage[];
  /** The full history has been replayed (after `subscribed`). */
  loaded: boolean;
}

export const EMPTY_THREAD: Thread = { messages: [], streaming: {}, pending: [], loaded: false };

/** Adds or replaces a stored message keeping seq order; drops its pending copy and stream. */
export function addMessage(thread: Thread, message: ConsoleMessage): Thread {
  const messages = thread.messages;
  let next: ConsoleMessage[];
  const last = messages[messages.length - 1];
  if (!last || last.seq < message.seq) next = [...messages, message];
  else {
    const index = messages.findIndex((m) => m.seq >= message.seq);
    const existing = messages[index];
    if (existing && existing.seq === message.seq) {
      next = messages.slice();
      next[index] = message;
    } else {
      next = [...messages.slice(0, index), message, ...messages.slice(index)];
    }
  }
  let { streaming, pending } = thread;
  if (message.id in streaming) {
    streaming = { ...streaming };
    delete streaming[message.id];
  }
  if (message.clientMessageId && pending.some((p) => p.clientMessageId === message.clientMessageId)) {
    pending = pending.filter((p) => p.clientMessageId !== message.clientMessageId);
  }
  return { ...thread, messages: next, streaming, pending };
}

/** Appends a piece of a streaming bot answer. */
export function applyDelta(thread: Thread, messageId: string, delta: string, now: string): Thread {
  if (thread.messages.some((m) => m.id === messageId)) return thread; // already completed
  const current = thread.streaming[messageId];
  return {
    ...thread,
    streaming: {
      ...thread.streaming,
      [messageId]: { text: (current?.text ?? '') + delta, startedAt: current?.startedAt ?? now },
    },
  };
}

export function addPending(thread: Thread, pending: PendingMessage): Thread {
  return { ...thread, pending: [...thread.pending, pending] };
}

export function failPending(thread: Thread, clientMessageId: string, reason: string): Thread {
  if (!thread.pending.some((p) => p.clientMessageId === clientMessageId)) return thread;
  return {
    ...thread,
    pending: thread.pending.map((p) =>
      p.clientMessageId === clientMessageId ? { ...p, failed: reason } : p,
    ),
  };
}

export function removePending(thread: Thread, clientMessageId: string): Thread {
  return { ...thread, pending: thread.pending.filter((p) => p.clientMessageId !== clientMessageId) };
}

export function lastSeqOf(thread: Thread): number {
  return thread.messages[thread.messages.length - 1]?.seq ?? 0;
}

/** Highest seq with no gap before it: where a resumed subscription should start. */
export function contiguousSeq(thread: Thread): number {
  let seq = 0;
  for (const message of thread.messages) {
    if (message.seq !== seq + 1) break;
    seq = message.seq;
  }
  return seq;
}

/** Messages grouped for display: a new group when the author or the day changes, or after 5 min. */
export function startsGroup(previous: ConsoleMessage | undefined, message: ConsoleMessage): boolean {
  if (!previous) return true;
  if (previous.author.type !== message.author.type || previous.author.id !== message.author.id) return true;
  if (Boolean(previous.private) !== Boolean(message.private)) return true;
  return Date.parse(message.createdAt) - Date.parse(previous.createdAt) > 5 * 60_000;
}

export function sameDay(a: string, b: string): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}
