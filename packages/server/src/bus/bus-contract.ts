import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from './bus.ts';

export interface BusContractOptions<B extends Bus> {
  /**
   * Resolves once every subscribe/unsubscribe made on `bus` so far is in effect (for the
   * RedisBus: a PING on its connections). Default: nothing to wait for.
   */
  settle?: (bus: B) => Promise<void>;
  /**
   * For buses that span processes: a second instance sharing `first`'s backend (another node).
   * When given, the suite also checks delivery from one instance to the other.
   */
  createPeer?: (first: B) => Promise<B> | B;
  /** How long an event may take to arrive; also how long "nothing arrives" is watched. */
  deliveryMs?: number;
}

/**
 * The behaviour every Bus implementation must have. Each test gets a fresh bus (and a peer,
 * for cross-instance buses). Assertions wait for delivery, so synchronous and networked buses
 * run the same tests; "nothing arrives" is checked after a later event on the same
 * subscription did arrive, or after `deliveryMs`.
 */
export function busContract<B extends Bus>(
  name: string,
  createBus: () => Promise<B> | B,
  options: BusContractOptions<B> = {},
): void {
  const deliveryMs = options.deliveryMs ?? 2000;
  const settle = options.settle ?? (async () => {});

  describe(`Bus contract: ${name}`, () => {
    let bus: B;
    const open: B[] = [];
    let counter = 0;
    const topic = () => `t${++counter}:${Math.random().toString(36).slice(2, 8)}`;

    const newBus = async () => {
      const created = await createBus();
      open.push(created);
      return created;
    };

    beforeEach(async () => {
      bus = await newBus();
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    const event = (label: string): BusEvent => ({ type: 'presence', agentId: label, status: 'online' });
    const labels = (events: BusEvent[]) => events.map((e) => (e.type === 'presence' ? e.agentId : e.type));

    const recorder = () => {
      const events: BusEvent[] = [];
      return { events, handler: (e: BusEvent) => void events.push(e) };
    };

    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    /** Waits until `events` has at least `count` entries (or `deliveryMs` passed). */
    const arrived = async (events: BusEvent[], count: number) => {
      const deadline = Date.now() + deliveryMs;
      while (events.length < count && Date.now() < deadline) await sleep(5);
      return labels(events);
    };

    it('delivers an event to a subscriber of its topic', async () => {
      const t = topic();
      const r = recorder();
      bus.subscribe(t, r.handler);
      await settle(bus);
      bus.publish(t, event('a'));
      expect(await arrived(r.events, 1)).toEqual(['a']);
      expect(r.events[0]).toEqual(event('a'));
    });

    it('delivers only to subscribers of that topic', async () => {
      const t1 = topic();
      const t2 = topic();
      const r1 = recorder();
      const r2 = recorder();
      bus.subscribe(t1, r1.handler);
      bus.subscribe(t2, r2.handler);
      await settle(bus);
      bus.publish(t2, event('for-2'));
      bus.publish(t1, event('for-1'));
      expect(await arrived(r1.events, 1)).toEqual(['for-1']);
      expect(await arrived(r2.events, 1)).toEqual(['for-2']);
      await sleep(Math.min(50, deliveryMs));
      expect(labels(r1.events)).toEqual(['for-1']);
      expect(labels(r2.events)).toEqual(['for-2']);
    });

    it('delivers to every subscriber of a topic', async () => {
      const t = topic();
      const rs = [recorder(), recorder(), recorder()];
      for (const r of rs) bus.subscribe(t, r.handler);
      await settle(bus);
      bus.publish(t, event('x'));
      bus.publish(t, event('y'));
      for (const r of rs) expect(await arrived(r.events, 2)).toEqual(['x', 'y']);
    });

    it('a handler subscribed twice to two topics gets each topic once', async () => {
      const t1 = topic();
      const t2 = topic();
      const r = recorder();
      bus.subscribe(t1, r.handler);
      bus.subscribe(t2, r.handler);
      await settle(bus);
      bus.publish(t1, event('1'));
      bus.publish(t2, event('2'));
      expect((await arrived(r.events, 2)).sort()).toEqual(['1', '2']);
    });

    it('preserves publish order per topic', async () => {
      const t = topic();
      const r = recorder();
      bus.subscribe(t, r.handler);
      await settle(bus);
      const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
      for (const label of sent) bus.publish(t, event(label));
      expect(await arrived(r.events, sent.length)).toEqual(sent);
    });

    it('stops delivery to an unsubscribed handler, others keep receiving', async () => {
      const t = topic();
      const gone = recorder();
      const stays = recorder();
      const unsubscribe = bus.subscribe(t, gone.handler);
      bus.subscribe(t, stays.handler);
      await settle(bus);
      bus.publish(t, event('before'));
      expect(await arrived(gone.events, 1)).toEqual(['before']);
      expect(await arrived(stays.events, 1)).toEqual(['before']);

      unsubscribe();
      unsubscribe(); // idempotent
      await settle(bus);
      bus.publish(t, event('after'));
      expect(await arrived(stays.events, 2)).toEqual(['before', 'after']);
      expect(labels(gone.events)).toEqual(['before']);
    });

    it('stops delivery when the last handler of a topic unsubscribes, and resumes on a new subscribe', async () => {
      const t = topic();
      const first = recorder();
      const unsubscribe = bus.subscribe(t, first.handler);
      await settle(bus);
      unsubscribe();
      await settle(bus);
      bus.publish(t, event('nobody'));
      await sleep(Math.min(50, deliveryMs));
      expect(first.events).toEqual([]);

      const second = recorder();
      bus.subscribe(t, second.handler);
      await settle(bus);
      bus.publish(t, event('again'));
      expect(await arrived(second.events, 1)).toEqual(['again']);
      expect(first.events).toEqual([]);
    });

    it('publishing to a topic without subscribers is harmless', async () => {
      expect(() => bus.publish(topic(), event('void'))).not.toThrow();
      const t = topic();
      const r = recorder();
      bus.subscribe(t, r.handler);
      await settle(bus);
      bus.publish(t, event('ok'));
      expect(await arrived(r.events, 1)).toEqual(['ok']);
    });

    it('close stops delivery; publish and subscribe after close are harmless', async () => {
      const t = topic();
      const r = recorder();
      bus.subscribe(t, r.handler);
      await settle(bus);
      await bus.close();
      expect(() => bus.publish(t, event('late'))).not.toThrow();
      const late = recorder();
      expect(() => bus.subscribe(t, late.handler)()).not.toThrow();
      await sleep(Math.min(50, deliveryMs));
      expect(r.events).toEqual([]);
      expect(late.events).toEqual([]);
      await bus.close(); // twice is fine
    });

    const createPeer = options.createPeer;
    if (createPeer) {
      describe('across instances', () => {
        let peer: B;

        beforeEach(async () => {
          peer = await createPeer(bus);
          open.push(peer);
        });

        it("a subscriber on one instance receives the other's publish, in order", async () => {
          const t = topic();
          const onPeer = recorder();
          const onBus = recorder();
          peer.subscribe(t, onPeer.handler);
          bus.subscribe(t, onBus.handler);
          await Promise.all([settle(peer), settle(bus)]);
          const sent = Array.from({ length: 50 }, (_, i) => `n${i}`);
          for (const label of sent) bus.publish(t, event(label));
          expect(await arrived(onPeer.events, sent.length)).toEqual(sent);
          // The publishing instance's own subscriber gets each event exactly once.
          expect(await arrived(onBus.events, sent.length)).toEqual(sent);
          await sleep(Math.min(50, deliveryMs));
          expect(onBus.events).toHaveLength(sent.length);
          expect(onPeer.events).toHaveLength(sent.length);
        });

        it('delivers in both directions and only on the published topic', async () => {
          const t1 = topic();
          const t2 = topic();
          const peerT1 = recorder();
          const busT2 = recorder();
          peer.subscribe(t1, peerT1.handler);
          bus.subscribe(t2, busT2.handler);
          await Promise.all([settle(peer), settle(bus)]);
          bus.publish(t2, event('own-2'));
          bus.publish(t1, event('to-peer'));
          peer.publish(t2, event('to-bus'));
          expect(await arrived(peerT1.events, 1)).toEqual(['to-peer']);
          expect(await arrived(busT2.events, 2)).toEqual(['own-2', 'to-bus']);
          await sleep(Math.min(50, deliveryMs));
          expect(labels(peerT1.events)).toEqual(['to-peer']);
          expect(labels(busT2.events)).toEqual(['own-2', 'to-bus']);
        });

        it('unsubscribe and close on one instance stop delivery from the other', async () => {
          const t = topic();
          const gone = recorder();
          const closed = recorder();
          const unsubscribe = peer.subscribe(t, gone.handler);
          const third = await createPeer(bus);
          open.push(third);
          third.subscribe(t, closed.handler);
          await Promise.all([settle(peer), settle(third)]);
          bus.publish(t, event('one'));
          expect(await arrived(gone.events, 1)).toEqual(['one']);
          expect(await arrived(closed.events, 1)).toEqual(['one']);

          unsubscribe();
          await settle(peer);
          await third.close();
          bus.publish(t, event('two'));
          await sleep(Math.min(200, deliveryMs));
          expect(labels(gone.events)).toEqual(['one']);
          expect(labels(closed.events)).toEqual(['one']);
        });
      });
    }
  });
}
