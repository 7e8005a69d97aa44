import type pg from 'pg';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append-only: never edit a migration that has shipped, add the next version.
 * The same schema as `sqlite-migrations.ts` in PostgreSQL's dialect: timestamps are
 * `bigint` milliseconds, JSON columns are `jsonb`, booleans are `boolean`. `ord` (an identity)
 * stands in for SQLite's rowid where the store orders by insertion to break ties.
 */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        ord BIGINT GENERATED ALWAYS AS IDENTITY,
        name TEXT NOT NULL,
        widget_key TEXT NOT NULL UNIQUE,
        bot_enabled BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX workspaces_first ON workspaces (created_at, ord);

      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        ord BIGINT GENERATED ALWAYS AS IDENTITY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        max_concurrent INTEGER NOT NULL,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX agents_workspace ON agents (workspace_id, created_at, ord);

      CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT,
        email TEXT,
        attributes JSONB NOT NULL,
        page_url TEXT,
        ip TEXT,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
      );

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        ord BIGINT GENERATED ALWAYS AS IDENTITY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        visitor_id TEXT NOT NULL REFERENCES visitors (id),
        status TEXT NOT NULL CHECK (status IN ('bot', 'queued', 'assigned', 'resolved')),
        assignee_id TEXT REFERENCES agents (id),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        queued_at BIGINT,
        first_response_at BIGINT,
        resolved_at BIGINT,
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq INTEGER NOT NULL DEFAULT 0,
        rating JSONB
      );
      CREATE INDEX conversations_recent ON conversations (workspace_id, updated_at, id);
      CREATE INDEX conversations_status ON conversations (workspace_id, status, updated_at, id);
      CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_id, updated_at);
      CREATE INDEX conversations_visitor ON conversations (visitor_id, updated_at);
      CREATE INDEX conversations_queued ON conversations (queued_at, ord) WHERE status = 'queued';

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL,
        author_type TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT,
        text TEXT NOT NULL,
        client_message_id TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);
      CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_message_id)
        WHERE client_message_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'articles and interrupted messages',
    sql: `
      CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        tags JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX articles_recent ON articles (workspace_id, updated_at);

      ALTER TABLE messages ADD COLUMN interrupted BOOLEAN NOT NULL DEFAULT false;
    `,
  },
  {
    version: 3,
    name: 'attachments, notes, labels, canned replies, webhooks, widget settings, verified users',
    sql: `
      -- Widget settings; '{}' reads as the defaults.
      ALTER TABLE workspaces ADD COLUMN widget JSONB NOT NULL DEFAULT '{}';

      ALTER TABLE visitors ADD COLUMN user_id TEXT;
      CREATE UNIQUE INDEX visitors_user ON visitors (workspace_id, user_id) WHERE user_id IS NOT NULL;

      ALTER TABLE conversations ADD COLUMN labels JSONB NOT NULL DEFAULT '[]';

      -- A JSON array of attachments (id, name, contentType, size, url), NULL when none.
      ALTER TABLE messages ADD COLUMN attachments JSONB;
      ALTER TABLE messages ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT false;

      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        uploader_type TEXT NOT NULL CHECK (uploader_type IN ('agent', 'visitor')),
        uploader_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        url TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE canned_replies (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX canned_replies_shortcut ON canned_replies (workspace_id, shortcut);

      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        ord BIGINT GENERATED ALWAYS AS IDENTITY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        url TEXT NOT NULL,
        events JSONB NOT NULL,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX webhooks_workspace ON webhooks (workspace_id, created_at, ord);
    `,
  },
  {
    version: 4,
    name: 'index of assigned conversations (the stranded-conversation sweep)',
    sql: `
      CREATE INDEX conversations_assigned ON conversations (workspace_id, assignee_id) WHERE status = 'assigned';
    `,
  },
  {
    version: 5,
    name: 'message timings, bot turns (the conversation timeline and the reports)',
    sql: `
      -- When the server received a message, and when it first reached someone other than its
      -- author; NULL: unknown (stored before timings were kept) or not delivered yet.
      ALTER TABLE messages ADD COLUMN received_at BIGINT;
      ALTER TABLE messages ADD COLUMN delivered_at BIGINT;

      -- What one bot turn did. provider and cost_usd (0 without a model call) repeat the model
      -- call's for the reports; details is { articles, model, failedProviders }.
      CREATE TABLE bot_turns (
        id TEXT PRIMARY KEY,
        ord BIGINT GENERATED ALWAYS AS IDENTITY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        question_seq INTEGER NOT NULL,
        answer_seq INTEGER,
        outcome TEXT NOT NULL,
        cache TEXT,
        handed_off BOOLEAN NOT NULL,
        provider TEXT,
        cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
        started_at BIGINT NOT NULL,
        duration_ms INTEGER NOT NULL,
        details JSONB NOT NULL
      );
      CREATE INDEX bot_turns_conversation ON bot_turns (conversation_id, question_seq, started_at, ord);
      CREATE INDEX bot_turns_started ON bot_turns (workspace_id, started_at, ord);

      CREATE INDEX conversations_created ON conversations (workspace_id, created_at, ord);
    `,
  },
  {
    version: 6,
    name: 'recency out of the assignee and visitor indexes (a message updates two indexes, not four)',
    sql: `
      -- Every message moves its conversation's updated_at, and so its entry in every index
      -- holding it. An agent's and a visitor's conversations are few enough to sort when
      -- listed; the workspace-wide and per-status lists keep their ordered indexes.
      DROP INDEX conversations_assignee;
      CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_id);
      DROP INDEX conversations_visitor;
      CREATE INDEX conversations_visitor ON conversations (visitor_id);
    `,
  },
  {
    version: 7,
    name: 'one recency index: the workspace-wide list merges the per-status lists',
    sql: `
      -- A message moved its conversation's entry in both recency indexes. The workspace-wide
      -- list now takes each status's newest from conversations_status and merges them.
      DROP INDEX conversations_recent;
    `,
  },
];

/** The advisory lock every migrating process takes (an arbitrary constant, per database). */
export const MIGRATION_LOCK_KEY = 7_215_402_913;

async function inLockedTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    // Held until COMMIT/ROLLBACK: a second process starting together waits here, then re-checks.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Applies the pending migrations in order, each in its own transaction under an advisory
 * lock (re-checking inside it, so concurrent processes apply each one once).
 * Returns the versions applied by this call.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly Migration[] = postgresMigrations,
): Promise<number[]> {
  let previous = 0;
  for (const { version } of migrations) {
    if (!Number.isInteger(version) || version <= previous) {
      throw new Error(`migration versions must increase: ${version} after ${previous}`);
    }
    previous = version;
  }

  const client = await pool.connect();
  try {
    await inLockedTransaction(client, async () => {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`);
      const { rows } = await client.query<{ latest: number | null }>(
        'SELECT MAX(version) AS latest FROM schema_migrations',
      );
      const latest = rows[0]?.latest ?? null;
      if (latest !== null && latest > previous) {
        throw new Error(`database schema version ${latest} is newer than this build (${previous})`);
      }
    });

    const applied: number[] = [];
    for (const migration of migrations) {
      const didApply = await inLockedTransaction(client, async () => {
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          migration.version,
        ]);
        if (done.rowCount) return false;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        return true;
      });
      if (didApply) applied.push(migration.version);
    }
    return applied;
  } finally {
    client.release();
  }
}
