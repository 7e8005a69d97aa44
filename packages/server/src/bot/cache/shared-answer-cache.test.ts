import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { redisReachable } from '../../../test/pg-schema.ts';
import { createRedisBus, type RedisBus } from '../../bus/redis-bus.ts';
import { closeRedis, createRedisClient } from '../../bus/redis-client.ts';
import { RedisRateLimiter } from '../../core/redis-rate-limiter.ts';
import { LocalEmbedder } from '../retrieval/local-embedder.ts';
import { AnswerCache } from './answer-cache.ts';
import { SharedAnswerCache } from './shared-answer-cache.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = { warn() {}, info() {}, error() {} };
const scope = { workspaceId: 'w1', knowledgeVersion: 'k1' };

const available = await redisReachable(url);
if (!available && process.env.CI === 'true') throw new Error(`Redis is required in CI: ${url}`);

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.runIf(available)('SharedAnswerCache and RedisRateLimiter on Redis', () => {
  const prefix = `us-test:${randomUUID()}:`;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function node(redisUrl = url) {
    const redis = createRedisClient(redisUrl, `${prefix}test`, silent);
    const bus: RedisBus = createRedisBus({ url: redisUrl, prefix, log: silent });
    const local = new AnswerCache({ embedder: new LocalEmbedder() });
    const cache = new SharedAnswerCache({ local, redis, bus, log: silent, prefix });
    closers.push(async () => {
      cache.close();
      await bus.close();
      await closeRedis(redis);
    });
    if (redisUrl === url) {
      await until(() => redis.status === 'ready' && bus.ready);
      await bus.ping();
    }
    return { cache, local, redis };
  }

  it('a node started later gets exact hits from Redis; a paraphrase hits on every node through the bus', async () => {
    const a = await node();
    const b = await node();
    await a.cache.set(scope, 'How long does shipping take?', 'Three to five days.');
    // B learns it from the bus: exact and semantic hits from its own cache.
    await until(async () => (await b.local.get(scope, 'How long does shipping take?')) !== null);
    expect(await b.cache.get(scope, 'how long does shipping take')).toMatchObject({ kind: 'exact' });

    // C was not there when it was said: Redis has it.
    const c = await node();
    expect(await c.cache.get(scope, 'How long does shipping take?')).toEqual({
      answer: 'Three to five days.',
      kind: 'exact',
      score: 1,
    });
    expect(c.cache.sharedHits).toBe(1);
    // Another knowledge version (the articles changed) or workspace: nothing.
    expect(
      await c.cache.get({ ...scope, knowledgeVersion: 'k2' }, 'How long does shipping take?'),
    ).toBeNull();
    expect(await c.cache.get({ ...scope, workspaceId: 'w2' }, 'How long does shipping take?')).toBeNull();
  });

  it('a Redis that cannot be reached costs hits, never answers or errors', async () => {
    const down = await node('redis://127.0.0.1:1');
    await down.cache.set(scope, 'Do you ship to Canada?', 'Yes.');
    expect(await down.cache.get(scope, 'Do you ship to Canada?')).toMatchObject({ answer: 'Yes.' });
    expect(await down.cache.get(scope, 'Do you ship to Mexico?')).toBeNull();
  });

  it('one visitor limit across nodes; each node limits on its own while Redis is unreachable', async () => {
    const rate = { max: 3, windowMs: 60_000 };
    const [a, b] = [await node(), await node()];
    const onA = new RedisRateLimiter(a.redis, rate, `${prefix}rate:`, silent);
    const onB = new RedisRateLimiter(b.redis, rate, `${prefix}rate:`, silent);
    expect([await onA.take('v1'), await onB.take('v1'), await onA.take('v1')]).toEqual([true, true, true]);
    expect(await onB.take('v1')).toBe(false);
    expect(await onA.take('v1')).toBe(false);
    expect(await onB.take('v2')).toBe(true);

    const down = await node('redis://127.0.0.1:1');
    const alone = new RedisRateLimiter(down.redis, rate, `${prefix}rate:`, silent);
    expect([await alone.take('v1'), await alone.take('v1'), await alone.take('v1')]).toEqual([
      true,
      true,
      true,
    ]);
    expect(await alone.take('v1')).toBe(false);
  });
});
