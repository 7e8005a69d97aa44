import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisReachable } from '../../test/pg-schema.ts';
import type { BusEvent } from './bus.ts';
import { busContract } from './bus-contract.ts';
import { createRedisBus, type RedisBus } from './redis-bus.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const inCi = process.env.CI === 'true';
/** Unique per run, so parallel runs against one Redis never see each other's channels. */
const prefix = `us-test:${randomUUID()}:`;

const reachable = await redisReachable(url);
/** Locally a missing Redis skips these tests; in CI it is a failure. */
const skip = !reachable && !inCi;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Waits until the bus is connected, then PINGs it: every (un)subscribe before is in effect. */
async function settled(bus: RedisBus): Promise<void> {
  await eventually(() => bus.ready);
  await bus.ping();
}

const event = (label: string): BusEvent => ({ type: 'presence', agentId: label, status: 'online' });
const label = (e: BusEvent) => (e.type === 'presence' ? e.agentId : e.type);

describe('Redis for the RedisBus tests', () => {
  it.runIf(inCi)('is reachable in CI', () => {
    expect(reachable, `Redis not reachable at ${url}`).toBe(true);
  });
});

describe.skipIf(skip)('RedisBus', () => {
  busContract('RedisBus (two nodes)', () => createRedisBus({ url, prefix }), {
    settle: settled,
    createPeer: () => createRedisBus({ url, prefix }),
  });

  describe('on Redis', () => {
    const open: RedisBus[] = [];
    let admin: Redis;
    const node = () => {
      const bus = createRedisBus({ url, prefix });
      open.push(bus);
      return bus;
    };
    const channels = () => admin.pubsub('CHANNELS', `${prefix}*`) as Promise<string[]>;

    beforeAll(() => {
      admin = new Redis(url);
    });

    afterAll(async () => {
      await admin.quit();
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('is ready once connected and ping resolves', async () => {
      const bus = node();
      await eventually(() => bus.ready);
      await expect(bus.ping()).resolves.toBeUndefined();
    });

    it('delivers to local handlers at once, inside publish, and skips its own echo', async () => {
      const a = node();
      const seen: string[] = [];
      a.subscribe('local', (e) => seen.push(label(e)));
      await settled(a);
      a.publish('local', event('1'));
      expect(seen).toEqual(['1']);
      await sleep(100);
      expect(seen).toEqual(['1']);
    });

    it('sends SUBSCRIBE for the first handler of a topic and UNSUBSCRIBE when the last goes', async () => {
      const bus = node();
      const channel = `${prefix}conv:pubsub`;
      await settled(bus);
      expect(await channels()).not.toContain(channel);

      const off1 = bus.subscribe('conv:pubsub', () => {});
      const off2 = bus.subscribe('conv:pubsub', () => {});
      await settled(bus);
      expect(await channels()).toContain(channel);

      off1();
      await settled(bus);
      expect(await channels()).toContain(channel);

      off2();
      await settled(bus);
      expect(await channels()).not.toContain(channel);
    });

    it('close quits both connections', async () => {
      const bus = node();
      bus.subscribe('conv:closing', () => {});
      await settled(bus);
      expect(await channels()).toContain(`${prefix}conv:closing`);
      await bus.close();
      expect(bus.ready).toBe(false);
      await eventually(async () => !(await channels()).includes(`${prefix}conv:closing`));
      await expect(bus.ping()).rejects.toThrow();
    });

    it('subscriptions made before the connection is ready take effect once it is', async () => {
      const a = node();
      const b = node();
      const seen: string[] = [];
      b.subscribe('conv:early', (e) => seen.push(label(e)));
      await eventually(() => b.ready);
      await settled(b);
      expect(await channels()).toContain(`${prefix}conv:early`);
      await eventually(() => a.ready);
      a.publish('conv:early', event('hi'));
      await eventually(() => seen.length === 1);
      expect(seen).toEqual(['hi']);
    });

    it('drops malformed messages and keeps delivering', async () => {
      const b = node();
      const seen: string[] = [];
      b.subscribe('conv:garbage', (e) => seen.push(label(e)));
      await settled(b);
      await admin.publish(`${prefix}conv:garbage`, '{not json');
      await admin.publish(`${prefix}conv:garbage`, JSON.stringify({ n: 'other', e: event('ok') }));
      await eventually(() => seen.length === 1);
      expect(seen).toEqual(['ok']);
    });

    it('a throwing handler does not stop the others', async () => {
      const a = node();
      const b = node();
      const seen: string[] = [];
      b.subscribe('conv:throw', () => {
        throw new Error('boom');
      });
      b.subscribe('conv:throw', (e) => seen.push(label(e)));
      await settled(b);
      await settled(a);
      expect(() => a.publish('conv:throw', event('x'))).not.toThrow();
      await eventually(() => seen.length === 1);
    });

    it('resubscribes after its connections are killed (Redis restart), tells onReconnect listeners, delivers again', async () => {
      const a = node();
      const b = node();
      const seen: string[] = [];
      b.subscribe('conv:restart', (e) => seen.push(label(e)));
      let reconnects = 0;
      let subscribedAtReconnect: string[] = [];
      b.onReconnect(() => {
        reconnects++;
        void channels().then((list) => {
          subscribedAtReconnect = list;
        });
      });
      await Promise.all([settled(a), settled(b)]);
      expect(reconnects).toBe(0); // the first connection is not a reconnection
      a.publish('conv:restart', event('before'));
      await eventually(() => seen.length === 1);

      // What a restart looks like to a node: every connection drops. Kill only this run's.
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(`name=${prefix}`))
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      expect(ids.length).toBeGreaterThanOrEqual(4);
      for (const id of ids) await admin.client('KILL', 'ID', id);

      await eventually(() => !b.ready || !a.ready, 2000).catch(() => {});
      // While down, publishing neither throws nor blocks; local handlers still run.
      expect(() => a.publish('conv:restart', event('maybe-lost'))).not.toThrow();

      await eventually(() => a.ready && b.ready);
      await eventually(() => reconnects === 1);
      // Listeners run once the topics are subscribed again, so a catch-up then misses nothing.
      await eventually(() => subscribedAtReconnect.length > 0);
      expect(subscribedAtReconnect).toContain(`${prefix}conv:restart`);
      await Promise.all([settled(a), settled(b)]);
      expect(await channels()).toContain(`${prefix}conv:restart`);
      a.publish('conv:restart', event('after'));
      await eventually(() => seen.includes('after'));
      expect(seen[0]).toBe('before');
      expect(seen.at(-1)).toBe('after');
    });
  });
});

describe('RedisBus without Redis', () => {
  const open: RedisBus[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('publish does not throw or block, ping rejects, ready is false, local handlers still run', async () => {
    const warnings: string[] = [];
    const log = {
      warn: (_: object, msg?: string) => void warnings.push(msg ?? ''),
      info: () => {},
      error: () => {},
    };
    const bus = createRedisBus({ url: 'redis://127.0.0.1:1', prefix, log });
    open.push(bus);
    const seen: string[] = [];
    const off = bus.subscribe('conv:down', (e) => seen.push(label(e)));

    const started = Date.now();
    for (let i = 0; i < 1000; i++) bus.publish('conv:down', event(`m${i}`));
    expect(Date.now() - started).toBeLessThan(500);
    expect(seen).toHaveLength(1000);
    expect(bus.ready).toBe(false);
    await expect(bus.ping()).rejects.toThrow();
    // Dropped publishes are logged, but not one line each.
    expect(warnings.filter((w) => w.includes('publish dropped'))).toHaveLength(1);
    expect(() => off()).not.toThrow();
  });

  it('close resolves while Redis is unreachable', async () => {
    const bus = createRedisBus({ url: 'redis://127.0.0.1:1', prefix });
    await sleep(50);
    await expect(bus.close()).resolves.toBeUndefined();
  });
});
