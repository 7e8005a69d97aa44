import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisReachable } from '../../test/pg-schema.ts';
import { RedisPresence } from './redis-presence.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `us-test:${randomUUID()}:`;

const reachable = await redisReachable(url);
const skip = !reachable && process.env.CI !== 'true';

async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(skip)('RedisPresence', () => {
  const open: RedisPresence[] = [];
  const raw = reachable ? new Redis(url) : null;
  const node = (ttlMs = 15_000) => {
    const presence = new RedisPresence({ url, prefix, ttlMs, heartbeatMs: Math.min(5_000, ttlMs / 3) });
    open.push(presence);
    return presence;
  };

  afterAll(async () => {
    for (const p of open) await p.close();
    const keys = await raw!.keys(`${prefix}*`);
    if (keys.length > 0) await raw!.del(...keys);
    raw?.disconnect();
  });

  it('shares sockets and away between nodes; offline when the last socket anywhere goes', async () => {
    const [a, b] = [node(), node()];
    const changes: string[] = [];
    b.onChange((c) => changes.push(`${c.agentId}:${c.status}`));
    a.connect('w1', 'ag1');
    await eventually(async () => (await b.online('w1')).has('ag1'));
    b.connect('w1', 'ag1');
    await eventually(() => changes.includes('ag1:online'));
    b.setStatus('w1', 'ag1', 'away');
    await eventually(async () => (await a.status('w1', 'ag1')) === 'away');
    expect((await a.online('w1')).size).toBe(0);
    b.disconnect('w1', 'ag1');
    // Still on node A: away, not offline.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.status('w1', 'ag1')).toBe('away');
    a.disconnect('w1', 'ag1');
    await eventually(async () => (await b.status('w1', 'ag1')) === 'offline');
    // Back later: away no longer holds.
    b.connect('w1', 'ag1');
    await eventually(async () => (await a.status('w1', 'ag1')) === 'online');
    b.disconnect('w1', 'ag1');
  });

  it('ignores and cleans the entries of a node whose heartbeat expired (kill -9)', async () => {
    const observer = node();
    // What a node leaves behind when it dies: its entry, and a heartbeat that runs out.
    await raw!.hset(`${prefix}presence:w2`, 'ag2:dead-node', 1);
    await raw!.set(`${prefix}node:dead-node`, '1', 'PX', 300);
    expect(await observer.online('w2')).toEqual(new Set(['ag2']));
    await eventually(async () => (await observer.online('w2')).size === 0);
    await eventually(async () => (await raw!.hlen(`${prefix}presence:w2`)) === 0);
  });

  it('serialises exclusive runs across nodes', async () => {
    const [a, b] = [node(), node()];
    let inside = 0;
    let most = 0;
    const run = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
    };
    await Promise.all([a, b, a, b].map((p) => p.exclusive('route:w3', run)));
    expect(most).toBe(1);
  });
});
