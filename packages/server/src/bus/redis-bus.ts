import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { activeTraceparent, contextOf, inSpanSync, SpanKind } from '../observability/tracing.ts';
import type { Bus, BusEvent } from './bus.ts';
import { closeRedis } from './redis-client.ts';

/** The part of a pino logger the bus uses. */
export interface BusLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RedisBusOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Prefix of every Redis channel: topic `conv:1` is channel `${prefix}conv:1`. Default `us:`. */
  prefix?: string;
  /** Identifies this node in envelopes; a fresh UUID when omitted. */
  nodeId?: string;
  log?: BusLogger;
}

/** What travels on a channel: the publishing node, its clock at publish (ms) and the frame, serialised once. */
interface Envelope {
  n: string;
  /** Absent from nodes older than this field (a rolling upgrade). */
  t?: number;
  /** The W3C `traceparent` of the publishing work, when tracing is on. */
  tp?: string;
  e: BusEvent;
}

type Handler = (event: BusEvent) => void;

const silentLog: BusLogger = { warn() {}, info() {}, error() {} };

/**
 * Bus across nodes over Redis pub/sub. Topic `t` is channel `${prefix}t`.
 *
 * - Two connections: one publishes, one subscribes. The subscriber SUBSCRIBEs to a channel
 *   when the first local handler of its topic appears and UNSUBSCRIBEs when the last goes.
 * - Local delivery is at once: `publish` calls this node's handlers synchronously (as the
 *   MemoryBus does) and sends the envelope `{n: nodeId, t: Date.now(), e: event}` to Redis; this
 *   node skips its own echo by `n`; `t` measures the lag of the others (`onLag`). Single-node latency does not depend on Redis, and a node keeps
 *   serving its own sockets while Redis is down.
 * - Messages from other nodes reach handlers synchronously, in the order the subscriber
 *   connection receives them (per topic, the order of one publisher).
 * - At-most-once. Neither connection queues commands while Redis is unreachable
 *   (`enableOfflineQueue: false`): a publish then fails at once and is dropped with a log,
 *   never thrown at the caller. Consumers fill gaps from the Store by `seq`.
 * - Redis restarts: ioredis reconnects; on every `ready` of the subscriber connection this bus
 *   SUBSCRIBEs all topics that have local handlers (its handler map is the source of truth,
 *   so subscriptions made while Redis was down are not lost), then calls the `onReconnect`
 *   listeners: events published meanwhile are lost, and consumers catch up from the Store.
 * - A throwing handler is logged and does not stop the other handlers.
 */
export class RedisBus implements Bus {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly log: BusLogger;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectListeners = new Set<() => void>();
  private lagListener: ((seconds: number) => void) | null = null;
  /** The subscriber has been ready once: every later `ready` follows a loss of the connection. */
  private connectedBefore = false;
  private closed = false;
  /** Publishes dropped since Redis went away; logged once when it goes, the count when it is back. */
  private dropped = 0;

