import { Redis } from 'ioredis';
import type { BusLogger } from './redis-bus.ts';

/**
 * A Redis command connection for state shared by nodes (answer cache, rate limits) that fails
 * fast: nothing is queued while Redis is unreachable (a command rejects at once and the caller
 * falls back to this node's own view), and ioredis reconnects in the background. Logged once
 * when it goes, once when it is back.
 */
export function createRedisClient(url: string, name: string, log: BusLogger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
    connectionName: name,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err, connection: name }, 'redis: connection error, falling back to this node');
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: name }, 'redis: connection back');
    down = false;
  });
  return redis;
}

/** Quits politely when connected, else drops the connection. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}
