import { randomUUID } from 'node:crypto';
import type { PresenceStatus } from '@unique-support/protocol';
import { Redis } from 'ioredis';
import type { BusLogger } from '../bus/redis-bus.ts';
import type { Presence, PresenceChange } from './presence.ts';

export interface RedisPresenceOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Prefix of every key. Default `us:`. */
  prefix?: string;
  nodeId?: string;
  /** How long a node's entries count after its last heartbeat. Default 15 s. */
  ttlMs?: number;
  /** How often the heartbeat is refreshed. Default 5 s. */
  heartbeatMs?: number;
  log?: BusLogger;
}

interface LocalAgent {
  workspaceId: string;
  sockets: number;
  /** Away as last seen by this node (its own connects and status changes); for `onlineHere`. */
  away: boolean;
}

/** Deletes the lock only if it still holds this token. */
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

const silentLog: BusLogger = { warn() {}, info() {}, error() {} };

/**
 * Presence shared by every node through Redis.
 *
 * - `${prefix}presence:<workspaceId>` hash: field `<agentId>:<nodeId>` → sockets that node holds.
 * - `${prefix}away:<workspaceId>` set: agents that chose `away` (cleared when they come back
 *   with no socket anywhere).
 * - `${prefix}node:<nodeId>` heartbeat with a TTL: fields of a node whose heartbeat expired
 *   (crashed) are ignored and deleted lazily, so its agents go offline within the TTL.
 *
 * Each node keeps its own sockets in memory and writes them through (in order, one chain);
 * the heartbeat re-asserts them, so a Redis restart loses nothing for long. While Redis is
 * unreachable, reads fall back to this node's own view. `onChange` fires on this node's
 * transitions, after the write, with the agent's cluster-wide status.
 */
export class RedisPresence implements Presence {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly log: BusLogger;
  private readonly redis: Redis;
  private readonly local = new Map<string, LocalAgent>();
  private readonly listeners: ((change: PresenceChange) => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(options: RedisPresenceOptions) {
    this.prefix = options.prefix ?? 'us:';
    this.nodeId = options.nodeId ?? randomUUID();
    this.ttlMs = options.ttlMs ?? 15_000;
    this.log = options.log ?? silentLog;
    this.redis = new Redis(options.url, {
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      connectionName: `${this.prefix}presence:${this.nodeId}`,
    });
    let down = false;
    this.redis.on('error', (err: Error) => {
      if (down || this.closed) return;
      down = true;
      this.log.warn({ err }, 'redis presence: connection error, local view only');
    });
    this.redis.on('ready', () => {
      down = false;
      this.enqueue(() => this.heartbeat());
    });
    this.timer = setInterval(() => this.enqueue(() => this.heartbeat()), options.heartbeatMs ?? 5_000);
    this.timer.unref();
  }

  connect(workspaceId: string, agentId: string): void {
    const entry = this.local.get(agentId);
    if (entry) {
      entry.sockets += 1;
      this.enqueue(() => this.write(workspaceId, agentId));
      return;
    }
    this.local.set(agentId, { workspaceId, sockets: 1, away: false });
    this.enqueue(async () => {
      try {
        await this.write(workspaceId, agentId);
        // Back with no socket anywhere else: a former `away` no longer holds.
        const total = (await this.liveCounts(workspaceId)).get(agentId) ?? 0;
        if (total <= (this.local.get(agentId)?.sockets ?? 0)) {
          await this.redis.srem(this.awayKey(workspaceId), agentId);
        }
      } catch (err) {
        this.log.warn({ err }, 'redis presence: write failed');
      }
      const status = await this.status(workspaceId, agentId);
      const entry = this.local.get(agentId);
      if (entry) entry.away = status === 'away';
      this.emit({ workspaceId, agentId, status });
    });
  }

  disconnect(workspaceId: string, agentId: string): void {
    const entry = this.local.get(agentId);
    if (!entry) return;
    entry.sockets -= 1;
    if (entry.sockets > 0) {
      this.enqueue(() => this.write(workspaceId, agentId));
      return;
    }
    this.local.delete(agentId);
    this.enqueue(async () => {
      try {
        await this.write(workspaceId, agentId);
      } catch (err) {
        this.log.warn({ err }, 'redis presence: write failed');
      }
      const status = await this.status(workspaceId, agentId);
      if (status !== 'offline') return;
      this.emit({ workspaceId, agentId, status });
      await this.redis.srem(this.awayKey(workspaceId), agentId);
    });
  }

  setStatus(workspaceId: string, agentId: string, status: 'online' | 'away'): void {
    if (!this.local.has(agentId)) return;
    this.enqueue(async () => {
      const key = this.awayKey(workspaceId);
      const changed =
        status === 'away' ? await this.redis.sadd(key, agentId) : await this.redis.srem(key, agentId);
      const entry = this.local.get(agentId);
      if (entry) entry.away = status === 'away';
      if (changed > 0) this.emit({ workspaceId, agentId, status });
    });
  }

  async status(workspaceId: string, agentId: string): Promise<PresenceStatus> {
    return (await this.statuses(workspaceId)).get(agentId) ?? 'offline';
  }

  async online(workspaceId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const [id, status] of await this.statuses(workspaceId)) if (status === 'online') ids.add(id);
    return ids;
  }

