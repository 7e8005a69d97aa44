import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL (and Redis) for the tests that need them: each test gets a schema of its own in
 * one shared database, selected through the connection string, and drops it afterwards.
 * In CI (CI=true) PostgreSQL must be there: a missing one fails the run instead of skipping.
 */

/** `TEST_DATABASE_URL`, else the local test database. */
export const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
/** `TEST_REDIS_URL`, else the local Redis. */
export const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true';

/** Why PostgreSQL does not answer at `PG_URL`, or null when it does. */
export async function postgresUnreachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether PostgreSQL answers at `PG_URL`. In CI an unreachable PostgreSQL throws (the test
 * file fails); elsewhere it returns false and says why, so the caller skips its tests.
 */
export async function postgresAvailable(): Promise<boolean> {
  const reason = await postgresUnreachable();
  if (reason === null) return true;
  if (IN_CI) throw new Error(`PostgreSQL is required in CI: ${PG_URL} is unreachable: ${reason}`);
  console.warn(`PostgreSQL at ${PG_URL} is unreachable (${reason}): its tests are skipped`);
  return false;
}

/** `url` with `search_path` set to `schema` (any query the url already has is kept). */
export function urlForSchema(schema: string, url = PG_URL): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

export interface TestSchema {
  /** `<prefix>_<32 hex digits>`: a valid unquoted identifier too. */
  name: string;
  /** `PG_URL` selecting this schema: a `DATABASE_URL` for a server or a store. */
  url: string;
  /** Drops the schema and everything in it. Idempotent. */
  drop(): Promise<void>;
}

async function run(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates a fresh, empty schema named after `prefix` (lower-case letters, digits and `_`). */
export async function createSchema(prefix: string): Promise<TestSchema> {
  if (!/^[a-z][a-z0-9_]{0,29}$/.test(prefix)) throw new Error(`bad schema prefix "${prefix}"`);
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  await run(`CREATE SCHEMA "${name}"`);
  let dropped: Promise<void> | null = null;
  return {
    name,
    url: urlForSchema(name),
    drop() {
      dropped ??= run(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch((err: unknown) => {
        dropped = null;
        throw err;
      });
      return dropped;
    },
  };
}

/** Whether Redis answers PING at `url` (one quick attempt, no retries). */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
