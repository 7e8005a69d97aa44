import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSchema, PG_URL, postgresAvailable, type TestSchema } from '../../test/pg-schema.ts';
import { migratePostgres, postgresMigrations } from './postgres-migrations.ts';
import { PostgresStore } from './postgres-store.ts';
import type { NewMessage } from './store.ts';
import { expectTimingsAfterUpgrade, seedConversation, storeContract } from './store-contract.ts';

const available = await postgresAvailable();

if (!available) {
  describe.skip(`PostgresStore (PostgreSQL at ${PG_URL} unreachable)`, () => {
    it('contract', () => {});
  });
} else {
  // Every store gets a schema of its own (a fresh, empty database for each test), selected
  // through the connection string; all of them are dropped at the end of the run.
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const schemas: TestSchema[] = [];

  const freshSchema = async () => {
    const schema = await createSchema('us_test');
    schemas.push(schema);
    return schema;
  };

  afterAll(async () => {
    for (const schema of schemas) await schema.drop();
    await admin.end();
  });

  storeContract('PostgresStore', async () => new PostgresStore({ url: (await freshSchema()).url }));

  const latest = postgresMigrations.at(-1)!.version;

  describe('PostgresStore on a shared database', () => {
    const open: { end(): Promise<void> }[] = [];

    const openStore = async (url: string, poolSize?: number) => {
      const store = new PostgresStore({ url, poolSize });
      await store.init();
      open.push({ end: () => store.close() });
      return store;
    };

    const poolFor = (schema: TestSchema) => {
      const pool = new pg.Pool({ connectionString: schema.url, max: 4 });
      open.push({ end: () => pool.end() });
      return pool;
    };

    afterEach(async () => {
      for (const item of open.splice(0).reverse()) await item.end();
    });

    const migrationRows = async (schema: TestSchema) =>
      (
        await admin.query<{ version: number; name: string }>(
          `SELECT version, name FROM "${schema.name}".schema_migrations ORDER BY version`,
        )
      ).rows;

    it('two stores starting together apply each migration once', async () => {
      const schema = await freshSchema();
      const url = schema.url;
      const stores = [new PostgresStore({ url }), new PostgresStore({ url })];
      for (const store of stores) open.push({ end: () => store.close() });
      await Promise.all(stores.map((s) => s.init()));
      expect(await migrationRows(schema)).toEqual(
        postgresMigrations.map((m) => ({ version: m.version, name: m.name })),
      );
      await expect(stores[1]!.ping()).resolves.toBeUndefined();
    });

    it('concurrent runners split the migrations between them, each applied exactly once', async () => {
      const schema = await freshSchema();
      const pools = [poolFor(schema), poolFor(schema), poolFor(schema)];
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      expect(applied.flat().sort((a, b) => a - b)).toEqual(postgresMigrations.map((m) => m.version));
      expect(await migrationRows(schema)).toHaveLength(postgresMigrations.length);
    });

    it('keeps data across reopen and does not reapply migrations', async () => {
      const schema = await freshSchema();
      const first = await openStore(schema.url);
      const ws = await first.createWorkspace({ name: 'Acme', widgetKey: 'wk_1', botEnabled: true });
      const secret = await first.getOrCreateSecret('jwt', () => 's3cret');
      const before = await admin.query(`SELECT * FROM "${schema.name}".schema_migrations ORDER BY version`);
      const second = await openStore(schema.url);
      expect(await second.getWorkspace(ws.id)).toEqual(ws);
      expect(await second.getOrCreateSecret('jwt', () => 'other')).toBe(secret);
      const after = await admin.query(`SELECT * FROM "${schema.name}".schema_migrations ORDER BY version`);
      expect(after.rows).toEqual(before.rows);
    });

    it('the runner applies nothing when up to date and refuses a newer schema', async () => {
      const pool = poolFor(await freshSchema());
      expect(await migratePostgres(pool)).toEqual(postgresMigrations.map((m) => m.version));
      expect(await migratePostgres(pool)).toEqual([]);
      const next = { version: latest + 1, name: 'next', sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY);' };
      expect(await migratePostgres(pool, [...postgresMigrations, next])).toEqual([latest + 1]);
      await expect(migratePostgres(pool)).rejects.toThrow(/newer than this build/);
    });

    it('a failing migration is rolled back and not recorded', async () => {
      const schema = await freshSchema();
      const pool = poolFor(schema);
      await migratePostgres(pool);
      const broken = {
        version: latest + 1,
        name: 'broken',
        sql: 'CREATE TABLE half (id INTEGER); SELECT nope FROM nowhere;',
      };
      await expect(migratePostgres(pool, [...postgresMigrations, broken])).rejects.toThrow();
      expect((await pool.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0].v).toBe(latest);
      expect((await pool.query(`SELECT to_regclass('half') AS t`)).rows[0].t).toBeNull();
    });

    it('concurrent batches from two stores into one conversation stay gap-free and duplicate-free', async () => {
      const schema = await freshSchema();
      const a = await openStore(schema.url);
      const b = await openStore(schema.url, 5);
      const { workspace: ws, visitor, conversation: c } = await seedConversation(a);
      const other = await b.createConversation({
        workspaceId: ws.id,
        visitorId: visitor.id,
        status: 'bot',
        queuedAt: null,
      });
      const message = (conversationId: string, clientMessageId: string): NewMessage => ({
        workspaceId: ws.id,
        conversationId,
        author: { type: 'visitor', id: visitor.id, name: null },
        text: clientMessageId,
        clientMessageId,
      });
      // 200 messages per store in batches of 10, all in flight at once. Every batch also
      // retries two "shared" client ids both stores send, and touches a second conversation
      // (in the other order for each store) to exercise the lock ordering.
      const batches = (prefix: string, store: PostgresStore, flip: boolean) =>
        Array.from({ length: 20 }, (_, i) => {
          const own = Array.from({ length: 10 }, (_, j) => message(c.id, `${prefix}-${i * 10 + j}`));
          const shared = [message(c.id, `shared-${i % 5}`), message(c.id, `shared-${(i + 1) % 5}`)];
          const side = message(other.id, `${prefix}-side-${i}`);
          const batch = flip ? [side, ...shared, ...own] : [...own, ...shared, side];
          return store.appendMessages(batch);
        });
      const results = (await Promise.all([...batches('a', a, false), ...batches('b', b, true)])).flat();

      const main = results.filter((r) => r.message.conversationId === c.id);
      const created = main.filter((r) => r.created);
      expect(created).toHaveLength(405);
      // Each shared id was created once; every other time it returned that same message.
      for (let k = 0; k < 5; k++) {
        const shared = main.filter((r) => r.message.clientMessageId === `shared-${k}`);
        expect(shared.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(shared.map((r) => r.message.id)).size).toBe(1);
      }

      const stored = await a.listMessages({
        workspaceId: ws.id,
        conversationId: c.id,
        afterSeq: 0,
        limit: 1000,
      });
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 405 }, (_, i) => i + 1));
      expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(405);
      expect(new Set(stored.map((m) => m.id)).size).toBe(405);
      expect((await b.getConversation(ws.id, c.id))!.lastSeq).toBe(405);

      const side = await b.listMessages({ workspaceId: ws.id, conversationId: other.id, afterSeq: 0 });
      expect(side.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await a.getConversation(ws.id, other.id))!.lastSeq).toBe(40);
    });

    it('upgrades a version 4 database: messages keep null timings, then get them; bot turns work', async () => {
      const schema = await freshSchema();
      const pool = poolFor(schema);
      await migratePostgres(
        pool,
        postgresMigrations.filter((m) => m.version <= 4),
      );
      await pool.query(`
        INSERT INTO workspaces (id, name, widget_key, bot_enabled, created_at) VALUES ('ws_1', 'Acme', 'wk_1', true, 0);
        INSERT INTO visitors (id, workspace_id, attributes, created_at, last_seen_at) VALUES ('vi_1', 'ws_1', '{}', 0, 0);
        INSERT INTO conversations (id, workspace_id, visitor_id, status, created_at, updated_at, last_seq)
          VALUES ('cv_1', 'ws_1', 'vi_1', 'bot', 1000, 1000, 2);
        INSERT INTO messages (id, conversation_id, seq, author_type, author_id, text, created_at, is_private)
          VALUES ('msg_1', 'cv_1', 1, 'visitor', 'vi_1', 'hi', 1000, false),
            ('msg_2', 'cv_1', 2, 'agent', 'ag_1', 'note', 2000, true);
      `);
      const store = await openStore(schema.url);
      expect(await migrationRows(schema)).toEqual(
        postgresMigrations.map((m) => ({ version: m.version, name: m.name })),
      );
      await expectTimingsAfterUpgrade(store);
    });

    it('two stores marking the same messages at once, in opposite orders: no error, each message keeps one time', async () => {
      const schema = await freshSchema();
      const a = await openStore(schema.url);
      const b = await openStore(schema.url);
      const ws = await a.createWorkspace({ name: 'Acme', widgetKey: 'wk_deliver', botEnabled: false });
      const visitor = await a.createVisitor({
        workspaceId: ws.id,
        name: null,
        email: null,
        attributes: {},
        pageUrl: null,
        ip: null,
      });
      const conversations = await Promise.all(
        Array.from({ length: 4 }, () =>
          a.createConversation({ workspaceId: ws.id, visitorId: visitor.id, status: 'bot', queuedAt: null }),
        ),
      );
      for (const c of conversations) {
        await a.appendMessages(
          Array.from({ length: 250 }, (_, i) => ({
            workspaceId: ws.id,
            conversationId: c.id,
            author: { type: 'visitor' as const, id: visitor.id, name: null },
            text: `m${i}`,
            clientMessageId: null,
          })),
        );
      }
      const all = conversations.flatMap((c) =>
        Array.from({ length: 250 }, (_, i) => ({ conversationId: c.id, seq: i + 1 })),
      );
      const timeA = 1_000_000;
      const timeB = 2_000_000;
      // Several overlapping batches from each store, in flight together, in opposite orders.
      const rounds = Array.from({ length: 5 }, (_, k) => [
        a.markDelivered(all.slice(k * 100).map((d) => ({ ...d, at: timeA }))),
        b.markDelivered(
          all
            .slice(0, 1000 - k * 100)
            .reverse()
            .map((d) => ({ ...d, at: timeB })),
        ),
      ]).flat();
      await expect(Promise.all(rounds)).resolves.toBeDefined();

      const times = new Set([new Date(timeA).toISOString(), new Date(timeB).toISOString()]);
      const marked = async () =>
        (await Promise.all(conversations.map((c) => a.conversationTimeline(ws.id, c.id)))).flatMap((t) =>
          t!.messages.map((m) => m.deliveredAt),
        );
      const first = await marked();
      expect(first).toHaveLength(1000);
      for (const at of first) expect(times.has(at!)).toBe(true);
      // A later batch from either store moves nothing.
      await b.markDelivered(all.map((d) => ({ ...d, at: 3_000_000 })));
      expect(await marked()).toEqual(first);
    });

    it('a unique e-mail across stores maps to CONFLICT', async () => {
      const schema = await freshSchema();
      const a = await openStore(schema.url);
      const b = await openStore(schema.url);
      const ws = await a.createWorkspace({ name: 'Acme', widgetKey: 'wk_mail', botEnabled: false });
      const agent = {
        workspaceId: ws.id,
        name: 'Ann',
        role: 'agent' as const,
        maxConcurrent: 2,
        passwordHash: 'h',
      };
      const attempts = await Promise.allSettled([
        a.createAgent({ ...agent, email: 'race@example.com' }),
        b.createAgent({ ...agent, email: 'RACE@example.com' }),
      ]);
      expect(attempts.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = attempts.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'CONFLICT' });
    });

    it('rejects an invalid pool size', () => {
      expect(() => new PostgresStore({ url: PG_URL, poolSize: 0 })).toThrow(/pool size/);
    });
  });
}
