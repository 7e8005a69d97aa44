import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
 * Tenant isolation (workspace A, the seeded demo one, against workspace B made through
 * signup) and visitor isolation. Another workspace's or visitor's object is a 404,
 * never a 403 and never data, over REST and over the WebSocket.
 */

let srv: TestServer;
const sockets: TestSocket[] = [];

type Login = Awaited<ReturnType<typeof login>>;
type VisitorConversation = Awaited<ReturnType<typeof newVisitorConversation>>;
let adminA: Login;
let widgetKeyA: string;
let visitorA: VisitorConversation;
let adminB: { token: string; agent: { id: string; workspaceId: string } };
let widgetKeyB: string;
let visitorB: VisitorConversation;

beforeEach(async () => {
  srv = await startServer();
  adminA = await login(srv.url);
  widgetKeyA = await widgetKeyOf(srv.url, adminA.token);
  const signup = await api(srv.url, 'POST', '/api/v1/signup', {
    body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
  });
  expect(signup.status).toBe(201);
  adminB = { token: signup.body.token, agent: signup.body.agent };
  widgetKeyB = signup.body.workspace.widgetKey;
  expect(signup.body.workspace.id).not.toBe(adminA.agent.workspaceId);
  expect(widgetKeyB).not.toBe(widgetKeyA);
  visitorA = await newVisitorConversation(srv.url, widgetKeyA);
  visitorB = await newVisitorConversation(srv.url, widgetKeyB);
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
});

const connect = async (token: string) => {
  const socket = await TestSocket.connect(srv.wsUrl, token);
  sockets.push(socket);
  return socket;
};

const workspaceA = () => adminA.agent.workspaceId;
const workspaceB = () => adminB.agent.workspaceId;

function expectNotFound(res: { status: number; body: any }, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(404);
  expect(res.body).toEqual({
    error: { code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) },
  });
}

