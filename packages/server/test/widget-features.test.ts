import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';

/** The widget's side: its configuration, offline messages, identity verification, message rate limit. */

let srv: TestServer | undefined;
const sockets: TestSocket[] = [];
const start = async (env: Record<string, string> = {}) => {
  srv = await startServer(env);
  return srv;
};
const connect = async (token: string) => {
  const socket = await TestSocket.connect(srv!.wsUrl, token);
  sockets.push(socket);
  return socket;
};

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv?.close();
  srv = undefined;
});

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

describe('widget configuration', () => {
  it('admins change the look partially; the public config shows it, the bot and whether an agent is online', async () => {
    const { url } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const config = (key: string) =>
      api(url, 'GET', `/api/v1/widget/config?widgetKey=${encodeURIComponent(key)}`);

    const initial = await config(widgetKey);
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      name: 'Demo',
      widget: { color: '#2563eb', position: 'right', greeting: '', language: 'auto' },
      botEnabled: true,
      agentsOnline: false,
    });
    expect(
      (await api(url, 'GET', '/api/v1/workspace', { token: admin.token })).body.workspace.widget,
    ).toEqual(initial.body.widget);

    const patched = await api(url, 'PATCH', '/api/v1/workspace', {
      token: admin.token,
      body: { widget: { color: '#FF8800', greeting: '你好！有什么可以帮您？' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.workspace.widget).toEqual({
      color: '#ff8800',
      position: 'right',
      greeting: '你好！有什么可以帮您？',
      language: 'auto',
    });
    await api(url, 'PATCH', '/api/v1/workspace', {
      token: admin.token,
      body: { widget: { position: 'left', language: 'zh-CN' }, botEnabled: false },
    });

    const agentWs = await connect(admin.token);
    const after = await config(widgetKey);
    expect(after.body).toEqual({
      name: 'Demo',
      widget: { color: '#ff8800', position: 'left', greeting: '你好！有什么可以帮您？', language: 'zh-CN' },
      botEnabled: false,
      agentsOnline: true,
    });
    agentWs.send({ type: 'presence', status: 'away' });
    await agentWs.roundTrip();
    expect((await config(widgetKey)).body.agentsOnline).toBe(false);

    expectError(await config('wk_unknown'), 404, 'NOT_FOUND');
    expectError(await api(url, 'GET', '/api/v1/widget/config'), 400, 'BAD_REQUEST');

    for (const widget of [
      { color: 'red' },
      { color: '#12345' },
      { color: '#1234567' },
      { position: 'top' },
      { greeting: 'x'.repeat(201) },
      { language: 'fr' },
      { font: 'Comic Sans' },
      {},
      'blue',
    ]) {
      expectError(
        await api(url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { widget } }),
        400,
        'BAD_REQUEST',
      );
    }
    const greeting200 = await api(url, 'PATCH', '/api/v1/workspace', {
      token: admin.token,
      body: { widget: { greeting: 'x'.repeat(200) } },
    });
    expect(greeting200.status).toBe(200);

    await api(url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Plain', email: 'plain@test.local', password: 'agent-password' },
    });
    const plain = await login(url, 'plain@test.local', 'agent-password');
    expectError(
      await api(url, 'PATCH', '/api/v1/workspace', {
        token: plain.token,
        body: { widget: { color: '#000000' } },
      }),
      403,
      'FORBIDDEN',
    );
    expect((await config(widgetKey)).body.widget.color).toBe('#ff8800');
  });
});

