import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

let srv: TestServer;
const sockets: TestSocket[] = [];
const connect = async (token: string) => {
  const socket = await TestSocket.connect(srv.wsUrl, token);
  sockets.push(socket);
  return socket;
};

beforeEach(async () => {
  srv = await startServer();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
});

describe('a conversation from the widget to a human agent', () => {
  it('goes bot → queued → assigned → resolved → reopened, with messages both ways', async () => {
    const admin = await login(srv.url);
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId: string = visitor.conversation.id;
    expect(visitor.conversation).toMatchObject({ status: 'bot', assigneeId: null, lastSeq: 0 });

    const visitorWs = await connect(visitor.token);
    expect(visitorWs.frames[0]).toMatchObject({
      type: 'hello',
      protocolVersion: 1,
      principal: { type: 'visitor', id: visitor.visitorId },
    });
    visitorWs.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await visitorWs.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);

    // The placeholder bot answers with a stream that ends in a stored message.
    visitorWs.send({
      type: 'message.send',
      conversationId,
      text: 'Where is my order?',
      clientMessageId: 'c1',
    });
    const ack = await visitorWs.next((f) => f.type === 'message.ack' && f.clientMessageId === 'c1');
    expect(ack.message).toMatchObject({ seq: 1, text: 'Where is my order?', author: { type: 'visitor' } });
    const botAnswer = await visitorWs.next((f) => f.type === 'message.completed');
    expect(botAnswer.message).toMatchObject({ seq: 2, author: { type: 'bot' } });
    const deltas = visitorWs.frames.filter(
      (f) => f.type === 'message.delta' && f.messageId === botAnswer.message.id,
    );
    expect(deltas.map((f) => f.delta).join('')).toBe(botAnswer.message.text);

    // An agent comes online; asking for a human routes the conversation to them.
    const agentWs = await connect(admin.token);
    visitorWs.send({ type: 'message.send', conversationId, text: '转人工', clientMessageId: 'c2' });
    const assigned = await agentWs.next(
      (f) => f.type === 'conversation.updated' && f.conversation.status === 'assigned',
    );
    expect(assigned.conversation).toMatchObject({ id: conversationId, assigneeId: admin.agent.id });
    expect(
      agentWs.frames.some((f) => f.type === 'conversation.updated' && f.conversation.status === 'queued'),
    ).toBe(true);
    await visitorWs.next((f) => f.type === 'conversation.updated' && f.conversation.status === 'assigned');

    // The agent answers; the visitor receives it live.
    agentWs.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await agentWs.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);
    expect(agentWs.messages(conversationId).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    agentWs.send({ type: 'message.send', conversationId, text: 'Hi, I am Ada.', clientMessageId: 'a1' });
    const fromAgent = await visitorWs.next(
      (f) => f.type === 'message.created' && f.message.author.type === 'agent',
    );
    expect(fromAgent.message).toMatchObject({
      seq: 5,
      text: 'Hi, I am Ada.',
      author: { id: admin.agent.id },
    });

    const afterReply = await eventually(async () => {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, {
        token: admin.token,
      });
      return body.conversation.firstResponseAt ? body.conversation : null;
    });
    expect(afterReply).toMatchObject({ status: 'assigned', lastSeq: 5 });

    // Typing and read receipts reach the other side only.
    agentWs.send({ type: 'typing', conversationId, isTyping: true });
    const typing = await visitorWs.next((f) => f.type === 'typing');
    expect(typing).toMatchObject({
      conversationId,
      isTyping: true,
      author: { type: 'agent', id: admin.agent.id },
    });
    visitorWs.send({ type: 'read', conversationId, seq: 5 });
    const read = await agentWs.next((f) => f.type === 'read');
    expect(read).toMatchObject({ conversationId, seq: 5, author: { type: 'visitor' } });
    await agentWs.roundTrip();
    expect(agentWs.frames.some((f) => f.type === 'typing')).toBe(false);
    const { body: afterRead } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, {
      token: admin.token,
    });
    expect(afterRead.conversation.visitorReadSeq).toBe(5);

    // Resolve; the visitor rates; a new visitor message reopens it to a human.
    const resolved = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/resolve`, {
      token: admin.token,
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.conversation.status).toBe('resolved');
    expect(resolved.body.conversation.resolvedAt).toEqual(expect.any(String));
    const rated = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/rating`, {
      token: visitor.token,
      body: { score: 5, comment: 'quick' },
    });
    expect(rated.body.conversation.rating).toEqual({ score: 5, comment: 'quick' });
    const ratedByAgent = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/rating`, {
      token: admin.token,
      body: { score: 1 },
    });
    expect(ratedByAgent.status).toBe(403);

    const reopened = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: visitor.token,
      body: { text: 'One more thing', clientMessageId: 'c3' },
    });
    expect(reopened.status).toBe(201);
    await eventually(async () => {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, {
        token: admin.token,
      });
      return body.conversation.status === 'assigned' && body.conversation.resolvedAt === null;
    });

    const list = await api(srv.url, 'GET', '/api/v1/conversations?assignee=me', { token: admin.token });
    expect(list.body.conversations.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const messages = await api(
      srv.url,
      'GET',
      `/api/v1/conversations/${conversationId}/messages?afterSeq=0`,
      {
        token: visitor.token,
      },
    );
    expect(messages.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('routing', () => {
  async function team(maxConcurrent: number, count: number) {
    const admin = await login(srv.url);
    const agents = [];
    for (let i = 0; i < count; i++) {
      const email = `agent${i}@test.local`;
      const created = await api(srv.url, 'POST', '/api/v1/agents', {
        token: admin.token,
        body: { name: `Agent ${i}`, email, password: 'agent-password', maxConcurrent },
      });
      expect(created.status).toBe(201);
      expect(created.body.agent).toMatchObject({ role: 'agent', maxConcurrent });
      agents.push(await login(srv.url, email, 'agent-password'));
    }
    return { admin, agents, widgetKey: await widgetKeyOf(srv.url, admin.token) };
  }

  async function queuedConversation(widgetKey: string) {
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const handoff = await api(srv.url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/handoff`, {
      token: visitor.token,
    });
    expect(handoff.status).toBe(200);
    return handoff.body.conversation as { id: string; status: string; assigneeId: string | null };
  }

  it('keeps conversations queued until an agent is online, under capacity', async () => {
    const { admin, agents, widgetKey } = await team(1, 2);
    const first = await queuedConversation(widgetKey);
    expect(first.status).toBe('queued');

    const [a, b] = agents;
    await connect(a!.token);
    await eventually(async () => {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${first.id}`, { token: admin.token });
      return body.conversation.assigneeId === a!.agent.id;
    });
    // A is full (maxConcurrent 1), B is offline: the next one waits.
    const second = await queuedConversation(widgetKey);
    expect(second).toMatchObject({ status: 'queued', assigneeId: null });

    await connect(b!.token);
    await eventually(async () => {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${second.id}`, {
        token: admin.token,
      });
      return body.conversation.assigneeId === b!.agent.id;
    });

    // Both full; resolving A's conversation frees A for the third.
    const third = await queuedConversation(widgetKey);
    expect(third.status).toBe('queued');
    await api(srv.url, 'POST', `/api/v1/conversations/${first.id}/resolve`, { token: a!.token });
    await eventually(async () => {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${third.id}`, { token: admin.token });
      return body.conversation.assigneeId === a!.agent.id;
    });
  });

  it('assigns the least-loaded agent, round robin among equals, and skips agents who are away', async () => {
    const { agents, widgetKey } = await team(5, 3);
    const [a, b, c] = agents;
    const sockets = [await connect(a!.token), await connect(b!.token), await connect(c!.token)];
    sockets[2]!.send({ type: 'presence', status: 'away' });
    await sockets[0]!.next((f) => f.type === 'presence' && f.agentId === c!.agent.id && f.status === 'away');

    const assignees: string[] = [];
    for (let i = 0; i < 4; i++) assignees.push((await queuedConversation(widgetKey)).assigneeId!);
    expect(assignees.includes(c!.agent.id)).toBe(false);
    expect(new Set(assignees.slice(0, 2)).size).toBe(2);
    expect(assignees.slice(2)).toEqual(assignees.slice(0, 2));
  });

  it("requeues an agent's conversations once they are gone for the grace, to an agent online; a deliberate assignment to an agent never seen stays", async () => {
    await srv.close();
    srv = await startServer({ AGENT_REASSIGN_AFTER_MS: '300' });
    const { admin, agents, widgetKey } = await team(5, 3);
    const [a, b, absent] = agents;
    const aWs = await connect(a!.token);
    await aWs.next((f) => f.type === 'presence' && f.agentId === a!.agent.id && f.status === 'online');
    const held = await queuedConversation(widgetKey);
    expect(held.assigneeId).toBe(a!.agent.id);
    // Assigned by hand to an agent who has not come in yet: theirs until they do.
    const kept = await queuedConversation(widgetKey);
    await api(srv.url, 'POST', `/api/v1/conversations/${kept.id}/assign`, {
      token: admin.token,
      body: { agentId: absent!.agent.id },
    });

    const bWs = await connect(b!.token);
    await bWs.next((f) => f.type === 'presence' && f.agentId === b!.agent.id && f.status === 'online');
    await aWs.close(); // A leaves without choosing away
    const moved = await bWs.next(
      (f) => f.type === 'conversation.updated' && f.conversation.id === held.id && f.conversation.assigneeId,
      10_000,
    );
    expect(moved.conversation).toMatchObject({ status: 'assigned', assigneeId: b!.agent.id });
    const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${kept.id}`, { token: admin.token });
    expect(body.conversation).toMatchObject({ status: 'assigned', assigneeId: absent!.agent.id });
  });

  it('lets an agent assign and transfer by hand, only to agents of the workspace', async () => {
    const { admin, agents, widgetKey } = await team(5, 2);
    const conversation = await queuedConversation(widgetKey);
    const [a, b] = agents;
    const toA = await api(srv.url, 'POST', `/api/v1/conversations/${conversation.id}/assign`, {
      token: admin.token,
      body: { agentId: a!.agent.id },
    });
    expect(toA.body.conversation).toMatchObject({ status: 'assigned', assigneeId: a!.agent.id });
    const toB = await api(srv.url, 'POST', `/api/v1/conversations/${conversation.id}/assign`, {
      token: a!.token,
      body: { agentId: b!.agent.id },
    });
    expect(toB.body.conversation).toMatchObject({ status: 'assigned', assigneeId: b!.agent.id });
    const unknown = await api(srv.url, 'POST', `/api/v1/conversations/${conversation.id}/assign`, {
      token: admin.token,
      body: { agentId: 'ag_nope' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('reports presence to the workspace and in the agent list', async () => {
    const { admin, agents } = await team(5, 1);
    const adminWs = await connect(admin.token);
    const agentWs = await connect(agents[0]!.token);
    await adminWs.next(
      (f) => f.type === 'presence' && f.agentId === agents[0]!.agent.id && f.status === 'online',
    );
    const online = await api(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    const listed = online.body.agents.find((x: { id: string }) => x.id === agents[0]!.agent.id);
    expect(listed.status).toBe('online');
    expect(listed).not.toHaveProperty('passwordHash');
    await agentWs.close();
    await adminWs.next(
      (f) => f.type === 'presence' && f.agentId === agents[0]!.agent.id && f.status === 'offline',
    );
  });
});

describe('workspace settings', () => {
  it('lets an admin turn the bot off: new conversations then start queued', async () => {
    const admin = await login(srv.url);
    const current = await api(srv.url, 'GET', '/api/v1/workspace', { token: admin.token });
    expect(current.body.workspace).toMatchObject({ botEnabled: true, name: 'Demo' });

    const off = await api(srv.url, 'PATCH', '/api/v1/workspace', {
      token: admin.token,
      body: { botEnabled: false, name: 'Acme' },
    });
    expect(off.status).toBe(200);
    expect(off.body.workspace).toMatchObject({ botEnabled: false, name: 'Acme' });
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    expect(visitor.conversation.status).toBe('queued');

    const created = await api(srv.url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Plain', email: 'plain@test.local', password: 'agent-password' },
    });
    expect(created.status).toBe(201);
    const plain = await login(srv.url, 'plain@test.local', 'agent-password');
    const forbidden = await api(srv.url, 'PATCH', '/api/v1/workspace', {
      token: plain.token,
      body: { botEnabled: true },
    });
    expect(forbidden.status).toBe(403);
    for (const body of [{}, { botEnabled: 'yes' }, { widgetKey: 'mine' }]) {
      const bad = await api(srv.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body });
      expect(bad.status).toBe(400);
    }
    const after = await api(srv.url, 'GET', '/api/v1/workspace', { token: admin.token });
    expect(after.body.workspace).toMatchObject({ botEnabled: false, name: 'Acme' });
  });
});