/** The conversation and its messages as its own workspace's admin sees them. */
async function state(conversationId: string, token = adminA.token) {
  const conversation = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, { token });
  const messages = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}/messages`, { token });
  expect(conversation.status).toBe(200);
  return { conversation: conversation.body.conversation, messages: messages.body.messages };
}

/** A visitor message stored and acknowledged over the visitor's socket. */
async function sendAs(socket: TestSocket, conversationId: string, text: string, clientMessageId: string) {
  socket.send({ type: 'message.send', conversationId, text, clientMessageId });
  return socket.next((f) => f.type === 'message.ack' && f.clientMessageId === clientMessageId);
}

/** Every error frame of the socket answers one of `refs` with NOT_FOUND; each ref got one. */
async function expectNotFoundFrames(socket: TestSocket, refs: string[]) {
  for (const ref of refs) {
    const error = await socket.next((f) => f.type === 'error' && f.ref === ref);
    expect(error.code, ref).toBe('NOT_FOUND');
  }
}

/** Nothing of `ids` (conversation, workspace, visitor, agent ids) appears in any frame. */
function expectNoTrace(socket: TestSocket, ids: string[]) {
  for (const frame of socket.frames) {
    const text = JSON.stringify(frame);
    for (const id of ids) expect(text.includes(id), `${id} leaked in ${text}`).toBe(false);
  }
}

describe('tenant isolation over REST', () => {
  it("gives B's agent 404 on every route of A's conversation, and changes nothing", async () => {
    const id = visitorA.conversation.id;
    await api(srv.url, 'POST', `/api/v1/conversations/${id}/messages`, {
      token: visitorA.token,
      body: { text: 'secret order 42', clientMessageId: 'a1' },
    });
    const before = await state(id);
    expect(before.messages.length).toBeGreaterThan(0);

    const cases: [string, string, unknown][] = [
      ['GET', `/api/v1/conversations/${id}`, undefined],
      ['GET', `/api/v1/conversations/${id}/messages?afterSeq=0`, undefined],
      ['POST', `/api/v1/conversations/${id}/messages`, { text: 'from B', clientMessageId: 'b1' }],
      ['POST', `/api/v1/conversations/${id}/handoff`, undefined],
      ['POST', `/api/v1/conversations/${id}/assign`, { agentId: adminB.agent.id }],
      ['POST', `/api/v1/conversations/${id}/assign`, { agentId: adminA.agent.id }],
      ['POST', `/api/v1/conversations/${id}/resolve`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await api(srv.url, method, path, { token: adminB.token, body });
      expectNotFound(res, `${method} ${path}`);
      expect(JSON.stringify(res.body)).not.toContain('secret order');
    }
    // A's visitor and B's visitor are strangers to each other's conversations, too.
    for (const [method, path, body] of [
      ...cases.slice(0, 4),
      ['POST', `/api/v1/conversations/${id}/rating`, { score: 1 }],
    ] as [string, string, unknown][]) {
      expectNotFound(
        await api(srv.url, method, path, { token: visitorB.token, body }),
        `visitor B ${method} ${path}`,
      );
    }
    const idB = visitorB.conversation.id;
    for (const [method, path, body] of [
      ['GET', `/api/v1/conversations/${idB}`, undefined],
      ['GET', `/api/v1/conversations/${idB}/messages`, undefined],
      ['POST', `/api/v1/conversations/${idB}/messages`, { text: 'from A', clientMessageId: 'a2' }],
      ['POST', `/api/v1/conversations/${idB}/resolve`, undefined],
    ] as [string, string, unknown][]) {
      expectNotFound(await api(srv.url, method, path, { token: adminA.token, body }), `A ${method} ${path}`);
    }

    expect(await state(id)).toEqual(before);
    expect(before.conversation).toMatchObject({ workspaceId: workspaceA(), assigneeId: null, status: 'bot' });
    expect((await state(idB, adminB.token)).messages).toEqual([]);
  });

  it("lists only the workspace's own conversations", async () => {
    const moreA = await newVisitorConversation(srv.url, widgetKeyA);
    await api(srv.url, 'POST', `/api/v1/conversations/${moreA.conversation.id}/handoff`, {
      token: moreA.token,
    });
    for (const query of [
      '',
      '?status=bot',
      '?status=queued',
      '?status=assigned',
      '?assignee=me',
      `?assignee=${adminA.agent.id}`,
    ]) {
      const listB = await api(srv.url, 'GET', `/api/v1/conversations${query}`, { token: adminB.token });
      expect(listB.status).toBe(200);
      for (const c of listB.body.conversations) expect(c.workspaceId, query).toBe(workspaceB());
      const ids = listB.body.conversations.map((c: { id: string }) => c.id);
      expect(ids).not.toContain(visitorA.conversation.id);
      expect(ids).not.toContain(moreA.conversation.id);
    }
    const listB = await api(srv.url, 'GET', '/api/v1/conversations', { token: adminB.token });
    expect(listB.body.conversations.map((c: { id: string }) => c.id)).toEqual([visitorB.conversation.id]);
    const listA = await api(srv.url, 'GET', '/api/v1/conversations', { token: adminA.token });
    expect(listA.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [visitorA.conversation.id, moreA.conversation.id].sort(),
    );
  });

  it('keeps agents apart: lists, cross-workspace assignment and PATCH are 404', async () => {
    const created = await api(srv.url, 'POST', '/api/v1/agents', {
      token: adminB.token,
      body: { name: 'Ben', email: 'ben@beta.test', password: 'ben-password' },
    });
    expect(created.status).toBe(201);
    expect(created.body.agent.workspaceId).toBe(workspaceB());

    const listB = await api(srv.url, 'GET', '/api/v1/agents', { token: adminB.token });
    expect(listB.body.agents.map((a: { email: string }) => a.email).sort()).toEqual([
      'bea@beta.test',
      'ben@beta.test',
    ]);
    for (const agent of listB.body.agents) expect(agent.workspaceId).toBe(workspaceB());
    const listA = await api(srv.url, 'GET', '/api/v1/agents', { token: adminA.token });
    expect(listA.body.agents.map((a: { id: string }) => a.id)).toEqual([adminA.agent.id]);

    // B's conversation to A's agent, A's conversation to B's agent: both unknown.
    expectNotFound(
      await api(srv.url, 'POST', `/api/v1/conversations/${visitorB.conversation.id}/assign`, {
        token: adminB.token,
        body: { agentId: adminA.agent.id },
      }),
      "assign B's conversation to A's agent",
    );
    expectNotFound(
      await api(srv.url, 'POST', `/api/v1/conversations/${visitorA.conversation.id}/assign`, {
        token: adminB.token,
        body: { agentId: created.body.agent.id },
      }),
      "assign A's conversation to B's agent",
    );
    expectNotFound(
      await api(srv.url, 'POST', `/api/v1/conversations/${visitorA.conversation.id}/assign`, {
        token: adminA.token,
        body: { agentId: adminB.agent.id },
      }),
      "A assigns its conversation to B's agent",
    );
    expect((await state(visitorB.conversation.id, adminB.token)).conversation.assigneeId).toBeNull();
    expect((await state(visitorA.conversation.id)).conversation.assigneeId).toBeNull();

    // B's admin cannot touch A's agent, nor A's admin B's.
    for (const body of [
      { name: 'Pwned' },
      { role: 'agent' },
      { password: 'taken-over-now' },
      { maxConcurrent: 0 },
    ]) {
      expectNotFound(
        await api(srv.url, 'PATCH', `/api/v1/agents/${adminA.agent.id}`, { token: adminB.token, body }),
        `PATCH A's agent ${JSON.stringify(body)}`,
      );
    }
    expectNotFound(
      await api(srv.url, 'PATCH', `/api/v1/agents/${adminB.agent.id}`, {
        token: adminA.token,
        body: { name: 'x' },
      }),
      "PATCH B's agent",
    );
    const after = await api(srv.url, 'GET', '/api/v1/agents', { token: adminA.token });
    expect(after.body.agents[0]).toMatchObject({ name: 'Admin', role: 'admin', maxConcurrent: 5 });
    await login(srv.url); // A's password still works
  });

  it("creates visitors and conversations in the widget key's workspace only", async () => {
    const session = await api(srv.url, 'POST', '/api/v1/widget/session', { body: { widgetKey: widgetKeyA } });
    expect(session.status).toBe(200);
    expect(session.body.workspace.id).toBe(workspaceA());
    const created = await api(srv.url, 'POST', '/api/v1/conversations', { token: session.body.visitorToken });
    expect(created.status).toBe(201);
    expect(created.body.conversation).toMatchObject({
      workspaceId: workspaceA(),
      visitorId: session.body.visitorId,
    });

    const idsA = (
      await api(srv.url, 'GET', '/api/v1/conversations', { token: adminA.token })
    ).body.conversations.map((c: { id: string }) => c.id);
    const idsB = (
      await api(srv.url, 'GET', '/api/v1/conversations', { token: adminB.token })
    ).body.conversations.map((c: { id: string }) => c.id);
    expect(idsA).toContain(created.body.conversation.id);
    expect(idsB).not.toContain(created.body.conversation.id);
    expect(visitorB.conversation.workspaceId).toBe(workspaceB());
  });
});

