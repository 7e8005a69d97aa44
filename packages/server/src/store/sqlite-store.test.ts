import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_WIDGET_SETTINGS } from '@unique-support/protocol';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/harness.ts';
import { migrateSqlite, sqliteMigrations } from './sqlite-migrations.ts';
import { SqliteStore } from './sqlite-store.ts';
import { expectTimingsAfterUpgrade, seedConversation, storeContract } from './store-contract.ts';

storeContract('SqliteStore (:memory:)', () => new SqliteStore({ path: ':memory:' }));

const latest = sqliteMigrations.at(-1)!.version;

describe('SqliteStore on a file', () => {
  let dir: string;
  const open: SqliteStore[] = [];

  const openStore = async (file: string, synchronous?: 'NORMAL' | 'FULL') => {
    const store = new SqliteStore({ path: file, synchronous });
    await store.init();
    open.push(store);
    return store;
  };

  const migrationRows = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'us-sqlite-'));
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the parent directory, keeps data across reopen and does not reapply migrations', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'support.db');
    const first = await openStore(file);
    const ws = await first.createWorkspace({ name: 'Acme', widgetKey: 'wk_1', botEnabled: true });
    const visitor = await first.createVisitor({
      workspaceId: ws.id,
      name: null,
      email: null,
      attributes: { plan: 'pro' },
      pageUrl: null,
      ip: null,
    });
    const c = await first.createConversation({
      workspaceId: ws.id,
      visitorId: visitor.id,
      status: 'bot',
      queuedAt: null,
    });
    const appended = await first.appendMessages([
      {
        workspaceId: ws.id,
        conversationId: c.id,
        author: { type: 'visitor', id: null, name: null },
        text: 'hi',
        clientMessageId: 'c1',
      },
    ]);
    const secret = await first.getOrCreateSecret('jwt', () => 's3cret');
    await first.close();

    const rowsAfterFirst = migrationRows(file);
    expect(rowsAfterFirst).toEqual(
      sqliteMigrations.map((m) => ({ version: m.version, name: m.name, applied_at: expect.any(Number) })),
    );

    const second = await openStore(file);
    expect(await second.getWorkspace(ws.id)).toEqual(ws);
    expect(await second.getVisitor(ws.id, visitor.id)).toEqual(visitor);
    expect((await second.getConversation(ws.id, c.id))!.lastSeq).toBe(1);
    expect(await second.listMessages({ workspaceId: ws.id, conversationId: c.id, afterSeq: 0 })).toEqual(
      appended.map((r) => r.message),
    );
    expect(await second.getOrCreateSecret('jwt', () => 'other')).toBe(secret);
    await second.close();

    expect(migrationRows(file)).toEqual(rowsAfterFirst);
  });

  it('the migration runner applies nothing on an up-to-date database', async () => {
    const db = new Database(path.join(dir, 'm.db'));
    try {
      expect(migrateSqlite(db)).toEqual(sqliteMigrations.map((m) => m.version));
      expect(migrateSqlite(db)).toEqual([]);
      const next = { version: latest + 1, name: 'next', sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY);' };
      expect(migrateSqlite(db, [...sqliteMigrations, next])).toEqual([latest + 1]);
      expect(() => migrateSqlite(db)).toThrow(/newer than this build/);
    } finally {
      db.close();
    }
  });

  it('a failing migration is rolled back and not recorded', async () => {
    const db = new Database(path.join(dir, 'm.db'));
    try {
      migrateSqlite(db);
      const broken = {
        version: latest + 1,
        name: 'broken',
        sql: 'CREATE TABLE half (id INTEGER); SELECT nope FROM nowhere;',
      };
      expect(() => migrateSqlite(db, [...sqliteMigrations, broken])).toThrow();
      expect(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(latest);
      expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('upgrades a version 1 database: existing messages keep their shape, articles work', async () => {
    const file = path.join(dir, 'v1.db');
    const db = new Database(file);
    try {
      migrateSqlite(db, sqliteMigrations.slice(0, 1));
      db.exec(`
        INSERT INTO workspaces VALUES ('ws_1', 'Acme', 'wk_1', 1, 0);
        INSERT INTO visitors VALUES ('vi_1', 'ws_1', NULL, NULL, '{}', NULL, NULL, 0, 0);
        INSERT INTO conversations (id, workspace_id, visitor_id, status, created_at, updated_at, last_seq)
          VALUES ('cv_1', 'ws_1', 'vi_1', 'bot', 0, 0, 1);
        INSERT INTO messages VALUES ('msg_1', 'cv_1', 1, 'bot', NULL, 'Bot', 'old answer', NULL, 0);
      `);
    } finally {
      db.close();
    }
    const store = await openStore(file);
    expect(migrationRows(file).map((r: any) => r.version)).toEqual(sqliteMigrations.map((m) => m.version));
    expect(await store.listMessages({ workspaceId: 'ws_1', conversationId: 'cv_1', afterSeq: 0 })).toEqual([
      {
        id: 'msg_1',
        conversationId: 'cv_1',
        seq: 1,
        author: { type: 'bot', id: null, name: 'Bot' },
        text: 'old answer',
        clientMessageId: null,
        createdAt: new Date(0).toISOString(),
      },
    ]);
    const article = await store.createArticle({ workspaceId: 'ws_1', title: 'T', body: 'B', tags: ['x'] });
    expect(await store.listArticles('ws_1')).toEqual([article]);
  });

  it('upgrades a version 2 database: default widget settings, no labels, no user id, plain messages', async () => {
    const file = path.join(dir, 'v2.db');
    const db = new Database(file);
    try {
      migrateSqlite(db, sqliteMigrations.slice(0, 2));
      db.exec(`
        INSERT INTO workspaces VALUES ('ws_1', 'Acme', 'wk_1', 1, 0);
        INSERT INTO visitors VALUES ('vi_1', 'ws_1', NULL, NULL, '{}', NULL, NULL, 0, 0);
        INSERT INTO conversations (id, workspace_id, visitor_id, status, created_at, updated_at, last_seq)
          VALUES ('cv_1', 'ws_1', 'vi_1', 'bot', 0, 0, 1);
        INSERT INTO messages VALUES ('msg_1', 'cv_1', 1, 'visitor', 'vi_1', NULL, 'hi', NULL, 0, 0);
      `);
    } finally {
      db.close();
    }
    const store = await openStore(file);
    expect((await store.getWorkspace('ws_1'))!.widget).toEqual(DEFAULT_WIDGET_SETTINGS);
    expect((await store.getVisitor('ws_1', 'vi_1'))!.userId).toBeNull();
    expect((await store.getConversation('ws_1', 'cv_1'))!.labels).toEqual([]);
    const [message] = await store.listMessages({ workspaceId: 'ws_1', conversationId: 'cv_1', afterSeq: 0 });
    expect(message).toEqual({
      id: 'msg_1',
      conversationId: 'cv_1',
      seq: 1,
      author: { type: 'visitor', id: 'vi_1', name: null },
      text: 'hi',
      clientMessageId: null,
      createdAt: new Date(0).toISOString(),
    });
    const reply = await store.createCannedReply({ workspaceId: 'ws_1', shortcut: 'hi', text: 'Hello' });
    expect(await store.listCannedReplies('ws_1')).toEqual([reply]);
  });

  it('upgrades a version 4 database: messages keep null timings, then get them; bot turns and reports work', async () => {
    const file = path.join(dir, 'v4.db');
    const db = new Database(file);
    try {
      migrateSqlite(
        db,
        sqliteMigrations.filter((m) => m.version <= 4),
      );
      db.exec(`
        INSERT INTO workspaces (id, name, widget_key, bot_enabled, created_at) VALUES ('ws_1', 'Acme', 'wk_1', 1, 0);
        INSERT INTO visitors (id, workspace_id, attributes, created_at, last_seen_at) VALUES ('vi_1', 'ws_1', '{}', 0, 0);
        INSERT INTO conversations (id, workspace_id, visitor_id, status, created_at, updated_at, last_seq)
          VALUES ('cv_1', 'ws_1', 'vi_1', 'bot', 1000, 1000, 2);
        INSERT INTO messages (id, conversation_id, seq, author_type, author_id, text, created_at, is_private)
          VALUES ('msg_1', 'cv_1', 1, 'visitor', 'vi_1', 'hi', 1000, 0), ('msg_2', 'cv_1', 2, 'agent', 'ag_1', 'note', 2000, 1);
      `);
    } finally {
      db.close();
    }
    const store = await openStore(file);
    expect(migrationRows(file).map((r: any) => r.version)).toEqual(sqliteMigrations.map((m) => m.version));
    await expectTimingsAfterUpgrade(store);
  });

  it('uses WAL, foreign keys, a busy timeout and synchronous NORMAL by default', async () => {
    const store = await openStore(path.join(dir, 'default.db'));
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('honours synchronous FULL', async () => {
    const store = await openStore(path.join(dir, 'full.db'), 'FULL');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(2);
    const ws = await store.createWorkspace({ name: 'Acme', widgetKey: 'wk_full', botEnabled: false });
    expect(await store.getWorkspace(ws.id)).toEqual(ws);
  });

  it('copies the WAL back into the database file on a thread of its own', async () => {
    const file = path.join(dir, 'busy.db');
    const store = await openStore(file);
    const { workspace: ws, visitor, conversation } = await seedConversation(store);
    expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // About 1,000 pages of messages: past SQLite's usual checkpoint size, below the backstop's.
    const text = 'x'.repeat(3000);
    for (let batch = 0; batch < 20; batch++) {
      await store.appendMessages(
        Array.from({ length: 50 }, (_, i) => ({
          workspaceId: ws.id,
          conversationId: conversation.id,
          author: { type: 'visitor' as const, id: visitor.id, name: null },
          text,
          clientMessageId: `m${batch}-${i}`,
        })),
      );
    }
    // The main connection leaves checkpoints to the thread until the WAL is fifty times larger...
    expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(50_000);
    // ...which has copied the messages into the database file.
    await eventually(() => fs.statSync(file).size > 3_000_000);
    const listed = await store.listMessages({
      workspaceId: ws.id,
      conversationId: conversation.id,
      afterSeq: 0,
      limit: 2000,
      includePrivate: false,
    });
    expect(listed).toHaveLength(1000);
  });

  it('two connections to one file agree on a secret', async () => {
    const file = path.join(dir, 'shared.db');
    const a = await openStore(file);
    const b = await openStore(file);
    const fromA = await a.getOrCreateSecret('signing', () => 'from-a');
    expect(await b.getOrCreateSecret('signing', () => 'from-b')).toBe(fromA);
  });
});
