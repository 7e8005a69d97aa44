import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseRate, type Rate } from '../core/rate-limiter.ts';

/** Everything the server reads from its environment, parsed once at start. */
export interface Config {
  /** `REDIS_URL` (or `REDIS_ADDR` as `host:port`): events between nodes go through Redis; null: one node. */
  redisUrl: string | null;
  /**
   * Processes serving one port (node:cluster): 1 runs the server in this process; more need
   * PostgreSQL and Redis, which the workers share like separate nodes. @default 1
   */
  workers: number;
  /** Prefix of every Redis key and channel, so deployments can share one Redis. @default `us:` */
  redisPrefix: string;
  /** @default 8080 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
  /** `postgres://...` selects PostgreSQL; `sqlite:PATH` or unset selects SQLite. */
  database:
    | { kind: 'sqlite'; path: string; synchronous: 'NORMAL' | 'FULL' }
    | { kind: 'postgres'; url: string };
  /** A fresh database's demo workspace gets sample help-center articles. @default true */
  demoContent: boolean;
  /** `true` lets anyone create a workspace through `POST /api/v1/signup`. @default true */
  signupEnabled: boolean;
  adminEmail: string;
  /** null: a random password is generated and printed once. */
  adminPassword: string | null;
  /** null: a signing key is generated once and kept in the database. */
  jwtSecret: string | null;
  /** Longest message text in characters. @default 4000 */
  maxTextLength: number;
  /** Server-side WebSocket ping interval; a socket silent for two intervals is dropped. @default 30000 */
  heartbeatMs: number;
  /** Bytes a socket may have waiting to be sent before it is closed with 1013. @default 1 MiB */
  maxBufferedBytes: number;
  /**
   * An agent offline everywhere this long has their assigned conversations requeued and routed to
   * agents online; null (`off`): conversations stay with their agent. @default 60000
   */
  agentReassignAfterMs: number | null;
  /** With Redis: how long a node's agents count as connected after its last presence heartbeat. @default 15000 */
  presenceTtlMs: number;
  /** Login attempts per IP per minute. @default 10 */
  loginRateLimit: number;
  /** Messages a visitor may send (REST and WebSocket together); null: unlimited. @default 200 per 10 s */
  visitorMessageRate: Rate | null;
  /** Where uploaded files go; null: `uploads/` beside the SQLite file (a temporary directory for `:memory:`). */
  uploadsDir: string | null;
  /** Largest upload in bytes. @default 10 MiB */
  maxUploadBytes: number;
  /** A webhook delivery attempt gives up after this long. @default 5000 */
  webhookTimeoutMs: number;
  /** First retry delay of a failed webhook delivery; each next one is 4 times longer (3 retries). @default 1000 */
  webhookRetryBaseMs: number;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Config = {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    database: parseDatabase(env),
    redisUrl: parseRedis(env),
    redisPrefix: parseRedisPrefix(env),
    signupEnabled: bool(env, 'SIGNUP_ENABLED', true),
    demoContent: bool(env, 'DEMO_CONTENT', true),
    adminEmail: env.ADMIN_EMAIL || 'admin@example.com',
    adminPassword: env.ADMIN_PASSWORD || null,
    jwtSecret: env.JWT_SECRET || null,
    maxTextLength: int(env, 'MAX_TEXT_LENGTH', 4000, 1, 1_000_000),
    heartbeatMs: int(env, 'WS_HEARTBEAT_MS', 30_000, 100, 3_600_000),
    maxBufferedBytes: int(env, 'WS_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    agentReassignAfterMs:
      env.AGENT_REASSIGN_AFTER_MS?.toLowerCase() === 'off'
        ? null
        : int(env, 'AGENT_REASSIGN_AFTER_MS', 60_000, 100, 86_400_000),
    presenceTtlMs: int(env, 'PRESENCE_TTL_MS', 15_000, 300, 3_600_000),
    loginRateLimit: int(env, 'LOGIN_RATE_LIMIT', 10, 1, 1_000_000),
    visitorMessageRate: rate(env, 'VISITOR_MESSAGE_RATE', '200/10s'),
    uploadsDir: env.UPLOADS_DIR || null,
    maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 5000, 1, 600_000),
    webhookRetryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 0, 3_600_000),
    logLevel: env.LOG_LEVEL || 'info',
    workers: parseWorkers(env),
  };
  if (config.workers > 1 && (config.database.kind !== 'postgres' || !config.redisUrl)) {
    throw new ConfigError(
      'CLUSTER_WORKERS > 1 needs DATABASE_URL=postgres://... and REDIS_URL: the workers share them as separate nodes do',
    );
  }
  return config;
}

function parseWorkers(env: NodeJS.ProcessEnv): number {
  if (env.CLUSTER_WORKERS?.toLowerCase() === 'auto') return availableParallelism();
  return int(env, 'CLUSTER_WORKERS', 1, 1, 256);
}

function parseDatabase(env: NodeJS.ProcessEnv): Config['database'] {
  const url = env.DATABASE_URL || 'sqlite:./data/unique-support.db';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (!url.startsWith('sqlite:'))
    throw new ConfigError(`DATABASE_URL must start with sqlite: or postgres://`);
  const path = url.slice('sqlite:'.length);
  if (!path) throw new ConfigError('DATABASE_URL sqlite: needs a path');
  const synchronous = (env.SQLITE_SYNCHRONOUS || 'NORMAL').toUpperCase();
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new ConfigError('SQLITE_SYNCHRONOUS must be NORMAL or FULL');
  }
  return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path), synchronous };
}

function parseRedis(env: NodeJS.ProcessEnv): string | null {
  const url = env.REDIS_URL || (env.REDIS_ADDR ? `redis://${env.REDIS_ADDR}` : '');
  if (!url) return null;
  if (!/^rediss?:\/\/[^/\s]+/.test(url))
    throw new ConfigError(`REDIS_URL must look like redis://host:6379, got "${url}"`);
  return url;
}

function parseRedisPrefix(env: NodeJS.ProcessEnv): string {
  const prefix = env.REDIS_PREFIX ?? 'us:';
  if (!/^[\w:.-]{1,64}$/.test(prefix)) {
    throw new ConfigError(`REDIS_PREFIX must be 1 to 64 letters, digits or _ : . -, got "${prefix}"`);
  }
  return prefix;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function rate(env: NodeJS.ProcessEnv, name: string, fallback: string): Rate | null {
  try {
    return parseRate(env[name] || fallback);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}