describe('offline messages', () => {
  it('store the e-mail and name and a queued conversation with the message, in one step', async () => {
    const { url } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const session = await api(url, 'POST', '/api/v1/widget/session', { body: { widgetKey } });
    const { visitorId, visitorToken } = session.body;
    const adminWs = await connect(admin.token);
    adminWs.send({ type: 'presence', status: 'away' });
    await adminWs.roundTrip();

    const left = await api(url, 'POST', '/api/v1/widget/offline-message', {
      token: visitorToken,
      body: { text: 'Please call me back about my order', email: 'olga@example.com', name: 'Olga' },
    });
    expect(left.status).toBe(201);
    const conversation = left.body.conversation;
    expect(conversation).toMatchObject({
      visitorId,
      status: 'queued',
      assigneeId: null,
      lastSeq: 1,
      queuedAt: expect.any(String),
    });
    const created = await adminWs.next(
      (f) => f.type === 'conversation.updated' && f.conversation.id === conversation.id,
    );
    expect(created.conversation.status).toBe('queued');

    const messages = await api(url, 'GET', `/api/v1/conversations/${conversation.id}/messages`, {
      token: admin.token,
    });
    expect(messages.body.messages).toEqual([
      expect.objectContaining({
        seq: 1,
        text: 'Please call me back about my order',
        author: { type: 'visitor', id: visitorId, name: 'Olga' },
      }),
    ]);
    const visitor = await api(url, 'GET', `/api/v1/visitors/${visitorId}`, { token: admin.token });
    expect(visitor.body.visitor).toMatchObject({ name: 'Olga', email: 'olga@example.com' });

    // An agent coming back online gets it.
    adminWs.send({ type: 'presence', status: 'online' });
    await adminWs.next((f) => f.type === 'conversation.updated' && f.conversation.status === 'assigned');
  });

  it('refuses bad input and agents, and stores nothing then', async () => {
    const { url } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const session = await api(url, 'POST', '/api/v1/widget/session', { body: { widgetKey, name: 'Vi' } });
    const token = session.body.visitorToken;
    const path = '/api/v1/widget/offline-message';
    const good = { text: 'hello', email: 'vi@example.com' };
    for (const body of [
      { ...good, email: 'not-an-email' },
      { text: 'hello' },
      { email: 'vi@example.com' },
      { ...good, text: '   ' },
      { ...good, name: 'x'.repeat(101) },
      { ...good, extra: true },
    ]) {
      expectError(await api(url, 'POST', path, { token, body }), 400, 'BAD_REQUEST');
    }
    expectError(
      await api(url, 'POST', path, { token, body: { ...good, text: 'x'.repeat(4001) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(await api(url, 'POST', path, { body: good }), 401, 'UNAUTHORIZED');
    expectError(await api(url, 'POST', path, { token: admin.token, body: good }), 403, 'FORBIDDEN');

    const conversations = await api(url, 'GET', '/api/v1/conversations', { token: admin.token });
    expect(conversations.body.conversations).toEqual([]);
    const visitor = await api(url, 'GET', `/api/v1/visitors/${session.body.visitorId}`, {
      token: admin.token,
    });
    expect(visitor.body.visitor).toMatchObject({ name: 'Vi', email: null });
  });
});

describe('identity verification (S6)', () => {
  const sign = (secret: string, userId: string) => createHmac('sha256', secret).update(userId).digest('hex');

  it('ties a visitor to a user id only with a valid HMAC, and resumes it on any device', async () => {
    const { url, server } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const secretRes = await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: admin.token });
    expect(secretRes.status).toBe(200);
    const secret: string = secretRes.body.identitySecret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    // Stable: the same secret every time.
    expect((await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: admin.token })).body).toEqual(
      {
        identitySecret: secret,
      },
    );

    const session = (body: object) =>
      api(url, 'POST', '/api/v1/widget/session', { body: { widgetKey, ...body } });
    const laptop = await session({ userId: 'user-7', userHash: sign(secret, 'user-7'), name: 'Uma' });
    expect(laptop.status).toBe(200);
    expect(laptop.body.userId).toBe('user-7');
    const started = await api(url, 'POST', '/api/v1/conversations', { token: laptop.body.visitorToken });

    // Another device: no visitor token, the same user: the same visitor and conversations.
    const phone = await session({ userId: 'user-7', userHash: sign(secret, 'user-7').toUpperCase() });
    expect(phone.status).toBe(200);
    expect(phone.body.visitorId).toBe(laptop.body.visitorId);
    const seen = await api(url, 'GET', `/api/v1/conversations/${started.body.conversation.id}`, {
      token: phone.body.visitorToken,
    });
    expect(seen.status).toBe(200);
    const panel = await api(url, 'GET', `/api/v1/visitors/${laptop.body.visitorId}`, { token: admin.token });
    expect(panel.body.visitor).toMatchObject({ userId: 'user-7', name: 'Uma' });

    // A wrong hash: 401, and nothing is stored for that user.
    for (const userHash of [
      sign(secret, 'user-8'),
      sign('other-secret', 'user-9'),
      'zz',
      '',
      'a'.repeat(64),
    ]) {
      expectError(await session({ userId: 'user-9', userHash }), 401, 'UNAUTHORIZED');
    }
    expect(await server.store.getVisitorByUserId(admin.agent.workspaceId, 'user-9')).toBeNull();
    // Half an identity is a bad request.
    expectError(await session({ userId: 'user-9' }), 400, 'BAD_REQUEST');
    expectError(await session({ userHash: sign(secret, 'user-9') }), 400, 'BAD_REQUEST');
    expectError(await session({ userId: '', userHash: sign(secret, '') }), 400, 'BAD_REQUEST');
    expect(await server.store.getVisitorByUserId(admin.agent.workspaceId, 'user-9')).toBeNull();

    // Someone else's visitor token does not make them that user.
    const stranger = await session({});
    const impostor = await session({
      visitorToken: laptop.body.visitorToken,
      userId: 'user-9',
      userHash: 'bad',
    });
    expect(impostor.status).toBe(401);
    expect(stranger.body.visitorId).not.toBe(laptop.body.visitorId);
  });

  it('an anonymous visitor who logs in keeps their conversations; logging out starts anew', async () => {
    const { url } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const secret = (await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: admin.token })).body
      .identitySecret;
    const anonymous = await newVisitorConversation(url, widgetKey);
    const loggedIn = await api(url, 'POST', '/api/v1/widget/session', {
      body: { widgetKey, visitorToken: anonymous.token, userId: 'u-1', userHash: sign(secret, 'u-1') },
    });
    expect(loggedIn.body).toMatchObject({ visitorId: anonymous.visitorId, userId: 'u-1' });

    // Without the identity, the identified visitor's token does not resume it (a logged-out user).
    const loggedOut = await api(url, 'POST', '/api/v1/widget/session', {
      body: { widgetKey, visitorToken: loggedIn.body.visitorToken },
    });
    expect(loggedOut.status).toBe(200);
    expect(loggedOut.body.visitorId).not.toBe(anonymous.visitorId);
    expect(loggedOut.body.userId).toBeNull();
    expectError(
      await api(url, 'GET', `/api/v1/conversations/${anonymous.conversation.id}`, {
        token: loggedOut.body.visitorToken,
      }),
      404,
      'NOT_FOUND',
    );
    // Another user on the same browser: a visitor of their own, not the first user's.
    const other = await api(url, 'POST', '/api/v1/widget/session', {
      body: {
        widgetKey,
        visitorToken: loggedIn.body.visitorToken,
        userId: 'u-2',
        userHash: sign(secret, 'u-2'),
      },
    });
    expect(other.body.visitorId).not.toBe(anonymous.visitorId);
    expect(other.body.userId).toBe('u-2');

    // Only admins read the secret; another workspace's secret is another secret.
    await api(url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Plain', email: 'plain@test.local', password: 'agent-password' },
    });
    const plain = await login(url, 'plain@test.local', 'agent-password');
    expectError(
      await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: plain.token }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: anonymous.token }),
      403,
      'FORBIDDEN',
    );
    const signup = await api(url, 'POST', '/api/v1/signup', {
      body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
    });
    const secretB = (await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: signup.body.token }))
      .body.identitySecret;
    expect(secretB).not.toBe(secret);
    expectError(
      await api(url, 'POST', '/api/v1/widget/session', {
        body: { widgetKey, userId: 'u-1', userHash: sign(secretB, 'u-1') },
      }),
      401,
      'UNAUTHORIZED',
    );
    // In B, u-1 is somebody else.
    const inB = await api(url, 'POST', '/api/v1/widget/session', {
      body: { widgetKey: signup.body.workspace.widgetKey, userId: 'u-1', userHash: sign(secretB, 'u-1') },
    });
    expect(inB.status).toBe(200);
    expect(inB.body.visitorId).not.toBe(anonymous.visitorId);
  });
});

