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

/** What agents work with: private notes, labels, canned replies, the visitor panel and search. */

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

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

async function newAgent(adminToken: string, email: string, role: 'admin' | 'agent' = 'agent') {
  const created = await api(srv.url, 'POST', '/api/v1/agents', {
    token: adminToken,
    body: { name: email.split('@')[0], email, password: 'agent-password', role },
  });
  expect(created.status).toBe(201);
  return login(srv.url, email, 'agent-password');
}

/** Workspace B (signup) with a visitor conversation. */
async function workspaceB() {
  const signup = await api(srv.url, 'POST', '/api/v1/signup', {
    body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
  });
  expect(signup.status).toBe(201);
  const visitor = await newVisitorConversation(srv.url, signup.body.workspace.widgetKey);
  return { token: signup.body.token as string, visitor };
}

const conversationOf = async (id: string, token: string) =>
  (await api(srv.url, 'GET', `/api/v1/conversations/${id}`, { token })).body.conversation;

describe('private notes', () => {
  it('reach agents only: never a visitor socket, nor the visitor REST list or replay; no status effect', async () => {
    const admin = await login(srv.url);
    await api(srv.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    const conversationId: string = visitor.conversation.id;

    const visitorWs = await connect(visitor.token);
    visitorWs.send({ type: 'subscribe', conversationId });
    await visitorWs.next((f) => f.type === 'subscribed');
    const colleague = await newAgent(admin.token, 'colleague@test.local');
    const colleagueWs = await connect(colleague.token);
    colleagueWs.send({ type: 'subscribe', conversationId });
    await colleagueWs.next((f) => f.type === 'subscribed');
    const adminWs = await connect(admin.token);
    // An agent is online: the queued conversation is routed to someone.
    const assigned = await eventually(async () => {
      const c = await conversationOf(conversationId, admin.token);
      return c.status === 'assigned' ? c : null;
    });
    expect(assigned.firstResponseAt).toBeNull();

    visitorWs.send({
      type: 'message.send',
      conversationId,
      text: 'My parcel is lost',
      clientMessageId: 'v1',
    });
    await visitorWs.next((f) => f.type === 'message.ack' && f.clientMessageId === 'v1');
    adminWs.send({
      type: 'message.send',
      conversationId,
      text: 'Customer sounds upset, offer a refund',
      clientMessageId: 'n1',
      private: true,
    });
    const noteAck = await adminWs.next((f) => f.type === 'message.ack' && f.clientMessageId === 'n1');
    expect(noteAck.message).toMatchObject({ seq: 2, private: true, author: { type: 'agent' } });
    const seen = await colleagueWs.next((f) => f.type === 'message.created' && f.message.seq === 2);
    expect(seen.message.private).toBe(true);
    // A REST note too.
    const restNote = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: colleague.token,
      body: { text: 'Agreed', clientMessageId: 'n2', private: true },
    });
    expect(restNote.status).toBe(201);
    expect(restNote.body.message).toMatchObject({ seq: 3, private: true });

    // Barrier: everything sent before the pong reached the visitor's socket; no note did.
    await srv.server.conversations.idle();
    await visitorWs.roundTrip();
    expect(visitorWs.messages(conversationId).map((m) => m.seq)).toEqual([1]);
    expect(JSON.stringify(visitorWs.frames)).not.toContain('offer a refund');
    // A note is no first response.
    expect((await conversationOf(conversationId, admin.token)).firstResponseAt).toBeNull();

    // A public answer after the notes: the visitor sees the gap in seq.
    const answer = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: admin.token,
      body: { text: 'We will refund you', clientMessageId: 'a1' },
    });
    expect(answer.body.message.seq).toBe(4);
    await visitorWs.next((f) => f.type === 'message.created' && f.message.seq === 4);
    expect(visitorWs.messages(conversationId).map((m) => m.seq)).toEqual([1, 4]);
    await eventually(async () => (await conversationOf(conversationId, admin.token)).firstResponseAt);

    const list = async (token: string) =>
      (
        await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}/messages`, { token })
      ).body.messages.map((m: { seq: number }) => m.seq);
    expect(await list(visitor.token)).toEqual([1, 4]);
    expect(await list(admin.token)).toEqual([1, 2, 3, 4]);

    // Replays: a visitor resuming gets no note; an agent gets them all.
    const replayed = await connect(visitor.token);
    replayed.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    expect(await replayed.next((f) => f.type === 'subscribed')).toMatchObject({ lastSeq: 4 });
    expect(replayed.messages(conversationId).map((m) => m.seq)).toEqual([1, 4]);
    const resumed = await connect(visitor.token);
    resumed.send({ type: 'subscribe', conversationId, lastSeq: 1 });
    await resumed.next((f) => f.type === 'subscribed');
    expect(resumed.messages(conversationId).map((m) => m.seq)).toEqual([4]);
    const agentReplay = await connect(colleague.token);
    agentReplay.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await agentReplay.next((f) => f.type === 'subscribed');
    expect(agentReplay.messages(conversationId).map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    // A note does not reopen a resolved conversation.
    await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/resolve`, { token: admin.token });
    const late = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: admin.token,
      body: { text: 'closing note', private: true },
    });
    expect(late.status).toBe(201);
    await srv.server.conversations.idle();
    expect((await conversationOf(conversationId, admin.token)).status).toBe('resolved');
    await visitorWs.roundTrip();
    expect(visitorWs.messages(conversationId).map((m) => m.seq)).toEqual([1, 4]);
  });

  it('a note does not take a bot conversation over; visitors cannot write notes', async () => {
    const admin = await login(srv.url);
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    const conversationId: string = visitor.conversation.id;
    expect(visitor.conversation.status).toBe('bot');
    const note = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: admin.token,
      body: { text: 'watching this one', private: true },
    });
    expect(note.status).toBe(201);
    await srv.server.conversations.idle();
    expect(await conversationOf(conversationId, admin.token)).toMatchObject({
      status: 'bot',
      assigneeId: null,
      firstResponseAt: null,
    });

    expectError(
      await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
        token: visitor.token,
        body: { text: 'secret?', private: true },
      }),
      403,
      'FORBIDDEN',
    );
    const visitorWs = await connect(visitor.token);
    visitorWs.send({
      type: 'message.send',
      conversationId,
      text: 'secret?',
      clientMessageId: 'p1',
      private: true,
    });
    expect(await visitorWs.next((f) => f.type === 'error')).toMatchObject({ code: 'FORBIDDEN', ref: 'p1' });
    visitorWs.send({
      type: 'message.send',
      conversationId,
      text: 'x',
      clientMessageId: 'p2',
      private: 'yes',
    });
    expect(await visitorWs.next((f) => f.type === 'error' && f.ref === 'p2')).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await conversationOf(conversationId, admin.token)).lastSeq).toBe(1);
  });
});

