import type { Redis } from 'ioredis';
import type { BusLogger } from '../bus/redis-bus.ts';
import { type Limiter, type Rate, RateLimiter } from './rate-limiter.ts';

/**
 * A sliding-window log per key in a Redis sorted set, so one limit holds across every node.
 * Time is Redis's own (`TIME`), so nodes with skewed clocks count alike.
 */
const TAKE = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('zadd', KEYS[1], now, t[1] .. t[2] .. ARGV[3])
redis.call('pexpire', KEYS[1], window)
return 1`;

/**
 * The limit shared by all nodes through Redis. While Redis is unreachable each node limits on
 * its own (the in-memory limiter), so a Redis outage neither blocks visitors nor lifts the limit.
 */
export class RedisRateLimiter implements Limiter {
  private readonly fallback: RateLimiter;
  private counter = 0;

  constructor(
    private readonly redis: Redis,
    private readonly rate: Rate,
    /** Key prefix, e.g. `us:rate:visitor:`. */
    private readonly prefix: string,
    private readonly log: BusLogger,
  ) {
    this.fallback = new RateLimiter(rate);
  }

  async take(key: string): Promise<boolean> {
    if (this.redis.status !== 'ready') return this.fallback.take(key);
    try {
      const allowed = await this.redis.eval(
        TAKE,
        1,
        this.prefix + key,
        this.rate.windowMs,
        this.rate.max,
        `:${process.pid}:${++this.counter}`,
      );
      return allowed === 1;
    } catch (err) {
      this.log.warn({ err }, 'rate limit: Redis failed, limiting on this node');
      return this.fallback.take(key);
    }
  }
}