  onChange(listener: (change: PresenceChange) => void): void {
    this.listeners.push(listener);
  }

  /** This node's agents (their sockets here), less those this node saw choose `away`. */
  onlineHere(): number {
    let count = 0;
    for (const entry of this.local.values()) if (!entry.away) count++;
    return count;
  }

  /**
   * Runs `run` while holding the workspace's cluster-wide lock `${prefix}lock:<name>`
   * (SET NX PX, released by token; the TTL frees it if the holder dies). Waits for a busy
   * lock; while Redis is unreachable, runs without it (degraded: capacity is then only
   * guaranteed per node).
   */
  async exclusive(name: string, run: () => Promise<void>, ttlMs = 10_000): Promise<void> {
    const key = `${this.prefix}lock:${name}`;
    const token = randomUUID();
    let held = false;
    const deadline = Date.now() + ttlMs;
    try {
      while (!this.closed) {
        if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') {
          held = true;
          break;
        }
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    } catch (err) {
      this.log.warn({ err, name }, 'redis presence: lock unavailable, running without it');
    }
    try {
      await run();
    } finally {
      if (held) {
        await this.redis
          .eval(RELEASE, 1, key, token)
          .catch((err: unknown) => this.log.warn({ err, name }, 'redis presence: unlock failed'));
      }
    }
  }

  /** Removes this node's entries and heartbeat, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    const entries = [...this.local];
    this.local.clear();
    await this.chain;
    this.closed = true;
    try {
      if (this.redis.status === 'ready') {
        const multi = this.redis.multi();
        for (const [agentId, { workspaceId }] of entries) {
          multi.hdel(this.hashKey(workspaceId), this.field(agentId, this.nodeId));
        }
        multi.del(this.nodeKey(this.nodeId));
        await multi.exec();
        await this.redis.quit();
        return;
      }
    } catch {
      // fall through to a hard disconnect
    }
    this.redis.disconnect();
  }

  /** Cluster-wide status of every agent with a socket somewhere in the workspace. */
  private async statuses(workspaceId: string): Promise<Map<string, PresenceStatus>> {
    const result = new Map<string, PresenceStatus>();
    try {
      const [counts, away] = await Promise.all([
        this.liveCounts(workspaceId),
        this.redis.smembers(this.awayKey(workspaceId)),
      ]);
      const awaySet = new Set(away);
      for (const [id, count] of counts) {
        if (count > 0) result.set(id, awaySet.has(id) ? 'away' : 'online');
      }
    } catch (err) {
      this.log.warn({ err, workspaceId }, 'redis presence: read failed, local view only');
      for (const [id, entry] of this.local) {
        if (entry.workspaceId === workspaceId) result.set(id, 'online');
      }
    }
    return result;
  }