describe('tenant isolation over the WebSocket', () => {
  it("answers B's frames about A's conversation with NOT_FOUND and never sends B anything of A", async () => {
    const idA = visitorA.conversation.id;
    const socketB = await connect(adminB.token);
    socketB.send({ type: 'subscribe', conversationId: idA, lastSeq: 0 });
    socketB.send({ type: 'message.send', conversationId: idA, text: 'from B', clientMessageId: 'b-send' });
    socketB.send({ type: 'typing', conversationId: idA, isTyping: true });
    socketB.send({ type: 'read', conversationId: idA, seq: 1 });
    await expectNotFoundFrames(socketB, ['subscribe', 'b-send', 'typing', 'read']);

    // A's side is busy: an agent of A online, its visitor writes, hands off, gets assigned and resolved.
    const socketA = await connect(adminA.token);
    const visitorSocket = await connect(visitorA.token);
    visitorSocket.send({ type: 'subscribe', conversationId: idA, lastSeq: 0 });
    await visitorSocket.next((f) => f.type === 'subscribed');
    socketA.send({ type: 'subscribe', conversationId: idA, lastSeq: 0 });
    await socketA.next((f) => f.type === 'subscribed');
    await sendAs(visitorSocket, idA, 'my card number is 4111', 'v1');
    await visitorSocket.next((f) => f.type === 'message.completed');
    visitorSocket.send({ type: 'typing', conversationId: idA, isTyping: true });
    await socketA.next((f) => f.type === 'typing');
    await sendAs(visitorSocket, idA, 'human please', 'v2');
    await socketA.next((f) => f.type === 'conversation.updated' && f.conversation.status === 'assigned');
    socketA.send({ type: 'message.send', conversationId: idA, text: 'Hello from A', clientMessageId: 'a1' });
    await visitorSocket.next((f) => f.type === 'message.created' && f.message.clientMessageId === 'a1');
    visitorSocket.send({ type: 'read', conversationId: idA, seq: 5 });
    await socketA.next((f) => f.type === 'read');
    const resolved = await api(srv.url, 'POST', `/api/v1/conversations/${idA}/resolve`, {
      token: adminA.token,
    });
    expect(resolved.status).toBe(200);
    await socketA.next((f) => f.type === 'conversation.updated' && f.conversation.status === 'resolved');
    // A new visitor of A starts a conversation too (conversation.updated to A's agents).
    const another = await newVisitorConversation(srv.url, widgetKeyA);
    await socketA.next(
      (f) => f.type === 'conversation.updated' && f.conversation.id === another.conversation.id,
    );

    // The positive control: A's agent saw all of it.
    expect(socketA.messages(idA).length).toBeGreaterThanOrEqual(5);
    // B's barrier: a ping sent now is answered after anything published before it.
    await socketB.roundTrip();
    const types = new Set(socketB.frames.map((f) => f.type));
    for (const type of types) expect(['hello', 'error', 'pong', 'presence']).toContain(type);
    for (const presence of socketB.frames.filter((f) => f.type === 'presence')) {
      expect(presence.agentId).toBe(adminB.agent.id);
    }
    expectNoTrace(socketB, [idA, another.conversation.id, workspaceA(), visitorA.visitorId, adminA.agent.id]);
    expect(socketB.frames.some((f) => JSON.stringify(f).includes('4111'))).toBe(false);

    // B's message was never stored in A's conversation.
    const { messages } = await state(idA);
    expect(messages.some((m: { text: string }) => m.text === 'from B')).toBe(false);
    expect(messages.map((m: { seq: number }) => m.seq)).toEqual(
      messages.map((_: unknown, i: number) => i + 1),
    );
  });

  it("keeps A's conversation.updated events away from every agent of B", async () => {
    const extra = await api(srv.url, 'POST', '/api/v1/agents', {
      token: adminB.token,
      body: { name: 'Ben', email: 'ben@beta.test', password: 'ben-password' },
    });
    expect(extra.status).toBe(201);
    const ben = await login(srv.url, 'ben@beta.test', 'ben-password');
    const socketsB = [await connect(adminB.token), await connect(ben.token)];
    const socketA = await connect(adminA.token);

    const idA = visitorA.conversation.id;
    await api(srv.url, 'POST', `/api/v1/conversations/${idA}/handoff`, { token: visitorA.token });
    await api(srv.url, 'POST', `/api/v1/conversations/${idA}/assign`, {
      token: adminA.token,
      body: { agentId: adminA.agent.id },
    });
    await api(srv.url, 'POST', `/api/v1/conversations/${idA}/resolve`, { token: adminA.token });
    await socketA.next((f) => f.type === 'conversation.updated' && f.conversation.status === 'resolved');

    // B's own events still arrive (so the sockets are listening).
    await api(srv.url, 'POST', `/api/v1/conversations/${visitorB.conversation.id}/handoff`, {
      token: visitorB.token,
    });
    for (const socket of socketsB) {
      await socket.next(
        (f) => f.type === 'conversation.updated' && f.conversation.id === visitorB.conversation.id,
      );
      await socket.roundTrip();
      const updates = socket.frames.filter((f) => f.type === 'conversation.updated');
      for (const update of updates) expect(update.conversation.workspaceId).toBe(workspaceB());
      expectNoTrace(socket, [idA, workspaceA(), adminA.agent.id]);
    }
    expect(
      socketA.frames.some(
        (f) => f.type === 'conversation.updated' && f.conversation.id === visitorB.conversation.id,
      ),
    ).toBe(false);
  });
});

