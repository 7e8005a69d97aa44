import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { topics } from '../bus/bus.ts';
import { MemoryBus } from '../bus/memory-bus.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { MessageQuery } from '../store/store.ts';
import { ConversationService } from './conversation-service.ts';
import { MessageWriter } from './message-writer.ts';
import { LocalPresence } from './presence.ts';
import { Session, serialise } from './session.ts';

/** A store whose listMessages waits until released: live events arrive while a replay is in flight. */
class GatedStore extends MemoryStore {
  private gates: (() => void)[] = [];
  gated = false;
  /** listMessages calls so far. */
  reads = 0;
  /** Runs once, after the next read has taken its page and before it returns it. */
  afterNextRead: (() => Promise<unknown>) | null = null;
  override async listMessages(query: MessageQuery) {
    this.reads += 1;
    if (this.gated) await new Promise<void>((resolve) => this.gates.push(resolve));
    const page = await super.listMessages(query);
    const after = this.afterNextRead;
    this.afterNextRead = null;
    await after?.();
    return page;
  }
  release() {
    for (const open of this.gates.splice(0)) open();
  }
  get waiting() {
    return this.gates.length;
  }
  listMessagesUngated(conversation: { id: string; workspaceId: string }) {
    return super.listMessages({
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      afterSeq: 0,
    });
  }
}

async function setup(as: 'visitor' | 'agent' = 'visitor') {
  const store = new GatedStore();
  await store.init();
  const bus = new MemoryBus();
  const log = pino({ level: 'silent' });
  const writer = new MessageWriter(store);
  const conversations = new ConversationService({ store, bus, writer, log, maxTextLength: 4000 });
  const workspace = await store.createWorkspace({ name: 'W', widgetKey: 'wk', botEnabled: false });
  const visitor = await store.createVisitor({
    workspaceId: workspace.id,
    name: 'V',
    email: null,
    attributes: {},
    pageUrl: null,
    ip: null,
  });
  const conversation = await store.createConversation({
    workspaceId: workspace.id,
    visitorId: visitor.id,
    status: 'queued',
    queuedAt: null,
  });
  /** `count` messages; `notes` says which of them (by index) are agents' private notes. */
  const append = async (count: number, notes: (i: number) => boolean = () => false) => {
    const results = await store.appendMessages(
      Array.from({ length: count }, (_, i) => ({
        workspaceId: workspace.id,
        conversationId: conversation.id,
        author: notes(i)
          ? { type: 'agent' as const, id: 'ag_1', name: 'A' }
          : { type: 'visitor' as const, id: visitor.id, name: 'V' },
        text: `m${i}`,
        clientMessageId: null,
        ...(notes(i) && { private: true }),
      })),
    );
    return results.map((r) => r.message);
  };
  const sent: { type: string; message?: { seq: number } }[] = [];
  const session = new Session(
    as === 'visitor'
      ? { type: 'visitor', id: visitor.id, workspaceId: workspace.id, name: 'V' }
      : { type: 'agent', id: 'ag_1', workspaceId: workspace.id, name: 'A', role: 'agent' },
    { send: (data) => sent.push(JSON.parse(data)), close: () => {} },
    { store, bus, conversations, presence: new LocalPresence(), heartbeatMs: 30_000 },
  );
  session.start();
  const seqs = () => sent.filter((f) => f.type === 'message.created').map((f) => f.message!.seq);
  const publish = (message: Awaited<ReturnType<typeof append>>[number]) =>
    bus.publish(topics.conversation(conversation.id), { type: 'message.created', message });
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((resolve) => setImmediate(resolve));
  };
  return { store, session, conversation, append, publish, seqs, sent, until };
}

describe('Session delivery by seq', () => {
  it('holds live messages during a replay and sends each seq once, in order', async () => {
    const { store, session, conversation, append, publish, seqs, sent, until } = await setup();
    await append(5);
    store.gated = true;
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 2 }));
    await until(() => store.waiting === 1);

    // Stored and published while the replay query is in flight; one is a stale duplicate.
    const [sixth, seventh] = await append(2);
    publish(sixth!);
    publish(seventh!);
    const [, , , fourth] = await store.listMessagesUngated(conversation);
    publish(fourth!);

    store.gated = false;
    store.release();
    await until(() => sent.some((f) => f.type === 'subscribed'));
    expect(seqs()).toEqual([3, 4, 5, 6, 7]);
  });

  it('fills a gap in the live stream from the store', async () => {
    const { session, conversation, append, publish, seqs, sent, until } = await setup();
    await append(2);
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => sent.some((f) => f.type === 'subscribed'));
    // 3 and 4 are stored but their events are lost (another node, a bus hiccup); 5 arrives.
    const [, , fifth] = await append(3);
    publish(fifth!);
    await until(() => seqs().length === 5);
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    publish(fifth!);
    const [sixth] = await append(1);
    publish(sixth!);
    await until(() => seqs().length === 6);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resync after the bus lost events sends the stored tail and the current state, without a new event', async () => {
    const { session, conversation, append, seqs, sent, until } = await setup();
    await append(1);
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => sent.some((f) => f.type === 'subscribed'));
    await append(2); // stored, their events lost: nothing shows the gap
    expect(seqs()).toEqual([1]);
    session.resync();
    await until(() => sent.some((f) => f.type === 'conversation.updated'));
    expect(seqs()).toEqual([1, 2, 3]);
    expect(sent.at(-1)).toMatchObject({
      type: 'conversation.updated',
      conversation: { id: conversation.id },
    });
  });

  it('resync during a running catch-up makes it read the store once more', async () => {
    const { store, session, conversation, append, seqs, sent, until } = await setup();
    await append(2);
    store.gated = true;
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => store.waiting === 1);
    session.resync();
    store.afterNextRead = () => append(1); // stored after the read took its page; its event is lost
    store.gated = false;
    store.release();
    await until(() => sent.some((f) => f.type === 'subscribed'));
    expect(seqs()).toEqual([1, 2, 3]);
  });
});