  /** Sockets per agent over live nodes (this node's own from memory); dead nodes' fields are deleted. */
  private async liveCounts(workspaceId: string): Promise<Map<string, number>> {
    const key = this.hashKey(workspaceId);
    const hash = await this.redis.hgetall(key);
    const parsed: { field: string; agentId: string; nodeId: string; count: number }[] = [];
    for (const [field, value] of Object.entries(hash)) {
      const at = field.lastIndexOf(':');
      if (at <= 0) continue;
      parsed.push({ field, agentId: field.slice(0, at), nodeId: field.slice(at + 1), count: Number(value) });
    }
    const others = [...new Set(parsed.map((p) => p.nodeId))].filter((id) => id !== this.nodeId);
    const beats = others.length > 0 ? await this.redis.mget(...others.map((id) => this.nodeKey(id))) : [];
    const live = new Set(others.filter((_, i) => beats[i] !== null));
    const counts = new Map<string, number>();
    const dead: string[] = [];
    for (const p of parsed) {
      if (p.nodeId === this.nodeId) continue;
      if (!live.has(p.nodeId)) {
        dead.push(p.field);
        continue;
      }
      if (p.count > 0) counts.set(p.agentId, (counts.get(p.agentId) ?? 0) + p.count);
    }
    for (const [id, entry] of this.local) {
      if (entry.workspaceId === workspaceId) counts.set(id, (counts.get(id) ?? 0) + entry.sockets);
    }
    if (dead.length > 0) {
      this.redis.hdel(key, ...dead).catch((err: unknown) => {
        this.log.warn({ err }, 'redis presence: cleanup failed');
      });
    }
    return counts;
  }

  /** Writes this node's socket count of the agent (deletes the field at 0). */
  private async write(workspaceId: string, agentId: string): Promise<void> {
    const key = this.hashKey(workspaceId);
    const field = this.field(agentId, this.nodeId);
    const sockets = this.local.get(agentId)?.sockets ?? 0;
    // The heartbeat goes with the entry: another node never sees an entry of a node it thinks dead.
    const multi = this.redis.multi().set(this.nodeKey(this.nodeId), Date.now().toString(), 'PX', this.ttlMs);
    if (sockets > 0) multi.hset(key, field, sockets);
    else multi.hdel(key, field);
    await multi.exec();
  }

  /** Refreshes the heartbeat and re-asserts this node's entries (a restarted Redis forgot them). */
  private async heartbeat(): Promise<void> {
    const multi = this.redis.multi();
    multi.set(this.nodeKey(this.nodeId), Date.now().toString(), 'PX', this.ttlMs);
    for (const [agentId, entry] of this.local) {
      multi.hset(this.hashKey(entry.workspaceId), this.field(agentId, this.nodeId), entry.sockets);
    }
    await multi.exec();
  }

  /** Runs Redis work in call order; a failure is logged and does not stop the chain. */
  private enqueue(work: () => Promise<void>): void {
    if (this.closed) return;
    this.chain = this.chain.then(work).catch((err: unknown) => {
      if (!this.closed) this.log.warn({ err }, 'redis presence: write failed');
    });
  }

  private emit(change: PresenceChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err }, 'redis presence: listener threw');
      }
    }
  }

  private hashKey(workspaceId: string): string {
    return `${this.prefix}presence:${workspaceId}`;
  }
  private awayKey(workspaceId: string): string {
    return `${this.prefix}away:${workspaceId}`;
  }
  private nodeKey(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }
  private field(agentId: string, nodeId: string): string {
    return `${agentId}:${nodeId}`;
  }
}
