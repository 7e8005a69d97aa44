import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.ts';
import type { NewMessage, Store } from '../store/store.ts';
import { seedConversation } from '../store/store-contract.ts';
import { MessageWriter } from './message-writer.ts';

async function setup() {
  const store = new MemoryStore();
  await store.init();
  const { workspace, visitor, conversation } = await seedConversation(store, { status: 'queued' });
  const batches: number[] = [];
  const append = store.appendMessages.bind(store);
  store.appendMessages = (batch) => {
    batches.push(batch.length);
    return append(batch);
  };
  const message = (text: string, clientMessageId: string | null = null): NewMessage => ({
    workspaceId: workspace.id,
    conversationId: conversation.id,
    author: { type: 'visitor', id: visitor.id, name: null },
    text,
    clientMessageId,
  });
  return { store: store as Store, batches, message, workspace, conversation };
}

describe('MessageWriter', () => {
  it('writes concurrent appends as one batch, in order', async () => {
    const { store, batches, message } = await setup();
    const writer = new MessageWriter(store);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.append(message(`m${i}`))));
    expect(batches).toEqual([50]);
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(results.map((r) => r.message.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  it('splits at maxBatch and keeps order across batches', async () => {
    const { store, batches, message } = await setup();
    const writer = new MessageWriter(store, 20);
    const results = await Promise.all(Array.from({ length: 45 }, (_, i) => writer.append(message(`m${i}`))));
    expect(batches).toEqual([20, 20, 5]);
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
  });

  it('fails only the message whose conversation does not exist', async () => {
    const { store, message, workspace } = await setup();
    const writer = new MessageWriter(store);
    const good = writer.append(message('ok'));
    const bad = writer.append({
      ...message('lost'),
      conversationId: 'cv_missing',
      workspaceId: workspace.id,
    });
    const alsoGood = writer.append(message('ok too'));
    await expect(bad).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await good).message.seq).toBe(1);
    expect((await alsoGood).message.seq).toBe(2);
  });

  it('deduplicates a clientMessageId repeated within a batch', async () => {
    const { store, message } = await setup();
    const writer = new MessageWriter(store);
    const [first, again] = await Promise.all([
      writer.append(message('a', 'c1')),
      writer.append(message('a', 'c1')),
    ]);
    expect(first!.created).toBe(true);
    expect(again).toMatchObject({ message: first!.message, created: false });
  });

  it('drain() resolves only after every queued message is stored', async () => {
    const { store, message, workspace, conversation } = await setup();
    const writer = new MessageWriter(store);
    for (let i = 0; i < 10; i++) void writer.append(message(`m${i}`));
    await writer.drain();
    const stored = await store.listMessages({
      workspaceId: workspace.id,
      conversationId: conversation.id,
      afterSeq: 0,
    });
    expect(stored).toHaveLength(10);
  });
});