describe('Session delivery with private notes', () => {
  const note =
    (...indexes: number[]) =>
    (i: number) =>
      indexes.includes(i);

  it('a visitor replay skips notes; live notes are dropped and their seq skipped without a store read', async () => {
    const { store, session, conversation, append, publish, seqs, sent, until } = await setup('visitor');
    await append(6, note(1, 3, 4)); // seqs 2, 4 and 5 are notes
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => sent.some((f) => f.type === 'subscribed'));
    expect(seqs()).toEqual([1, 3, 6]);
    expect(sent.find((f) => f.type === 'subscribed')).toMatchObject({ lastSeq: 6 });

    const reads = store.reads;
    const [seventh, eighth] = await append(2, note(0));
    publish(seventh!);
    publish(eighth!);
    await until(() => seqs().length === 4);
    expect(seqs()).toEqual([1, 3, 6, 8]);
    expect(store.reads).toBe(reads);
    expect(JSON.stringify(sent)).not.toContain('"private":true');
  });

  it('a visitor gap of lost events and notes is filled once, and a note past a gap never loops', async () => {
    const { store, session, conversation, append, publish, seqs, sent, until } = await setup('visitor');
    await append(1);
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => sent.some((f) => f.type === 'subscribed'));

    // 2 (note) and 3 are lost; 4 (a note past the gap) is dropped; 5 shows the gap.
    const [, , fourth, fifth] = await append(4, note(0, 2));
    publish(fourth!);
    expect(seqs()).toEqual([1]);
    publish(fifth!);
    await until(() => seqs().length === 3);
    expect(seqs()).toEqual([1, 3, 5]);

    // Only notes after 5, their events lost but the last: nothing to fetch, nothing to loop on.
    const [, seventh] = await append(2, note(0, 1));
    const reads = store.reads;
    publish(seventh!);
    const [eighth] = await append(1);
    publish(eighth!);
    await until(() => seqs().length === 4);
    expect(seqs()).toEqual([1, 3, 5, 8]);
    // One read filled 6..7 (notes only) on the way to 8; then it stays quiet.
    expect(store.reads - reads).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.reads - reads).toBe(1);
  });

  it('an agent gets every seq, notes included, replayed and live', async () => {
    const { session, conversation, append, publish, seqs, sent, until } = await setup('agent');
    await append(3, note(1));
    session.receive(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await until(() => sent.some((f) => f.type === 'subscribed'));
    expect(seqs()).toEqual([1, 2, 3]);
    const [fourth] = await append(1, note(0));
    publish(fourth!);
    await until(() => seqs().length === 4);
    expect(sent.at(-1)).toMatchObject({ type: 'message.created', message: { seq: 4, private: true } });
  });
});

describe('serialise', () => {
  const message = {
    id: 'msg_1',
    conversationId: 'cv_1',
    seq: 7,
    author: { type: 'visitor' as const, id: 'vi_1', name: 'Ann "A" <b>' },
    text: 'line\nbreak, "quotes", 中文 and \u2028',
    clientMessageId: 'c-1',
    createdAt: '2026-11-26T07:00:00.000Z',
    interrupted: false,
    attachments: [],
    private: false,
  };

  it('writes an ack and a message.created with the message JSON made once, as JSON.stringify would', () => {
    const created = { type: 'message.created' as const, message };
    const ack = { type: 'message.ack' as const, clientMessageId: 'c-"1"', message };
    expect(JSON.parse(serialise(created))).toEqual(created);
    expect(JSON.parse(serialise(ack))).toEqual(ack);
    expect(serialise(ack)).toBe(JSON.stringify(ack));
    expect(serialise(created)).toBe(JSON.stringify(created));
  });
});