  constructor(options: RedisBusOptions) {
    this.prefix = options.prefix ?? 'us:';
    this.nodeId = options.nodeId ?? randomUUID();
    this.log = options.log ?? silentLog;
    const common = {
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
    };
    this.pub = new Redis(options.url, { ...common, connectionName: `${this.prefix}pub:${this.nodeId}` });
    this.sub = new Redis(options.url, { ...common, connectionName: `${this.prefix}sub:${this.nodeId}` });

    for (const [role, conn] of [
      ['pub', this.pub],
      ['sub', this.sub],
    ] as const) {
      let down = false;
      conn.on('error', (err: Error) => {
        if (down || this.closed) return;
        down = true;
        this.log.warn({ err, role }, 'redis bus: connection error, degraded');
      });
      conn.on('ready', () => {
        if (down) this.log.info({ role, dropped: this.dropped }, 'redis bus: connection back');
        down = false;
        if (role === 'pub') this.dropped = 0;
      });
    }

    this.sub.on('ready', () => {
      const reconnected = this.connectedBefore;
      this.connectedBefore = true;
      void this.resubscribeAll().then(() => {
        if (reconnected && !this.closed) this.notifyReconnect();
      });
    });
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /** True while both connections are up; `/readyz` reports degraded otherwise. */
  get ready(): boolean {
    return !this.closed && this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  /**
   * PINGs both connections; rejects when either is down (fails fast, nothing is queued).
   * Commands on a connection run in order, so once it resolves every SUBSCRIBE/UNSUBSCRIBE
   * issued before it is in effect.
   */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('redis bus closed');
    await Promise.all([this.pub.ping(), this.sub.ping()]);
  }

  publish(topic: string, event: BusEvent): void {
    if (this.closed) return;
    let payload: string | null = null;
    try {
      const traceparent = activeTraceparent();
      payload = JSON.stringify({
        n: this.nodeId,
        t: Date.now(),
        ...(traceparent && { tp: traceparent }),
        e: event,
      } satisfies Envelope);
    } catch (err) {
      this.log.error({ err, topic }, 'redis bus: event not serialisable, not sent to other nodes');
    }
    if (payload !== null) {
      if (this.pub.status === 'ready') {
        this.pub.publish(this.prefix + topic, payload).catch((err: unknown) => this.drop(topic, err));
      } else {
        this.drop(topic, new Error(`redis publisher ${this.pub.status}`));
      }
    }
    this.deliver(topic, event);
  }

  subscribe(topic: string, handler: Handler): () => void {
    if (this.closed) return () => {};
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.command('subscribe', topic);
    }
    set.add(handler);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.handlers.get(topic);
      if (!current?.delete(handler)) return;
      if (current.size === 0) {
        this.handlers.delete(topic);
        if (!this.closed) this.command('unsubscribe', topic);
      }
    };
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => {
      this.reconnectListeners.delete(listener);
    };
  }

  /**
   * `listener(seconds)` for each event received from another node: how long after its publish
   * (receipt here minus the publisher's `Date.now()`, so two nodes' clocks: skew between them
   * adds to it or takes from it, and can make it negative). Replaces the previous listener.
   */
  onLag(listener: ((seconds: number) => void) | null): void {
    this.lagListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.reconnectListeners.clear();
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  private command(kind: 'subscribe' | 'unsubscribe', topic: string): void {
    // While the subscriber is down nothing is sent: on `ready` the connection is new and
    // `resubscribeAll` subscribes exactly the topics that have handlers then.
    if (this.sub.status !== 'ready') return;
    this.sub[kind](this.prefix + topic).catch((err: unknown) => {
      this.log.warn({ err, topic }, `redis bus: ${kind} failed`);
    });
  }

  /** Resolves once the topics are subscribed again (or the attempt failed, logged). */
  private async resubscribeAll(): Promise<void> {
    if (this.closed || this.handlers.size === 0) return;
    const channels = [...this.handlers.keys()].map((topic) => this.prefix + topic);
    await this.sub.subscribe(...channels).catch((err: unknown) => {
      this.log.warn({ err, count: channels.length }, 'redis bus: resubscribe failed');
    });
  }

  private notifyReconnect(): void {
    this.log.info({ listeners: this.reconnectListeners.size }, 'redis bus: resubscribed, catching up');
    for (const listener of [...this.reconnectListeners]) {
      try {
        listener();
      } catch (err) {
        this.log.error({ err }, 'redis bus: reconnect listener threw');
      }
    }
  }

  private onMessage(channel: string, message: string): void {
    if (this.closed || !channel.startsWith(this.prefix)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch (err) {
      this.log.warn({ err, channel }, 'redis bus: malformed message dropped');
      return;
    }
    if (envelope.n === this.nodeId) return;
    if (this.lagListener && typeof envelope.t === 'number')
      this.lagListener((Date.now() - envelope.t) / 1000);
    const topic = channel.slice(this.prefix.length);
    if (envelope.tp === undefined) {
      this.deliver(topic, envelope.e);
      return;
    }
    // The delivery belongs to the trace of the work that published it, on another node.
    inSpanSync(
      'bus.deliver',
      {
        kind: SpanKind.CONSUMER,
        parent: contextOf(envelope.tp),
        attributes: {
          'messaging.destination.name': topic,
          'us.node': this.nodeId,
          'us.event': envelope.e.type,
        },
      },
      () => this.deliver(topic, envelope.e),
    );
  }

  private deliver(topic: string, event: BusEvent): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const handler of [...set]) {
      // A handler removed by an earlier one in this round is not called.
      if (!set.has(handler)) continue;
      try {
        handler(event);
      } catch (err) {
        this.log.error({ err, topic }, 'redis bus: handler threw');
      }
    }
  }

  private drop(topic: string, err: unknown): void {
    if (this.closed) return;
    this.dropped++;
    if (this.dropped === 1) this.log.warn({ err, topic }, 'redis bus: publish dropped, Redis unavailable');
  }
}

export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
