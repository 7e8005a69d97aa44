import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { createSchema, postgresAvailable, REDIS_URL, type TestSchema } from './pg-schema.ts';

/**
 * Two real nodes on one PostgreSQL schema and one Redis: what a client does on one node is
 * seen by clients on the other, and a client resumes on another node without gap or duplicate.
 * In CI (CI=true) PostgreSQL and Redis must be there: a missing service fails.
 */
const available = await postgresAvailable();
let schema: TestSchema | undefined;
const nodes: TestServer[] = [];
const sockets: TestSocket[] = [];

describe.runIf(available)('two nodes on PostgreSQL and Redis', () => {
  beforeAll(async () => {
    schema = await createSchema('scale');
    const env = { DATABASE_URL: schema.url, REDIS_URL };
    // One after the other: the first applies migrations and seeds the admin.
    nodes.push(await startServer(env));
    nodes.push(await startServer(env));
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const node of nodes) await node.close();
    await schema?.drop();
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

  /** A fresh workspace (its admin never connects) with `count` agents of capacity 1. */
  const team = async (count: number) => {
    const [a] = nodes as [TestServer, TestServer];
    const tag = randomUUID().slice(0, 8);
    const signup = await api(a.url, 'POST', '/api/v1/signup', {
      body: {
        workspaceName: `W ${tag}`,
        name: 'Owner',
        email: `owner-${tag}@test.local`,
        password: 'owner-password',
      },
    });
    expect(signup.status).toBe(201);
    const agents = [];
    for (let i = 0; i < count; i++) {
      const email = `agent${i}-${tag}@test.local`;
      const created = await api(a.url, 'POST', '/api/v1/agents', {
        token: signup.body.token,
        body: { name: `Agent ${i}`, email, password: 'agent-password', maxConcurrent: 1 },
      });
      expect(created.status).toBe(201);
      agents.push(await login(a.url, email, 'agent-password'));
    }
    return {
      ownerToken: signup.body.token as string,
      widgetKey: signup.body.workspace.widgetKey as string,
      agents,
    };
  };

  /** Waits until every node lists the agents as online. */
  const onlineEverywhere = (ownerToken: string, agentIds: string[]) =>
    eventually(async () => {
      for (const node of nodes) {
        const { body } = await api(node.url, 'GET', '/api/v1/agents', { token: ownerToken });
        const online = new Set(
          body.agents
            .filter((x: { status: string }) => x.status === 'online')
            .map((x: { id: string }) => x.id),
        );
        if (!agentIds.every((id) => online.has(id))) return false;
      }
      return true;
    });

  const handoff = async (node: TestServer, widgetKey: string) => {
    const visitor = await newVisitorConversation(node.url, widgetKey);
    const res = await api(node.url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/handoff`, {
      token: visitor.token,
    });
    expect(res.status).toBe(200);
    return visitor.conversation.id as string;
  };

  it('assigns a conversation handed off on node A to an agent connected only to node B', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const { ownerToken, widgetKey, agents } = await team(1);
    const agent = agents[0]!;
    await connect(b, agent.token);
    await onlineEverywhere(ownerToken, [agent.agent.id]);
    const widget = await api(a.url, 'GET', `/api/v1/widget/config?widgetKey=${widgetKey}`);
    expect(widget.body.agentsOnline).toBe(true);

    const conversationId = await handoff(a, widgetKey);
    await eventually(async () => {
      const { body } = await api(a.url, 'GET', `/api/v1/conversations/${conversationId}`, {
        token: ownerToken,
      });
      return body.conversation.status === 'assigned' && body.conversation.assigneeId === agent.agent.id;
    });
  });

  it('shows an agent on node B to agents on node A, and offline once it leaves', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const { ownerToken, agents } = await team(2);
    const [watcher, mover] = agents as [(typeof agents)[0], (typeof agents)[0]];
    const watcherWs = await connect(a, watcher.token);
    const moverWs = await connect(b, mover.token);
    await watcherWs.next(
      (f) => f.type === 'presence' && f.agentId === mover.agent.id && f.status === 'online',
    );
    await onlineEverywhere(ownerToken, [watcher.agent.id, mover.agent.id]);
    await moverWs.close();
    await watcherWs.next(
      (f) => f.type === 'presence' && f.agentId === mover.agent.id && f.status === 'offline',
    );
    const { body } = await api(a.url, 'GET', '/api/v1/agents', { token: ownerToken });
    expect(body.agents.find((x: { id: string }) => x.id === mover.agent.id).status).toBe('offline');
  });

  it('never gives an agent more than its capacity under concurrent handoffs on both nodes', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const { ownerToken, widgetKey, agents } = await team(2);
    const [first, second] = agents as [(typeof agents)[0], (typeof agents)[0]];
    await connect(a, first.token);
    await connect(b, second.token);
    await onlineEverywhere(ownerToken, [first.agent.id, second.agent.id]);

    const ids = await Promise.all([a, b, a, b].map((node) => handoff(node, widgetKey)));
    // Every sample is kept (`eventually` retries on a throw, so the bound is checked afterwards).
    let most = 0;
    const assignedCounts = async () => {
      const { body } = await api(b.url, 'GET', '/api/v1/conversations?limit=50', { token: ownerToken });
      const mine = body.conversations.filter((c: { id: string }) => ids.includes(c.id));
      const perAgent = new Map<string, number>();
      for (const c of mine as { status: string; assigneeId: string | null }[]) {
        if (c.status === 'assigned' && c.assigneeId) {
          perAgent.set(c.assigneeId, (perAgent.get(c.assigneeId) ?? 0) + 1);
        }
      }
      most = Math.max(most, ...perAgent.values());
      return { perAgent, queued: mine.filter((c: { status: string }) => c.status === 'queued').length };
    };
    await eventually(async () => (await assignedCounts()).perAgent.size === 2);
    for (const node of nodes) await node.server.conversations.idle();
    const final = await assignedCounts();
    expect([...final.perAgent.entries()].sort()).toEqual(
      [
        [first.agent.id, 1],
        [second.agent.id, 1],
      ].sort(),
    );
    expect(final.queued).toBe(2);
    expect(most).toBe(1);
  });
});
