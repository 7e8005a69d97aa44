import type { Redis } from 'ioredis';
import { type Bus, type ClusterEvent, topics } from '../../bus/bus.ts';
import type { BusLogger } from '../../bus/redis-bus.ts';
import type { AnswerCache, CacheHit, CacheScope } from './answer-cache.ts';

export interface SharedAnswerCacheOptions {
  /** This node's cache: every lookup starts here. */
  local: AnswerCache;
  redis: Redis;
  bus: Bus;
  log: BusLogger;
  /** Prefix of the Redis keys. @default `us:` */
  prefix?: string;
  /** Answers kept per workspace and knowledge version in Redis. @default 10000 */
  maxEntries?: number;
  /** A scope's answers expire this long after the last one was added. @default 24 h */
  ttlMs?: number;
  /** Longest wait for Redis on a local miss; slower is a miss. @default 50 */
  timeoutMs?: number;
}

/** Adds the answer unless the scope is full (a known question is always updated); refreshes the TTL. */
const PUT = `
if redis.call('hexists', KEYS[1], ARGV[1]) == 1 or redis.call('hlen', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('pexpire', KEYS[1], ARGV[4])
return 1`;

/**
 * The answer cache of a cluster: an answer the model gave on one node saves the call on every
 * node, also on nodes started later.
 *
 * - `set` stores in this node's cache, in a Redis hash per (workspace, knowledge version) under
 *   the question's exact key, and announces it on the bus so every node adds it to its own cache
 *   (whose semantic layer then serves paraphrases there too).
 * - `get` asks this node's cache (exact, then semantic); on a miss, the Redis hash for the exact
 *   key, within `timeoutMs`. A Redis hit is added to this node's cache.
 * - The knowledge version is a fingerprint of the articles (the same on every node), so a node
 *   never serves an answer written against other knowledge. A Redis that is down or slow costs
 *   hits, never answers.
 */
export class SharedAnswerCache {
  private readonly local: AnswerCache;
  private readonly redis: Redis;
  private readonly bus: Bus;
  private readonly log: BusLogger;
  private readonly prefix: string;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly unsubscribe: () => void;
  sharedHits = 0;

  constructor(options: SharedAnswerCacheOptions) {
    this.local = options.local;
    this.redis = options.redis;
    this.bus = options.bus;
    this.log = options.log;
    this.prefix = options.prefix ?? 'us:';
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 24 * 3600_000;
    this.timeoutMs = options.timeoutMs ?? 50;
    this.unsubscribe = this.bus.subscribe(topics.cluster, (event) => this.learn(event as ClusterEvent));
  }

  async get(scope: CacheScope, question: string, signal?: AbortSignal): Promise<CacheHit | null> {
    const hit = await this.local.get(scope, question, signal);
    if (hit) return hit;
    const key = this.local.keyOf(question);
    if (key === null || this.redis.status !== 'ready') return null;
    const stored = await this.fetch(scope, key);
    signal?.throwIfAborted();
    if (stored === null) return null;
    this.local.set(scope, question, stored);
    this.sharedHits++;
    return { answer: stored, kind: 'exact', score: 1 };
  }

  async set(scope: CacheScope, question: string, answer: string): Promise<void> {
    this.local.set(scope, question, answer);
    const key = this.local.keyOf(question);
    if (key === null) return;
    const event: ClusterEvent = {
      type: 'cluster.answer.cached',
      workspaceId: scope.workspaceId,
      knowledgeVersion: String(scope.knowledgeVersion),
      question,
      answer,
    };
    this.bus.publish(topics.cluster, event);
    if (this.redis.status !== 'ready') return;
    await this.redis
      .eval(PUT, 1, this.hashKey(scope), key, answer, this.maxEntries, this.ttlMs)
      .catch((err: unknown) => this.log.warn({ err }, 'answer cache: Redis write failed'));
  }

  close(): void {
    this.unsubscribe();
  }

  /** A node's new answer (this node's own comes back too: setting it again changes nothing). */
  private learn(event: ClusterEvent): void {
    if (event.type !== 'cluster.answer.cached') return;
    const scope = { workspaceId: event.workspaceId, knowledgeVersion: event.knowledgeVersion };
    this.local.set(scope, event.question, event.answer);
  }

  private async fetch(scope: CacheScope, key: string): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.timeoutMs);
    });
    try {
      return await Promise.race([this.redis.hget(this.hashKey(scope), key), timeout]);
    } catch (err) {
      this.log.warn({ err }, 'answer cache: Redis read failed');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private hashKey(scope: CacheScope): string {
    return `${this.prefix}answers:${JSON.stringify([scope.workspaceId, String(scope.knowledgeVersion)])}`;
  }
}
