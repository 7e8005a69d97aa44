import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@unique-support/server';
import type { Options } from './options.ts';
import { int, median, table } from './stats.ts';

const CONVERSATIONS = 4000;
const WARM_UP_MESSAGES = 20_000;

/**
 * The `store` scenario: the SQLite store's `appendMessages` on a database file as the server
 * calls it (checkpoint thread included), in one workspace of 4,000 assigned conversations,
 * each batch of messages to different conversations (as under load: few messages of one
 * conversation share a batch). Wall time and CPU (every thread of this process) per stored
 * message, for several batch sizes; medians of `--rounds`.
 */
export async function runStoreBench(options: Options): Promise<void> {
  const rounds = options.number('rounds', 3);
  const messages = options.number('store-messages', 60_000);
  const batchSizes = options.numbers('store-batches', [1, 12, 100]);
  console.log(
    `\nstore — SqliteStore.appendMessages on a file; ${int(CONVERSATIONS)} conversations, ${int(messages)} messages per batch size, ${rounds} rounds`,
  );
  const figures = new Map<number, { wall: number[]; cpu: number[]; system: number[] }>(
    batchSizes.map((size) => [size, { wall: [], cpu: [], system: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'us-store-bench-'));
    const store = new SqliteStore({ path: join(dir, 'unique-support.db') });
    try {
      await store.init();
      const append = await seed(store);
      await append(WARM_UP_MESSAGES, 12);
      for (const size of batchSizes) {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await append(messages, size);
        const wallUs = (performance.now() - started) * 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const of = figures.get(size)!;
        of.wall.push(wallUs / messages);
        of.cpu.push((cpu.user + cpu.system) / messages);
        of.system.push(cpu.system / messages);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  table(
    `store — µs per stored message, medians of ${rounds} rounds (CPU: every thread; system: in the kernel)`,
    ['messages per batch', 'wall', 'CPU', 'system'],
    batchSizes.map((size) => {
      const of = figures.get(size)!;
      return [int(size), median(of.wall).toFixed(1), median(of.cpu).toFixed(1), median(of.system).toFixed(1)];
    }),
  );
}

/** The conversations; returns a function appending `count` messages in batches of `size`. */
async function seed(store: SqliteStore) {
  const workspace = await store.createWorkspace({ name: 'Bench', widgetKey: 'wk_bench', botEnabled: false });
  const agent = await store.createAgent({
    workspaceId: workspace.id,
    name: 'Agent',
    email: 'agent@bench.invalid',
    passwordHash: 'unused',
    role: 'agent',
    maxConcurrent: CONVERSATIONS,
  });
  const conversations: string[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const visitor = await store.createVisitor({
      workspaceId: workspace.id,
      name: null,
      email: null,
      attributes: {},
      pageUrl: null,
      ip: null,
    });
    const conversation = await store.createConversation({
      workspaceId: workspace.id,
      visitorId: visitor.id,
      status: 'assigned',
      queuedAt: null,
    });
    await store.updateConversation(workspace.id, conversation.id, { assigneeId: agent.id });
    conversations.push(conversation.id);
  }
  let sent = 0;
  return async (count: number, size: number) => {
    for (let done = 0; done < count; done += size) {
      const batch = Array.from({ length: Math.min(size, count - done) }, () => {
        const n = sent++;
        return {
          workspaceId: workspace.id,
          // Consecutive messages go to conversations far apart, as from many visitors at once.
          conversationId: conversations[(n * 7919) % CONVERSATIONS]!,
          author: { type: 'visitor' as const, id: null, name: null },
          text: `message ${n}: about forty bytes of chat text`,
          clientMessageId: `c${n}`,
          receivedAt: Date.now(),
        };
      });
      await store.appendMessages(batch);
    }
  };
}
