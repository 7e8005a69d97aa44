import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append-only: never edit a migration that has shipped, add the next version.
 * Timestamps are integer milliseconds; JSON columns are text.
 */
export const sqliteMigrations: readonly Migration[] = [
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
        name TEXT NOT NULL,
        widget_key TEXT NOT NULL UNIQUE,
        bot_enabled INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        max_concurrent INTEGER NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX agents_workspace ON agents (workspace_id, created_at);

      CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT,
        email TEXT,
        attributes TEXT NOT NULL,
        page_url TEXT,
        ip TEXT,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      );

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        visitor_id TEXT NOT NULL REFERENCES visitors (id),
        status TEXT NOT NULL CHECK (status IN ('bot', 'queued', 'assigned', 'resolved')),
        assignee_id TEXT REFERENCES agents (id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        queued_at INTEGER,
        first_response_at INTEGER,
        resolved_at INTEGER,
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq INTEGER NOT NULL DEFAULT 0,
        rating TEXT
      );
      CREATE INDEX conversations_recent ON conversations (workspace_id, updated_at, id);
      CREATE INDEX conversations_status ON conversations (workspace_id, status, updated_at, id);
      CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_id, updated_at);
      CREATE INDEX conversations_visitor ON conversations (visitor_id, updated_at);
      CREATE INDEX conversations_queued ON conversations (queued_at) WHERE status = 'queued';

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL,
        author_type TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT,
        text TEXT NOT NULL,
        client_message_id TEXT,
        created_at INTEGER NOT NULL
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
        tags TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX articles_recent ON articles (workspace_id, updated_at);

      ALTER TABLE messages ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 3,
    name: 'attachments, notes, labels, canned replies, webhooks, widget settings, verified users',
    sql: `
      -- Widget settings as JSON; '{}' reads as the defaults.
      ALTER TABLE workspaces ADD COLUMN widget TEXT NOT NULL DEFAULT '{}';

      ALTER TABLE visitors ADD COLUMN user_id TEXT;
      CREATE UNIQUE INDEX visitors_user ON visitors (workspace_id, user_id) WHERE user_id IS NOT NULL;

      ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';

      -- A JSON array of attachments (id, name, contentType, size, url), NULL when none.
      ALTER TABLE messages ADD COLUMN attachments TEXT;
      ALTER TABLE messages ADD COLUMN is_private INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        uploader_type TEXT NOT NULL CHECK (uploader_type IN ('agent', 'visitor')),
        uploader_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        url TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE canned_replies (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX canned_replies_shortcut ON canned_replies (workspace_id, shortcut);

      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX webhooks_workspace ON webhooks (workspace_id, created_at);
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
      ALTER TABLE messages ADD COLUMN received_at INTEGER;
      ALTER TABLE messages ADD COLUMN delivered_at INTEGER;

      -- What one bot turn did. provider and cost_usd (0 without a model call) repeat the model
      -- call's for the reports; details is JSON: { articles, model, failedProviders }.
      CREATE TABLE bot_turns (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        question_seq INTEGER NOT NULL,
        answer_seq INTEGER,
        outcome TEXT NOT NULL,
        cache TEXT,
        handed_off INTEGER NOT NULL,
        provider TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX bot_turns_conversation ON bot_turns (conversation_id, question_seq, started_at);
      CREATE INDEX bot_turns_started ON bot_turns (workspace_id, started_at);

      CREATE INDEX conversations_created ON conversations (workspace_id, created_at);
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

/**
 * Applies the pending migrations in order, each in its own IMMEDIATE transaction
 * (a concurrent process cannot apply the same one twice). Returns the versions applied.
 */
export function migrateSqlite(
  db: Database.Database,
  migrations: readonly Migration[] = sqliteMigrations,
): number[] {
  let previous = 0;
  for (const { version } of migrations) {
    if (!Number.isInteger(version) || version <= previous) {
      throw new Error(`migration versions must increase: ${version} after ${previous}`);
    }
    previous = version;
  }

  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const latestApplied = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as
    | number
    | null;
  if (latestApplied !== null && latestApplied > previous) {
    throw new Error(`database schema version ${latestApplied} is newer than this build (${previous})`);
  }

  const isApplied = db.prepare<[number]>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version)) return false;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      return true;
    });
    if (apply.immediate()) applied.push(migration.version);
  }
  return applied;
}