describe('labels', () => {
  it('agents set labels (trimmed, deduplicated), filter by them; visitors never see them', async () => {
    const admin = await login(srv.url);
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const plain = await newVisitorConversation(srv.url, widgetKey);
    const conversationId: string = visitor.conversation.id;
    expect(visitor.conversation.labels).toEqual([]);

    const adminWs = await connect(admin.token);
    const visitorWs = await connect(visitor.token);
    visitorWs.send({ type: 'subscribe', conversationId });
    await visitorWs.next((f) => f.type === 'subscribed');

    const set = await api(srv.url, 'PUT', `/api/v1/conversations/${conversationId}/labels`, {
      token: admin.token,
      body: { labels: [' vip ', 'refund', 'vip', '退货', 'VIP'] },
    });
    expect(set.status).toBe(200);
    expect(set.body.conversation.labels).toEqual(['vip', 'refund', '退货', 'VIP']);
    const update = await adminWs.next(
      (f) => f.type === 'conversation.updated' && f.conversation.labels?.includes('refund'),
    );
    expect(update.conversation.id).toBe(conversationId);
    // The visitor is told of the change, without the labels.
    const toVisitor = await visitorWs.next((f) => f.type === 'conversation.updated');
    expect(toVisitor.conversation.labels).toEqual([]);
    expect((await conversationOf(conversationId, visitor.token)).labels).toEqual([]);
    expect((await conversationOf(conversationId, admin.token)).labels).toEqual([
      'vip',
      'refund',
      '退货',
      'VIP',
    ]);

    const byLabel = async (label: string) =>
      (
        await api(srv.url, 'GET', `/api/v1/conversations?label=${encodeURIComponent(label)}`, {
          token: admin.token,
        })
      ).body.conversations.map((c: { id: string }) => c.id);
    expect(await byLabel('refund')).toEqual([conversationId]);
    expect(await byLabel('退货')).toEqual([conversationId]);
    expect(await byLabel('other')).toEqual([]);

    const cleared = await api(srv.url, 'PUT', `/api/v1/conversations/${conversationId}/labels`, {
      token: admin.token,
      body: { labels: [] },
    });
    expect(cleared.body.conversation.labels).toEqual([]);
    expect(await byLabel('refund')).toEqual([]);

    const url = `/api/v1/conversations/${plain.conversation.id}/labels`;
    for (const body of [
      { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
      { labels: ['   '] },
      { labels: ['x'.repeat(33)] },
      { labels: 'vip' },
      { labels: [1] },
      {},
      { labels: ['ok'], extra: true },
    ]) {
      expectError(await api(srv.url, 'PUT', url, { token: admin.token, body }), 400, 'BAD_REQUEST');
    }
    // 20 distinct labels of 32 characters are fine (duplicates do not count).
    const twenty = Array.from({ length: 20 }, (_, i) => `${i}`.padStart(32, 'x'));
    const full = await api(srv.url, 'PUT', url, {
      token: admin.token,
      body: { labels: [...twenty, twenty[0]] },
    });
    expect(full.body.conversation.labels).toEqual(twenty);
    expectError(
      await api(srv.url, 'PUT', url, { token: plain.token, body: { labels: ['mine'] } }),
      403,
      'FORBIDDEN',
    );

    const b = await workspaceB();
    expectError(
      await api(srv.url, 'PUT', url, { token: b.token, body: { labels: ['x'] } }),
      404,
      'NOT_FOUND',
    );
    expect((await conversationOf(plain.conversation.id, admin.token)).labels).toEqual(twenty);
  });
});

describe('canned replies', () => {
  it('admins write, agents read, shortcuts unique per workspace, other workspaces see nothing', async () => {
    const admin = await login(srv.url);
    const agent = await newAgent(admin.token, 'ann@test.local');
    const path = '/api/v1/canned-replies';
    expect((await api(srv.url, 'GET', path, { token: agent.token })).body).toEqual({ cannedReplies: [] });

    const thanks = await api(srv.url, 'POST', path, {
      token: admin.token,
      body: { shortcut: 'thanks', text: '  Thank you for waiting!  ' },
    });
    expect(thanks.status).toBe(201);
    expect(thanks.body.cannedReply).toEqual({
      id: expect.any(String),
      workspaceId: admin.agent.workspaceId,
      shortcut: 'thanks',
      text: 'Thank you for waiting!',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const hello = await api(srv.url, 'POST', path, {
      token: admin.token,
      body: { shortcut: 'hello_1', text: '您好，有什么可以帮您？' },
    });
    expect(hello.status).toBe(201);
    const listed = await api(srv.url, 'GET', path, { token: agent.token });
    expect(listed.body.cannedReplies.map((r: { shortcut: string }) => r.shortcut)).toEqual([
      'hello_1',
      'thanks',
    ]);

    expectError(
      await api(srv.url, 'POST', path, { token: admin.token, body: { shortcut: 'thanks', text: 'again' } }),
      409,
      'CONFLICT',
    );
    const id = thanks.body.cannedReply.id;
    expectError(
      await api(srv.url, 'PATCH', `${path}/${id}`, { token: admin.token, body: { shortcut: 'hello_1' } }),
      409,
      'CONFLICT',
    );
    const renamed = await api(srv.url, 'PATCH', `${path}/${id}`, {
      token: admin.token,
      body: { shortcut: 'ty', text: 'Thanks!' },
    });
    expect(renamed.body.cannedReply).toMatchObject({ id, shortcut: 'ty', text: 'Thanks!' });

    for (const body of [
      { shortcut: 'Thanks', text: 'x' },
      { shortcut: 'with space', text: 'x' },
      { shortcut: 'x'.repeat(33), text: 'x' },
      { shortcut: '', text: 'x' },
      { shortcut: 'ok', text: '' },
      { shortcut: 'ok', text: '   ' },
      { shortcut: 'ok', text: 'x'.repeat(4001) },
      { shortcut: 'ok' },
      { shortcut: 'ok', text: 'x', extra: 1 },
    ]) {
      expectError(await api(srv.url, 'POST', path, { token: admin.token, body }), 400, 'BAD_REQUEST');
    }
    expectError(
      await api(srv.url, 'PATCH', `${path}/${id}`, { token: admin.token, body: {} }),
      400,
      'BAD_REQUEST',
    );
    expect(
      (
        await api(srv.url, 'POST', path, {
          token: admin.token,
          body: { shortcut: 'long', text: 'x'.repeat(4000) },
        })
      ).status,
    ).toBe(201);

    // Plain agents and visitors do not write; visitors do not read.
    expectError(
      await api(srv.url, 'POST', path, { token: agent.token, body: { shortcut: 'mine', text: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api(srv.url, 'PATCH', `${path}/${id}`, { token: agent.token, body: { text: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expectError(await api(srv.url, 'DELETE', `${path}/${id}`, { token: agent.token }), 403, 'FORBIDDEN');
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    expectError(await api(srv.url, 'GET', path, { token: visitor.token }), 403, 'FORBIDDEN');
    expectError(await api(srv.url, 'GET', path), 401, 'UNAUTHORIZED');

    // Workspace B: its own list, the same shortcut is free there, A's ids are not found.
    const b = await workspaceB();
    expect((await api(srv.url, 'GET', path, { token: b.token })).body.cannedReplies).toEqual([]);
    expect(
      (await api(srv.url, 'POST', path, { token: b.token, body: { shortcut: 'ty', text: 'Theirs' } })).status,
    ).toBe(201);
    expectError(
      await api(srv.url, 'PATCH', `${path}/${id}`, { token: b.token, body: { text: 'x' } }),
      404,
      'NOT_FOUND',
    );
    expectError(await api(srv.url, 'DELETE', `${path}/${id}`, { token: b.token }), 404, 'NOT_FOUND');

    const deleted = await api(srv.url, 'DELETE', `${path}/${id}`, { token: admin.token });
    expect(deleted.status).toBe(204);
    expectError(await api(srv.url, 'DELETE', `${path}/${id}`, { token: admin.token }), 404, 'NOT_FOUND');
    expect(
      (await api(srv.url, 'GET', path, { token: admin.token })).body.cannedReplies.map(
        (r: { shortcut: string }) => r.shortcut,
      ),
    ).toEqual(['hello_1', 'long']);
  });
});

describe('visitor panel and search', () => {
  it("shows a visitor and their past conversations to the workspace's agents only", async () => {
    const admin = await login(srv.url);
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    const session = await api(srv.url, 'POST', '/api/v1/widget/session', {
      body: {
        widgetKey,
        name: 'Vera',
        email: 'vera@example.com',
        attributes: { plan: 'pro' },
        pageUrl: 'https://shop.test/cart',
      },
    });
    const { visitorId, visitorToken } = session.body;
    const first = await api(srv.url, 'POST', '/api/v1/conversations', { token: visitorToken });
    const second = await api(srv.url, 'POST', '/api/v1/conversations', { token: visitorToken });
    await newVisitorConversation(srv.url, widgetKey);

    const shown = await api(srv.url, 'GET', `/api/v1/visitors/${visitorId}`, { token: admin.token });
    expect(shown.status).toBe(200);
    expect(shown.body.visitor).toEqual({
      id: visitorId,
      workspaceId: admin.agent.workspaceId,
      name: 'Vera',
      email: 'vera@example.com',
      attributes: { plan: 'pro' },
      pageUrl: 'https://shop.test/cart',
      ip: expect.any(String),
      userId: null,
      createdAt: expect.any(String),
      lastSeenAt: expect.any(String),
    });
    const past = await api(srv.url, 'GET', `/api/v1/conversations?visitorId=${visitorId}`, {
      token: admin.token,
    });
    expect(past.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [first.body.conversation.id, second.body.conversation.id].sort(),
    );
    expectError(
      await api(srv.url, 'GET', '/api/v1/visitors/vi_unknown', { token: admin.token }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api(srv.url, 'GET', `/api/v1/visitors/${visitorId}`, { token: visitorToken }),
      403,
      'FORBIDDEN',
    );

    const b = await workspaceB();
    expectError(
      await api(srv.url, 'GET', `/api/v1/visitors/${visitorId}`, { token: b.token }),
      404,
      'NOT_FOUND',
    );
    const theirs = await api(srv.url, 'GET', `/api/v1/conversations?visitorId=${visitorId}`, {
      token: b.token,
    });
    expect(theirs.body.conversations).toEqual([]);
  });

  it('finds conversations by message text, case-insensitively, newest first, in the workspace only', async () => {
    const admin = await login(srv.url);
    await api(srv.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    const say = (token: string, id: string, text: string, extra: object = {}) =>
      api(srv.url, 'POST', `/api/v1/conversations/${id}/messages`, { token, body: { text, ...extra } });

    const older = await newVisitorConversation(srv.url, widgetKey);
    await say(older.token, older.conversation.id, 'Where is my ORDER #1001?');
    const newer = await newVisitorConversation(srv.url, widgetKey);
    await say(newer.token, newer.conversation.id, 'hi');
    await say(admin.token, newer.conversation.id, 'order 1001 left the warehouse', { private: true });
    const unrelated = await newVisitorConversation(srv.url, widgetKey);
    await say(unrelated.token, unrelated.conversation.id, 'What are your opening hours? 100% of them');
    const b = await workspaceB();
    await say(b.visitor.token, b.visitor.conversation.id, 'my order 1001 too');

    const search = async (q: string, token = admin.token, extra = '') =>
      (
        await api(srv.url, 'GET', `/api/v1/conversations?q=${encodeURIComponent(q)}${extra}`, { token })
      ).body.conversations?.map((c: { id: string }) => c.id);
    expect(await search('order')).toEqual([newer.conversation.id, older.conversation.id]);
    expect(await search('Order #1001')).toEqual([older.conversation.id]);
    expect(await search('100%')).toEqual([unrelated.conversation.id]);
    expect(await search('%')).toEqual([unrelated.conversation.id]);
    expect(await search('_')).toEqual([]);
    expect(await search('order', admin.token, `&visitorId=${older.visitorId}`)).toEqual([
      older.conversation.id,
    ]);
    expect(await search('order', b.token)).toEqual([b.visitor.conversation.id]);
    expect(await search('warehouse', b.token)).toEqual([]);
    expectError(
      await api(srv.url, 'GET', '/api/v1/conversations?q=', { token: admin.token }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await api(srv.url, 'GET', `/api/v1/conversations?q=${'x'.repeat(201)}`, { token: admin.token }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await api(srv.url, 'GET', '/api/v1/conversations?q=order', { token: older.token }),
      403,
      'FORBIDDEN',
    );
  });
});