describe("the visitor's own conversations", () => {
  const sign = (secret: string, userId: string) => createHmac('sha256', secret).update(userId).digest('hex');

  it('lists only that visitor’s, newest activity first; a new device of the same user finds them', async () => {
    const { url } = await start();
    const admin = await login(url);
    const widgetKey = await widgetKeyOf(url, admin.token);
    const secret = (await api(url, 'GET', '/api/v1/workspace/identity-secret', { token: admin.token })).body
      .identitySecret;
    const session = (body: object) =>
      api(url, 'POST', '/api/v1/widget/session', { body: { widgetKey, ...body } });
    const laptop = (await session({ userId: 'u-5', userHash: sign(secret, 'u-5') })).body;
    const list = (token?: string) => api(url, 'GET', '/api/v1/widget/conversations', { token });

    expect((await list(laptop.visitorToken)).body).toEqual({ conversations: [] });
    const first = (await api(url, 'POST', '/api/v1/conversations', { token: laptop.visitorToken })).body
      .conversation;
    const second = (await api(url, 'POST', '/api/v1/conversations', { token: laptop.visitorToken })).body
      .conversation;
    // Another visitor's conversations (labelled by an agent) never show.
    const other = await newVisitorConversation(url, widgetKey);
    await api(url, 'PUT', `/api/v1/conversations/${first.id}/labels`, {
      token: admin.token,
      body: { labels: ['vip'] },
    });
    await api(url, 'PUT', `/api/v1/conversations/${other.conversation.id}/labels`, {
      token: admin.token,
      body: { labels: ['x'] },
    });

    // A new device: no visitor token, the same user.
    const phone = (await session({ userId: 'u-5', userHash: sign(secret, 'u-5') })).body;
    const mine = await list(phone.visitorToken);
    expect(mine.status).toBe(200);
    // `first` was changed last (its labels): newest activity first; visitors never see labels.
    expect(mine.body.conversations.map((c: { id: string }) => c.id)).toEqual([first.id, second.id]);
    expect(mine.body.conversations[0]).toMatchObject({ visitorId: laptop.visitorId, labels: [] });
    expect((await list(other.token)).body.conversations.map((c: { id: string }) => c.id)).toEqual([
      other.conversation.id,
    ]);
    const stranger = (await session({})).body;
    expect((await list(stranger.visitorToken)).body).toEqual({ conversations: [] });

    expectError(await list(admin.token), 403, 'FORBIDDEN');
    expectError(await list(), 401, 'UNAUTHORIZED');
    expectError(await list('not-a-token'), 401, 'UNAUTHORIZED');
  });

  it('gives at most 20', async () => {
    const { url } = await start();
    const admin = await login(url);
    const visitor = await newVisitorConversation(url, await widgetKeyOf(url, admin.token));
    for (let i = 0; i < 21; i++) await api(url, 'POST', '/api/v1/conversations', { token: visitor.token });
    const res = await api(url, 'GET', '/api/v1/widget/conversations', { token: visitor.token });
    expect(res.body.conversations).toHaveLength(20);
  });
});

