import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';

/**
 * Two real nodes on one PostgreSQL schema and one Redis: what a client does on one node is
 * seen by clients on the other, and a client resumes on another node without gap or duplicate.
 * In CI (CI=true) PostgreSQL and Redis must be there: a missing service fails.
 */
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `scale_${randomUUID().replaceAll('-', '')}`;
const nodes: TestServer[] = [];
const sockets: TestSocket[] = [];

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const available = await reachable();
if (!available && process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${PG_URL}`);

describe.runIf(available)('two nodes on PostgreSQL and Redis', () => {
  beforeAll(async () => {
    const env = {
      DATABASE_URL: `${PG_URL}?options=-c%20search_path%3D${schema}`,
      REDIS_URL,
    };
    // One after the other: the first applies migrations and seeds the admin.
    nodes.push(await startServer(env));
    nodes.push(await startServer(env));
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const node of nodes) await node.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  const connect = async (node: TestServer, token: string) => {
    const socket = await TestSocket.connect(node.wsUrl, token);
    sockets.push(socket);
    return socket;
  };

  it('reports Redis in /readyz', async () => {
    const ready = await api(nodes[0]!.url, 'GET', '/readyz');
    expect(ready.body).toMatchObject({ status: 'ready', redis: 'ok' });
  });

  it('delivers messages and typing between a visitor on node A and an agent on node B', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const admin = await login(b.url);
    const visitor = await newVisitorConversation(a.url, await widgetKeyOf(a.url, admin.token));
    const conversationId = visitor.conversation.id;
    await api(a.url, 'POST', `/api/v1/conversations/${conversationId}/handoff`, { token: visitor.token });

    const visitorWs = await connect(a, visitor.token);
    const agentWs = await connect(b, admin.token);
    for (const ws of [visitorWs, agentWs]) {
      ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
      await ws.next((f) => f.type === 'subscribed');
    }

    agentWs.send({ type: 'message.send', conversationId, text: 'from node B', clientMessageId: 'b1' });
    const atVisitor = await visitorWs.next(
      (f) => f.type === 'message.created' && f.message.text === 'from node B',
    );
    visitorWs.send({ type: 'message.send', conversationId, text: 'from node A', clientMessageId: 'a1' });
    const atAgent = await agentWs.next(
      (f) => f.type === 'message.created' && f.message.text === 'from node A',
    );
    expect(atAgent.message.seq).toBe(atVisitor.message.seq + 1);

    visitorWs.send({ type: 'typing', conversationId, isTyping: true });
    await agentWs.next((f) => f.type === 'typing' && f.isTyping === true);
  });

  it('resumes on the other node with exactly the missed messages', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const admin = await login(a.url);
    const visitor = await newVisitorConversation(a.url, await widgetKeyOf(a.url, admin.token));
    const conversationId = visitor.conversation.id;
    await api(a.url, 'POST', `/api/v1/conversations/${conversationId}/handoff`, { token: visitor.token });

    const first = await connect(a, visitor.token);
    first.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await first.next((f) => f.type === 'subscribed');
    const agentWs = await connect(b, admin.token);
    agentWs.send({ type: 'message.send', conversationId, text: 'before', clientMessageId: 'p1' });
    const seen = await first.next((f) => f.type === 'message.created' && f.message.text === 'before');
    await first.close();

    for (let i = 1; i <= 5; i++) {
      agentWs.send({ type: 'message.send', conversationId, text: `missed ${i}`, clientMessageId: `m${i}` });
      await agentWs.next((f) => f.type === 'message.ack' && f.clientMessageId === `m${i}`);
    }
    const second = await connect(b, visitor.token);
    second.send({ type: 'subscribe', conversationId, lastSeq: seen.message.seq });
    await second.next((f) => f.type === 'subscribed');
    agentWs.send({ type: 'message.send', conversationId, text: 'live', clientMessageId: 'l1' });
    await second.next((f) => f.type === 'message.created' && f.message.text === 'live');
    const texts = second.messages(conversationId).map((m) => m.text);
    expect(texts).toEqual(['missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'live']);
  });
});