describe('visitor isolation', () => {
  it("gives another visitor 404 on every route of V1's conversation, and NOT_FOUND over the socket", async () => {
    const v1 = visitorA;
    const v2 = await newVisitorConversation(srv.url, widgetKeyA);
    const id = v1.conversation.id;
    const v1Socket = await connect(v1.token);
    v1Socket.send({ type: 'subscribe', conversationId: id, lastSeq: 0 });
    await v1Socket.next((f) => f.type === 'subscribed');
    await sendAs(v1Socket, id, 'private to v1', 'p1');
    await v1Socket.next((f) => f.type === 'message.completed');
    const before = await state(id);

    for (const [method, path, body] of [
      ['GET', `/api/v1/conversations/${id}`, undefined],
      ['GET', `/api/v1/conversations/${id}/messages?afterSeq=0`, undefined],
      ['POST', `/api/v1/conversations/${id}/messages`, { text: 'intruder', clientMessageId: 'x1' }],
      ['POST', `/api/v1/conversations/${id}/rating`, { score: 1, comment: 'bad' }],
      ['POST', `/api/v1/conversations/${id}/handoff`, undefined],
    ] as [string, string, unknown][]) {
      const res = await api(srv.url, method, path, { token: v2.token, body });
      expectNotFound(res, `V2 ${method} ${path}`);
      expect(JSON.stringify(res.body)).not.toContain('private to v1');
    }

    const v2Socket = await connect(v2.token);
    v2Socket.send({ type: 'subscribe', conversationId: id, lastSeq: 0 });
    v2Socket.send({ type: 'message.send', conversationId: id, text: 'intruder', clientMessageId: 'x2' });
    v2Socket.send({ type: 'typing', conversationId: id, isTyping: true });
    v2Socket.send({ type: 'read', conversationId: id, seq: 2 });
    await expectNotFoundFrames(v2Socket, ['subscribe', 'x2', 'typing', 'read']);

    // V1 keeps talking; V2 sees none of it, and V1 saw none of V2's typing or read.
    await sendAs(v1Socket, id, 'still private', 'p2');
    await v1Socket.next((f) => f.type === 'message.completed' && f.message.seq === 4);
    await v2Socket.roundTrip();
    await v1Socket.roundTrip();
    expect(v2Socket.frames.map((f) => f.type).filter((t) => t !== 'error')).toEqual(['hello', 'pong']);
    expectNoTrace(v2Socket, ['private to v1', 'still private', v1.visitorId]);
    expect(v1Socket.frames.some((f) => f.type === 'typing' || f.type === 'read')).toBe(false);

    const after = await state(id);
    expect(after.conversation).toEqual({
      ...before.conversation,
      lastSeq: 4,
      updatedAt: after.conversation.updatedAt,
    });
    expect(after.conversation).toMatchObject({ status: 'bot', rating: null, visitorReadSeq: 0 });
    expect(after.messages.map((m: { author: { type: string; id: string } }) => m.author.type)).toEqual([
      'visitor',
      'bot',
      'visitor',
      'bot',
    ]);
    for (const m of after.messages.filter((x: { author: { type: string } }) => x.author.type === 'visitor')) {
      expect(m.author.id).toBe(v1.visitorId);
    }
  });

  it("starts a new visitor of B when A's visitor token comes with B's widget key", async () => {
    const session = await api(srv.url, 'POST', '/api/v1/widget/session', {
      body: { widgetKey: widgetKeyB, visitorToken: visitorA.token },
    });
    expect(session.status).toBe(200);
    expect(session.body.visitorId).not.toBe(visitorA.visitorId);
    expect(session.body.workspace.id).toBe(workspaceB());
    const created = await api(srv.url, 'POST', '/api/v1/conversations', { token: session.body.visitorToken });
    expect(created.body.conversation).toMatchObject({
      workspaceId: workspaceB(),
      visitorId: session.body.visitorId,
    });
    // The new token of B knows nothing of A's conversation, and A's token nothing of B's.
    expectNotFound(
      await api(srv.url, 'GET', `/api/v1/conversations/${visitorA.conversation.id}`, {
        token: session.body.visitorToken,
      }),
      "B's new visitor reads A's conversation",
    );
    expectNotFound(
      await api(srv.url, 'GET', `/api/v1/conversations/${created.body.conversation.id}`, {
        token: visitorA.token,
      }),
      "A's visitor reads B's conversation",
    );
    // A's visitor is still A's.
    const stillA = await api(srv.url, 'GET', `/api/v1/conversations/${visitorA.conversation.id}`, {
      token: visitorA.token,
    });
    expect(stillA.status).toBe(200);
  });

  it('resumes a visitor from its token: same visitorId, same conversations', async () => {
    const id = visitorA.conversation.id;
    const posted = await api(srv.url, 'POST', `/api/v1/conversations/${id}/messages`, {
      token: visitorA.token,
      body: { text: 'before the reload', clientMessageId: 'r1' },
    });
    expect(posted.status).toBe(201);

    const resumed = await api(srv.url, 'POST', '/api/v1/widget/session', {
      body: { widgetKey: widgetKeyA, visitorToken: visitorA.token, name: 'Vera Again' },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.visitorId).toBe(visitorA.visitorId);
    const token = resumed.body.visitorToken;

    const conversation = await api(srv.url, 'GET', `/api/v1/conversations/${id}`, { token });
    expect(conversation.status).toBe(200);
    expect(conversation.body.conversation.visitorId).toBe(visitorA.visitorId);
    const messages = await api(srv.url, 'GET', `/api/v1/conversations/${id}/messages`, { token });
    expect(messages.body.messages[0]).toMatchObject({ seq: 1, text: 'before the reload' });

    const socket = await connect(token);
    expect(socket.frames[0]?.principal).toEqual({ type: 'visitor', id: visitorA.visitorId });
    socket.send({ type: 'subscribe', conversationId: id, lastSeq: 0 });
    await socket.next((f) => f.type === 'subscribed');
    expect(socket.messages(id)[0]).toMatchObject({ seq: 1, text: 'before the reload' });

    // A token that is not a visitor token of this workspace starts someone new.
    for (const visitorToken of ['garbage', adminA.token, visitorB.token]) {
      const fresh = await api(srv.url, 'POST', '/api/v1/widget/session', {
        body: { widgetKey: widgetKeyA, visitorToken },
      });
      expect(fresh.status).toBe(200);
      expect(fresh.body.visitorId).not.toBe(visitorA.visitorId);
      expect(fresh.body.workspace.id).toBe(workspaceA());
      expectNotFound(
        await api(srv.url, 'GET', `/api/v1/conversations/${id}`, { token: fresh.body.visitorToken }),
        'fresh visitor',
      );
    }
  });
});