describe('visitor message rate limit (S5)', () => {
  it('refuses a visitor over the limit with RATE_LIMITED over REST and WebSocket, storing nothing', async () => {
    const { url } = await start({ VISITOR_MESSAGE_RATE: '5/60s' });
    const admin = await login(url);
    await api(url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const widgetKey = await widgetKeyOf(url, admin.token);
    const visitor = await newVisitorConversation(url, widgetKey);
    const id = visitor.conversation.id;
    const post = (token: string, text: string, conversationId = id) =>
      api(url, 'POST', `/api/v1/conversations/${conversationId}/messages`, { token, body: { text } });

    for (let i = 1; i <= 3; i++) expect((await post(visitor.token, `m${i}`)).status).toBe(201);
    const ws = await connect(visitor.token);
    for (const n of [4, 5, 6]) {
      ws.send({ type: 'message.send', conversationId: id, text: `m${n}`, clientMessageId: `c${n}` });
    }
    await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === 'c5');
    expect(await ws.next((f) => f.type === 'error' && f.ref === 'c6')).toMatchObject({
      code: 'RATE_LIMITED',
    });
    expectError(await post(visitor.token, 'm7'), 429, 'RATE_LIMITED');
    expectError(
      await api(url, 'POST', '/api/v1/widget/offline-message', {
        token: visitor.token,
        body: { text: 'x', email: 'v@example.com' },
      }),
      429,
      'RATE_LIMITED',
    );
    const stored = await api(url, 'GET', `/api/v1/conversations/${id}/messages`, { token: admin.token });
    expect(stored.body.messages.map((m: { text: string }) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

    // Per visitor: another visitor and the agents are not limited by it.
    const other = await newVisitorConversation(url, widgetKey);
    expect((await post(other.token, 'hello', other.conversation.id)).status).toBe(201);
    for (let i = 0; i < 6; i++) expect((await post(admin.token, `a${i}`)).status).toBe(201);
  });

  it('is on by default: 200 messages per 10 s', async () => {
    const { url } = await start({ VISITOR_MESSAGE_RATE: '' });
    const admin = await login(url);
    await api(url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const visitor = await newVisitorConversation(url, await widgetKeyOf(url, admin.token));
    const statuses: number[] = [];
    for (let i = 0; i < 201; i++) {
      statuses.push(
        (
          await api(url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/messages`, {
            token: visitor.token,
            body: { text: `m${i}` },
          })
        ).status,
      );
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(200);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('OpenAPI', () => {
  it('documents every route added for attachments, notes, labels, canned replies, visitors, widget and webhooks', async () => {
    const { url } = await start();
    const { body } = await api(url, 'GET', '/api/v1/openapi.json');
    const routes = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/uploads',
        'GET /api/v1/uploads/{id}/{name}',
        'PUT /api/v1/conversations/{id}/labels',
        'GET /api/v1/canned-replies',
        'POST /api/v1/canned-replies',
        'PATCH /api/v1/canned-replies/{id}',
        'DELETE /api/v1/canned-replies/{id}',
        'GET /api/v1/visitors/{id}',
        'GET /api/v1/widget/config',
        'POST /api/v1/widget/offline-message',
        'GET /api/v1/widget/conversations',
        'GET /api/v1/workspace/identity-secret',
        'GET /api/v1/webhooks',
        'POST /api/v1/webhooks',
        'DELETE /api/v1/webhooks/{id}',
      ]),
    );
    const upload = body.paths['/api/v1/uploads'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
    const send = body.paths['/api/v1/conversations/{id}/messages'].post;
    expect(Object.keys(send.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['attachments', 'private']),
    );
    const list = body.paths['/api/v1/conversations'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['visitorId', 'label', 'q']),
    );
    const session = body.paths['/api/v1/widget/session'].post;
    expect(Object.keys(session.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['userId', 'userHash']),
    );
  });
});
