import { describe, expect, it } from 'vitest';
import {
  addMessage,
  addPending,
  applyDelta,
  contiguousSeq,
  EMPTY_THREAD,
  failPending,
  startsGroup,
} from './thread.ts';
import type { ConsoleMessage } from './types.ts';

function message(seq: number, patch: Partial<ConsoleMessage> = {}): ConsoleMessage {
  return {
    id: `msg_${seq}`,
    conversationId: 'cv',
    seq,
    author: { type: 'visitor', id: 'vi', name: null },
    text: `text ${seq}`,
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, seq)).toISOString(),
    ...patch,
  };
}

describe('thread', () => {
  it('keeps messages in seq order, each once', () => {
    let thread = EMPTY_THREAD;
    for (const seq of [2, 1, 3, 2]) thread = addMessage(thread, message(seq));
    expect(thread.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(contiguousSeq(thread)).toBe(3);
    thread = addMessage(thread, message(5));
    expect(contiguousSeq(thread)).toBe(3);
  });

  it('builds a streaming answer from deltas and replaces it with the stored message', () => {
    let thread = applyDelta(EMPTY_THREAD, 'msg_bot', 'Hel', 't0');
    thread = applyDelta(thread, 'msg_bot', 'lo', 't1');
    expect(thread.streaming.msg_bot).toEqual({ text: 'Hello', startedAt: 't0' });
    thread = addMessage(
      thread,
      message(1, { id: 'msg_bot', text: 'Hello!', author: { type: 'bot', id: null, name: 'Bot' } }),
    );
    expect(thread.streaming).toEqual({});
    expect(thread.messages[0]!.text).toBe('Hello!');
    // A late delta after completion changes nothing.
    expect(applyDelta(thread, 'msg_bot', 'x', 't2')).toBe(thread);
  });

  it('drops a pending message once the server stores it, and marks failures', () => {
    let thread = addPending(EMPTY_THREAD, {
      clientMessageId: 'c1',
      text: 'hi',
      private: false,
      createdAt: 't',
    });
    thread = addPending(thread, { clientMessageId: 'c2', text: 'too long', private: false, createdAt: 't' });
    thread = failPending(thread, 'c2', 'PAYLOAD_TOO_LARGE');
    expect(thread.pending.map((p) => p.failed)).toEqual([undefined, 'PAYLOAD_TOO_LARGE']);
    thread = addMessage(
      thread,
      message(1, { clientMessageId: 'c1', author: { type: 'agent', id: 'ag', name: 'A' } }),
    );
    expect(thread.pending.map((p) => p.clientMessageId)).toEqual(['c2']);
  });

  it('groups consecutive messages of one author within five minutes', () => {
    const a = message(1);
    expect(startsGroup(undefined, a)).toBe(true);
    expect(startsGroup(a, message(2))).toBe(false);
    expect(startsGroup(a, message(9))).toBe(true);
    expect(startsGroup(a, message(2, { author: { type: 'bot', id: null, name: null } }))).toBe(true);
    expect(startsGroup(a, message(2, { private: true }))).toBe(true);
  });
});
