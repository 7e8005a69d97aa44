import { ERROR_CODES } from '@unique-support/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenService } from '../src/auth/tokens.ts';
import {
  ADMIN,
  eventually,
  JWT_SECRET,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';

/**
 * Every bad input gets a clear error in the contract's shape, never a 500, stores
 * nothing half, and leaves the WebSocket open where the contract says so.
 */

const servers: TestServer[] = [];
const sockets: TestSocket[] = [];
let srv: TestServer;
let admin: Awaited<ReturnType<typeof login>>;
let widgetKey: string;
let visitor: Awaited<ReturnType<typeof newVisitorConversation>>;
let conversationId: string;

async function start(env: Record<string, string> = {}) {
  const server = await startServer(env);
  servers.push(server);
  return server;
}

beforeEach(async () => {
  srv = await start();
  admin = await login(srv.url);
  widgetKey = await widgetKeyOf(srv.url, admin.token);
  visitor = await newVisitorConversation(srv.url, widgetKey);
  conversationId = visitor.conversation.id;
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Res {
  status: number;
  body: any;
  requestId: string | null;
}

/** Like the harness's `api`, plus the `x-request-id` header; `raw` is sent as is. */
async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
  } else if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, requestId: response.headers.get('x-request-id') };
}

/** The contract's error shape, with the status of its code and the request id in the header. */
function expectError(res: Res, status: number, code: keyof typeof ERROR_CODES): void {
  const context = `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  expect(res.status, context).toBe(status);
  expect(ERROR_CODES[code].status).toBe(status);
  expect(res.body, context).toMatchObject({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.requestId).toBeTruthy();
  expect(res.body.error.requestId).toBe(res.requestId);
}

/** What a bad request must not have changed: the conversation and its messages. */
async function snapshot(base = srv.url, id = conversationId, token = admin.token) {
  const conversation = await call(base, 'GET', `/api/v1/conversations/${id}`, { token });
  const messages = await call(base, 'GET', `/api/v1/conversations/${id}/messages?afterSeq=0`, { token });
  expect(conversation.status).toBe(200);
  expect(messages.status).toBe(200);
  const { status, lastSeq, assigneeId, rating, visitorReadSeq, agentReadSeq } =
    conversation.body.conversation;
  return {
    status,
    lastSeq,
    assigneeId,
    rating,
    visitorReadSeq,
    agentReadSeq,
    messages: messages.body.messages,
  };
}

const messagesPath = () => `/api/v1/conversations/${conversationId}/messages`;

async function connect(token: string, base = srv) {
  const socket = await TestSocket.connect(base.wsUrl, token);
  sockets.push(socket);
  return socket;
}

function raw(token: string | null) {
  const socket = TestSocket.raw(srv.wsUrl, token);
  sockets.push(socket);
  return socket;
}

/** Sends a frame and waits for the next error frame after it. */
async function sendForError(ws: TestSocket, frame: unknown) {
  const count = ws.frames.filter((f) => f.type === 'error').length;
  ws.send(frame);
  await eventually(() => ws.frames.filter((f) => f.type === 'error').length > count);
  return ws.frames.filter((f) => f.type === 'error')[count]!;
}

async function newAgent(email = 'plain-agent@test.local') {
  const created = await call(srv.url, 'POST', '/api/v1/agents', {
    token: admin.token,
    body: { name: 'Plain', email, password: 'agent-password' },
  });
  expect(created.status).toBe(201);
  return login(srv.url, email, 'agent-password');
}

describe('REST: malformed and mistyped bodies', () => {
  it('answers malformed JSON with 400 BAD_REQUEST on every JSON route, and stores nothing', async () => {
    const before = await snapshot();
    const json = { 'content-type': 'application/json' };
    const bodies = [
      '{"text": ',
      '{text: "hi"}',
      "{'text':'hi'}",
      '{"text":"hi",}',
      'nul',
      '[1,2',
      '\u0000',
      '{}}',
    ];
    for (const raw of bodies) {
      expectError(
        await call(srv.url, 'POST', messagesPath(), { token: visitor.token, raw, headers: json }),
        400,
        'BAD_REQUEST',
      );
    }
    const routes: [string, string, string | undefined][] = [
      ['POST', '/api/v1/auth/login', undefined],
      ['POST', '/api/v1/signup', undefined],
      ['POST', '/api/v1/widget/session', undefined],
      ['POST', '/api/v1/agents', admin.token],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, admin.token],
      ['POST', `/api/v1/conversations/${conversationId}/assign`, admin.token],
      ['POST', `/api/v1/conversations/${conversationId}/rating`, visitor.token],
    ];
    for (const [method, path, token] of routes) {
      const res = await call(srv.url, method, path, { token, raw: '{"broken": tru', headers: json });
      expectError(res, 400, 'BAD_REQUEST');
    }
    // An empty body that claims to be JSON.
    expectError(
      await call(srv.url, 'POST', messagesPath(), { token: visitor.token, raw: '', headers: json }),
      400,
      'BAD_REQUEST',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('rejects wrong types and missing fields of a message with 400, without coercing them', async () => {
    const before = await snapshot();
    const bad: unknown[] = [
      { text: 123, clientMessageId: 'n1' },
      { text: true },
      { text: null },
      { text: ['hi'] },
      { text: { value: 'hi' } },
      { clientMessageId: 'only-id' },
      {},
      { text: 'hi', clientMessageId: 5 },
      { text: 'hi', clientMessageId: '' },
      { text: 'hi', clientMessageId: 'x'.repeat(101) },
      [],
      ['hi'],
      'hi',
      42,
      null,
    ];
    for (const body of bad) {
      const res = await call(srv.url, 'POST', messagesPath(), { token: visitor.token, body });
      expectError(res, 400, 'BAD_REQUEST');
    }
    for (const body of bad.slice(0, 3)) {
      const res = await call(srv.url, 'POST', messagesPath(), { token: admin.token, body });
      expectError(res, 400, 'BAD_REQUEST');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a rating that is not an integer from 1 to 5, "5" included', async () => {
    const path = `/api/v1/conversations/${conversationId}/rating`;
    for (const body of [
      { score: '5' },
      { score: 9 },
      { score: 0 },
      { score: -1 },
      { score: 2.5 },
      { score: null },
      { score: true },
      {},
      { comment: 'no score' },
      { score: 4, comment: 7 },
      { score: 4, comment: 'x'.repeat(2001) },
    ]) {
      expectError(await call(srv.url, 'POST', path, { token: visitor.token, body }), 400, 'BAD_REQUEST');
    }
    expect((await snapshot()).rating).toBeNull();
    const ok = await call(srv.url, 'POST', path, { token: visitor.token, body: { score: 5 } });
    expect(ok.status).toBe(200);
    expect(ok.body.conversation.rating).toEqual({ score: 5, comment: null });
  });

  it('rejects mistyped bodies of the account, agent, widget and assign routes with 400', async () => {
    const agentsBefore = await call(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    const cases: [string, string, string | undefined, unknown][] = [
      ['POST', '/api/v1/auth/login', undefined, { email: ADMIN.email }],
      ['POST', '/api/v1/auth/login', undefined, { email: 5, password: ADMIN.password }],
      ['POST', '/api/v1/auth/login', undefined, { email: ADMIN.email, password: 12345678 }],
      ['POST', '/api/v1/widget/session', undefined, { widgetKey: 123 }],
      ['POST', '/api/v1/widget/session', undefined, {}],
      ['POST', '/api/v1/widget/session', undefined, { widgetKey, attributes: 'not an object' }],
      ['POST', '/api/v1/widget/session', undefined, { widgetKey, attributes: { nested: { deep: 1 } } }],
      [
        'POST',
        '/api/v1/agents',
        admin.token,
        { name: 'A', email: 'a@test.local', password: 'password1', maxConcurrent: '3' },
      ],
      ['POST', '/api/v1/agents', admin.token, { name: 'A', email: 'not-an-email', password: 'password1' }],
      [
        'POST',
        '/api/v1/agents',
        admin.token,
        { name: 'A', email: 'a@test.local', password: 'password1', role: 'owner' },
      ],
      ['POST', '/api/v1/agents', admin.token, { name: '', email: 'a@test.local', password: 'password1' }],
      ['POST', '/api/v1/agents', admin.token, { email: 'a@test.local', password: 'password1' }],
      ['POST', '/api/v1/agents', admin.token, { name: 'A', email: 'a@test.local', password: 'short' }],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, admin.token, {}],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, admin.token, { maxConcurrent: '2' }],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, admin.token, { maxConcurrent: -1 }],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, admin.token, { name: 42 }],
      ['POST', `/api/v1/conversations/${conversationId}/assign`, admin.token, { agentId: 5 }],
      ['POST', `/api/v1/conversations/${conversationId}/assign`, admin.token, {}],
      ['POST', '/api/v1/signup', undefined, { workspaceName: 'W', name: 'N', email: 'w@test.local' }],
      [
        'POST',
        '/api/v1/signup',
        undefined,
        { workspaceName: 1, name: 'N', email: 'w@test.local', password: 'password1' },
      ],
    ];
    for (const [method, path, token, body] of cases) {
      const res = await call(srv.url, method, path, { token, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expectError(res, 400, 'BAD_REQUEST');
    }
    // Nothing was created or changed by any of them.
    const agentsAfter = await call(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    expect(agentsAfter.body.agents).toEqual(agentsBefore.body.agents);
    expect(agentsAfter.body.agents).toHaveLength(1);
    expect(agentsAfter.body.agents[0]).toMatchObject({ role: 'admin', maxConcurrent: 5, name: 'Admin' });
    expect(await snapshot()).toMatchObject({ status: 'bot', assigneeId: null });
    expect(
      (
        await call(srv.url, 'POST', '/api/v1/auth/login', {
          body: { email: 'w@test.local', password: 'password1' },
        })
      ).status,
    ).toBe(401);
  });

  it('rejects bad query strings with 400 and an unknown widget key with 404', async () => {
    for (const [path, token] of [
      [`${messagesPath()}?afterSeq=x`, visitor.token],
      [`${messagesPath()}?afterSeq=-1`, visitor.token],
      [`${messagesPath()}?limit=0`, admin.token],
      [`${messagesPath()}?limit=100000`, admin.token],
      ['/api/v1/conversations?status=open', admin.token],
      ['/api/v1/conversations?limit=abc', admin.token],
      ['/api/v1/conversations?limit=201', admin.token],
    ] as const) {
      const res = await call(srv.url, 'GET', path, { token });
      expect(res.status, path).toBe(400);
      expectError(res, 400, 'BAD_REQUEST');
    }
    const tooManyAttributes = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expectError(
      await call(srv.url, 'POST', '/api/v1/widget/session', {
        body: { widgetKey, attributes: tooManyAttributes },
      }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await call(srv.url, 'POST', '/api/v1/widget/session', { body: { widgetKey: 'wk_unknown' } }),
      404,
      'NOT_FOUND',
    );
  });

  it('rejects a body that is not JSON with 400, and stores nothing', async () => {
    const before = await snapshot();
    for (const [contentType, raw] of [
      ['text/plain', '{"text":"hi","clientMessageId":"p1"}'],
      ['application/x-www-form-urlencoded', 'text=hi&clientMessageId=p2'],
      ['application/xml', '<text>hi</text>'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--x--',
      ],
    ] as const) {
      const res = await call(srv.url, 'POST', messagesPath(), {
        token: visitor.token,
        raw,
        headers: { 'content-type': contentType },
      });
      expectError(res, 400, 'BAD_REQUEST');
    }
    const login = await call(srv.url, 'POST', '/api/v1/auth/login', {
      raw: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
      headers: { 'content-type': 'text/plain' },
    });
    expectError(login, 400, 'BAD_REQUEST');
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await snapshot();
    const huge = JSON.stringify({ text: 'a'.repeat(1024 * 1024 + 16), clientMessageId: 'huge' });
    expectError(
      await call(srv.url, 'POST', messagesPath(), {
        token: visitor.token,
        raw: huge,
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const hugeLogin = JSON.stringify({ email: ADMIN.email, password: 'p'.repeat(1024 * 1024 + 16) });
    expectError(
      await call(srv.url, 'POST', '/api/v1/auth/login', {
        raw: hugeLogin,
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(await snapshot()).toEqual(before);
    expect((await call(srv.url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('REST: message text', () => {
  it('rejects text over the default 4000 characters with 413 and stores nothing', async () => {
    const before = await snapshot();
    for (const token of [visitor.token, admin.token]) {
      const res = await call(srv.url, 'POST', messagesPath(), {
        token,
        body: { text: 'x'.repeat(4001), clientMessageId: 'long' },
      });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    }
    expect(await snapshot()).toEqual(before);
    expect(before).toMatchObject({ lastSeq: 0, messages: [] });

    // The same clientMessageId was never stored: a valid message with it is new.
    const atLimit = await call(srv.url, 'POST', messagesPath(), {
      token: visitor.token,
      body: { text: 'y'.repeat(4000), clientMessageId: 'long' },
    });
    expect(atLimit.status).toBe(201);
    expect(atLimit.body.message).toMatchObject({ seq: 1, clientMessageId: 'long' });
    expect(atLimit.body.message.text).toHaveLength(4000);
  });

  it('moves the limit with MAX_TEXT_LENGTH', async () => {
    const small = await start({ MAX_TEXT_LENGTH: '10' });
    const smallAdmin = await login(small.url);
    const v = await newVisitorConversation(small.url, await widgetKeyOf(small.url, smallAdmin.token));
    const path = `/api/v1/conversations/${v.conversation.id}/messages`;

    const over = await call(small.url, 'POST', path, {
      token: v.token,
      body: { text: '12345678901', clientMessageId: 'o' },
    });
    expectError(over, 413, 'PAYLOAD_TOO_LARGE');
    expect(over.body.error.message).toContain('10');
    const after = await snapshot(small.url, v.conversation.id, smallAdmin.token);
    expect(after).toMatchObject({ lastSeq: 0, messages: [] });

    const exact = await call(small.url, 'POST', path, {
      token: v.token,
      body: { text: '1234567890', clientMessageId: 'e' },
    });
    expect(exact.status).toBe(201);
    expect(exact.body.message).toMatchObject({ seq: 1, text: '1234567890' });

    // The default server still takes 11 characters.
    const normal = await call(srv.url, 'POST', messagesPath(), {
      token: visitor.token,
      body: { text: '12345678901', clientMessageId: 'n' },
    });
    expect(normal.status).toBe(201);
  });

  it('rejects empty and whitespace-only text with 400', async () => {
    const before = await snapshot();
    for (const text of ['', ' ', '   ', '\n\t \r\n', '\u00a0\u2003\u3000']) {
      for (const token of [visitor.token, admin.token]) {
        const res = await call(srv.url, 'POST', messagesPath(), {
          token,
          body: { text, clientMessageId: 'blank' },
        });
        expectError(res, 400, 'BAD_REQUEST');
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('REST: unknown ids and routes', () => {
  it('answers an unknown conversation id with 404 NOT_FOUND on every conversation route', async () => {
    const id = 'cv_doesnotexist';
    const cases: [string, string, string, unknown][] = [
      ['GET', `/api/v1/conversations/${id}`, admin.token, undefined],
      ['GET', `/api/v1/conversations/${id}`, visitor.token, undefined],
      ['GET', `/api/v1/conversations/${id}/messages`, admin.token, undefined],
      ['GET', `/api/v1/conversations/${id}/messages?afterSeq=0&limit=5`, visitor.token, undefined],
      ['POST', `/api/v1/conversations/${id}/messages`, visitor.token, { text: 'hi', clientMessageId: 'u1' }],
      ['POST', `/api/v1/conversations/${id}/messages`, admin.token, { text: 'hi', clientMessageId: 'u2' }],
      ['POST', `/api/v1/conversations/${id}/handoff`, visitor.token, undefined],
      ['POST', `/api/v1/conversations/${id}/handoff`, admin.token, undefined],
      ['POST', `/api/v1/conversations/${id}/assign`, admin.token, { agentId: admin.agent.id }],
      ['POST', `/api/v1/conversations/${id}/resolve`, admin.token, undefined],
      ['POST', `/api/v1/conversations/${id}/rating`, visitor.token, { score: 3 }],
    ];
    for (const [method, path, token, body] of cases) {
      const res = await call(srv.url, method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expectError(res, 404, 'NOT_FOUND');
    }
  });

  it('answers an unknown agent id with 404 NOT_FOUND and changes nothing', async () => {
    const before = await snapshot();
    const assign = await call(srv.url, 'POST', `/api/v1/conversations/${conversationId}/assign`, {
      token: admin.token,
      body: { agentId: 'ag_nope' },
    });
    expectError(assign, 404, 'NOT_FOUND');
    const patch = await call(srv.url, 'PATCH', '/api/v1/agents/ag_nope', {
      token: admin.token,
      body: { name: 'Ghost' },
    });
    expectError(patch, 404, 'NOT_FOUND');
    expect(await snapshot()).toEqual(before);
    const agents = await call(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    expect(agents.body.agents.map((a: { name: string }) => a.name)).toEqual(['Admin']);
  });

  it('answers a badly encoded URL with 400 in the contract shape', async () => {
    for (const path of [
      '/api/v1/conversations/%',
      '/api/v1/conversations/%zz/messages',
      '/api/v1/conversations/%E0%A4%A',
      '/api/v1/conversations/%ED%A0%80', // a lone surrogate
    ]) {
      const res = await call(srv.url, 'GET', path, { token: admin.token });
      expectError(res, 400, 'BAD_REQUEST');
    }
    const patch = await call(srv.url, 'PATCH', '/api/v1/agents/%C0%AF', {
      token: admin.token,
      body: { name: 'x' },
    });
    expectError(patch, 400, 'BAD_REQUEST');
  });

  it('answers an id longer than ids can be with 400 in the contract shape, however long', async () => {
    for (const length of [65, 100, 101, 500, 4000]) {
      const id = 'c'.repeat(length);
      for (const [method, path, body] of [
        ['GET', `/api/v1/conversations/${id}`, undefined],
        ['GET', `/api/v1/conversations/${id}/messages`, undefined],
        ['POST', `/api/v1/conversations/${id}/messages`, { text: 'hi', clientMessageId: 'long-id' }],
        ['PATCH', `/api/v1/agents/${id}`, { name: 'x' }],
      ] as const) {
        const res = await call(srv.url, method, path, { token: admin.token, body });
        expect(res.status, `${method} ${length} chars`).toBe(400);
        expectError(res, 400, 'BAD_REQUEST');
      }
    }
    expect((await snapshot()).lastSeq).toBe(0);
  });

  it('answers an unknown route or method with 404 in the same shape', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nope'],
      ['POST', '/api/v1/nope'],
      ['GET', '/nope?x=1'],
      ['DELETE', `/api/v1/conversations/${conversationId}`],
      ['PUT', '/api/v1/agents'],
      ['GET', '/api/v2/conversations'],
    ]) {
      const res = await call(srv.url, method!, path!, { token: admin.token });
      expectError(res, 404, 'NOT_FOUND');
    }
  });
});

describe('REST: authentication and authorization', () => {
  it('answers a missing, malformed, forged, expired or orphaned token with 401', async () => {
    const subject = { type: 'agent' as const, id: admin.agent.id, workspaceId: admin.agent.workspaceId };
    const forged = await new TokenService('another-secret-that-is-not-the-servers').sign(subject);
    const expired = await new TokenService(JWT_SECRET).sign(subject, -60);
    const expiredVisitor = await new TokenService(JWT_SECRET).sign(
      { type: 'visitor', id: visitor.visitorId, workspaceId: admin.agent.workspaceId },
      -60,
    );
    const orphan = await new TokenService(JWT_SECRET).sign({ ...subject, id: 'ag_gone' });
    const [header, payload] = admin.token.split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ typ: 'agent', ws: 'w', sub: 'x' })).toString('base64url')}.${admin.token.split('.')[2]}`;
    const bad: [string, Record<string, string>][] = [
      ['none', {}],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['other scheme', { authorization: `Token ${admin.token}` }],
      ['garbage', { authorization: 'Bearer not-a-token' }],
      ['three garbage parts', { authorization: 'Bearer a.b.c' }],
      ['forged', { authorization: `Bearer ${forged}` }],
      ['expired', { authorization: `Bearer ${expired}` }],
      ['expired visitor', { authorization: `Bearer ${expiredVisitor}` }],
      ['orphan', { authorization: `Bearer ${orphan}` }],
      ['alg none', { authorization: `Bearer ${unsigned}` }],
      ['tampered payload', { authorization: `Bearer ${tampered}` }],
    ];
    const routes: [string, string, unknown][] = [
      ['GET', '/api/v1/me', undefined],
      ['GET', '/api/v1/agents', undefined],
      ['GET', '/api/v1/conversations', undefined],
      ['POST', '/api/v1/conversations', undefined],
      ['GET', `/api/v1/conversations/${conversationId}`, undefined],
      ['POST', `/api/v1/conversations/${conversationId}/messages`, { text: 'hi', clientMessageId: 'auth' }],
      ['POST', `/api/v1/conversations/${conversationId}/resolve`, undefined],
    ];
    const before = await snapshot();
    for (const [name, headers] of bad) {
      for (const [method, path, body] of routes) {
        const res = await call(srv.url, method, path, { headers, body });
        expect(res.status, `${name}: ${method} ${path}`).toBe(401);
        expectError(res, 401, 'UNAUTHORIZED');
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers a visitor token on agent-only routes with 403 and changes nothing', async () => {
    const before = await snapshot();
    const cases: [string, string, unknown][] = [
      ['GET', '/api/v1/me', undefined],
      ['GET', '/api/v1/conversations', undefined],
      ['GET', '/api/v1/conversations?status=bot', undefined],
      ['POST', `/api/v1/conversations/${conversationId}/resolve`, undefined],
      ['POST', `/api/v1/conversations/${conversationId}/assign`, { agentId: admin.agent.id }],
      ['GET', '/api/v1/agents', undefined],
      ['POST', '/api/v1/agents', { name: 'V', email: 'v@test.local', password: 'password1' }],
      ['PATCH', `/api/v1/agents/${admin.agent.id}`, { name: 'Hijacked' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(srv.url, method, path, { token: visitor.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expectError(res, 403, 'FORBIDDEN');
    }
    expect(await snapshot()).toEqual(before);
    const agents = await call(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    expect(agents.body.agents.map((a: { name: string }) => a.name)).toEqual(['Admin']);
  });

  it('answers an agent who is not an admin creating or changing agents with 403', async () => {
    const plain = await newAgent();
    const create = await call(srv.url, 'POST', '/api/v1/agents', {
      token: plain.token,
      body: { name: 'Sneaky', email: 'sneaky@test.local', password: 'password1' },
    });
    expectError(create, 403, 'FORBIDDEN');
    const promote = await call(srv.url, 'PATCH', `/api/v1/agents/${plain.agent.id}`, {
      token: plain.token,
      body: { role: 'admin' },
    });
    expectError(promote, 403, 'FORBIDDEN');
    const agents = await call(srv.url, 'GET', '/api/v1/agents', { token: plain.token });
    expect(agents.status).toBe(200);
    expect(agents.body.agents).toHaveLength(2);
    expect(agents.body.agents.find((a: { id: string }) => a.id === plain.agent.id).role).toBe('agent');
    expect(
      (
        await call(srv.url, 'POST', '/api/v1/auth/login', {
          body: { email: 'sneaky@test.local', password: 'password1' },
        })
      ).status,
    ).toBe(401);
  });

  it('answers a duplicate agent e-mail with 409 CONFLICT, in any case and through signup', async () => {
    await newAgent('dup@test.local');
    for (const email of ['dup@test.local', 'DUP@Test.Local', ADMIN.email]) {
      const res = await call(srv.url, 'POST', '/api/v1/agents', {
        token: admin.token,
        body: { name: 'Again', email, password: 'password1' },
      });
      expectError(res, 409, 'CONFLICT');
      const signup = await call(srv.url, 'POST', '/api/v1/signup', {
        body: { workspaceName: 'Copycat', name: 'Again', email, password: 'password1' },
      });
      expectError(signup, 409, 'CONFLICT');
    }
    const agents = await call(srv.url, 'GET', '/api/v1/agents', { token: admin.token });
    expect(agents.body.agents).toHaveLength(2);
  });

  it('answers concurrent creations of the same e-mail with one 201 and 409s, never a 500', async () => {
    const results = await Promise.all(
      [0, 1, 2].map((i) =>
        call(srv.url, 'POST', '/api/v1/agents', {
          token: admin.token,
          body: { name: `Racer ${i}`, email: 'race@test.local', password: 'password1' },
        }),
      ),
    );
    const signups = await Promise.all(
      [0, 1].map((i) =>
        call(srv.url, 'POST', '/api/v1/signup', {
          body: {
            workspaceName: `Race ${i}`,
            name: 'Racer',
            email: 'race-signup@test.local',
            password: 'password1',
          },
        }),
      ),
    );
    for (const group of [results, signups]) {
      const statuses = group.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(group.map((r) => r.body))).toEqual([
        201,
        ...Array(group.length - 1).fill(409),
      ]);
      for (const res of group.filter((r) => r.status !== 201)) expectError(res, 409, 'CONFLICT');
    }
  });

  it('answers a wrong password or an unknown e-mail with 401', async () => {
    for (const body of [
      { email: ADMIN.email, password: 'wrong-password' },
      { email: ADMIN.email, password: `${ADMIN.password} ` },
      { email: 'nobody@test.local', password: ADMIN.password },
    ]) {
      const res = await call(srv.url, 'POST', '/api/v1/auth/login', { body });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.body).not.toHaveProperty('token');
    }
  });
});

describe('REST: login rate limit', () => {
  it('answers the 11th login in a minute with 429 RATE_LIMITED by default, even with the right password', async () => {
    const fresh = await start();
    for (let i = 0; i < 10; i++) {
      const res = await call(fresh.url, 'POST', '/api/v1/auth/login', {
        body: { email: ADMIN.email, password: 'wrong-password' },
      });
      expectError(res, 401, 'UNAUTHORIZED');
    }
    const limited = await call(fresh.url, 'POST', '/api/v1/auth/login', {
      body: { email: ADMIN.email, password: ADMIN.password },
    });
    expectError(limited, 429, 'RATE_LIMITED');
    // Other routes are not limited.
    expect((await call(fresh.url, 'GET', '/healthz')).status).toBe(200);
    expect(
      (await call(fresh.url, 'POST', '/api/v1/widget/session', { body: { widgetKey: 'wk_nope' } })).status,
    ).toBe(404);
  });

  it('follows LOGIN_RATE_LIMIT', async () => {
    const strict = await start({ LOGIN_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i++) {
      const ok = await call(strict.url, 'POST', '/api/v1/auth/login', {
        body: { email: ADMIN.email, password: ADMIN.password },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.token).toEqual(expect.any(String));
      expect(ok.requestId).toBeTruthy();
    }
    for (let i = 0; i < 2; i++) {
      const res = await call(strict.url, 'POST', '/api/v1/auth/login', {
        body: { email: ADMIN.email, password: ADMIN.password },
      });
      expectError(res, 429, 'RATE_LIMITED');
    }
  });
});

describe('REST: signup', () => {
  it('is refused with 403 when SIGNUP_ENABLED is false, and creates nothing', async () => {
    const closed = await start({ SIGNUP_ENABLED: 'false' });
    const body = { workspaceName: 'Acme', name: 'Ann', email: 'ann@acme.test', password: 'ann-password' };
    expectError(await call(closed.url, 'POST', '/api/v1/signup', { body }), 403, 'FORBIDDEN');
    const loginAttempt = await call(closed.url, 'POST', '/api/v1/auth/login', {
      body: { email: body.email, password: body.password },
    });
    expectError(loginAttempt, 401, 'UNAUTHORIZED');
  });

  it('creates a workspace and its admin with 201 when enabled; a short password is 400 and stores nothing', async () => {
    const body = { workspaceName: 'Acme', name: 'Ann', email: 'Ann@Acme.test', password: 'short' };
    const short = await call(srv.url, 'POST', '/api/v1/signup', { body });
    expectError(short, 400, 'BAD_REQUEST');
    expect(short.body.error.message).toMatch(/password/i);

    const created = await call(srv.url, 'POST', '/api/v1/signup', {
      body: { ...body, password: 'ann-password' },
    });
    expect(created.status).toBe(201);
    expect(created.requestId).toBeTruthy();
    expect(created.body).toMatchObject({
      token: expect.any(String),
      agent: { name: 'Ann', email: 'ann@acme.test', role: 'admin' },
      workspace: { name: 'Acme', widgetKey: expect.any(String) },
    });
    expect(created.body.agent.workspaceId).toBe(created.body.workspace.id);
    expect(created.body.workspace.id).not.toBe(admin.agent.workspaceId);
    expect(created.body.agent).not.toHaveProperty('passwordHash');
    const me = await call(srv.url, 'GET', '/api/v1/me', { token: created.body.token });
    expect(me.status).toBe(200);
    expect(me.body.workspace.id).toBe(created.body.workspace.id);

    const invalid = await call(srv.url, 'POST', '/api/v1/signup', {
      body: {
        workspaceName: 'Acme',
        name: 'Ann',
        email: 'ann@acme.test',
        password: 'ann-password',
        extra: 1,
      },
    });
    expectError(invalid, 400, 'BAD_REQUEST');
  });
});

describe('REST: request ids', () => {
  it('puts an x-request-id header on every response, equal to error.requestId on errors', async () => {
    const responses = [
      await call(srv.url, 'GET', '/healthz'),
      await call(srv.url, 'GET', '/api/v1/me', { token: admin.token }),
      await call(srv.url, 'GET', '/api/v1/openapi.json'),
      await call(srv.url, 'POST', messagesPath(), {
        token: visitor.token,
        body: { text: 'hello', clientMessageId: 'r1' },
      }),
    ];
    for (const res of responses) expect(res.status).toBeLessThan(300);
    const ids = responses.map((r) => r.requestId);
    for (const id of ids) expect(id).toMatch(/\S/);
    expect(new Set(ids).size).toBe(ids.length);

    const errors = [
      await call(srv.url, 'GET', '/api/v1/nope'),
      await call(srv.url, 'GET', '/api/v1/me'),
      await call(srv.url, 'GET', '/api/v1/agents', { token: visitor.token }),
      await call(srv.url, 'POST', messagesPath(), { token: visitor.token, body: { text: 1 } }),
    ];
    for (const res of errors) {
      expect(res.requestId).toBeTruthy();
      expect(res.body.error.requestId).toBe(res.requestId);
    }
    // A sane request id of the caller is kept.
    const traced = await call(srv.url, 'GET', '/api/v1/nope', { headers: { 'x-request-id': 'trace-123' } });
    expectError(traced, 404, 'NOT_FOUND');
    expect(traced.requestId).toBe('trace-123');
  });
});

describe('WebSocket: bad frames', () => {
  it('answers malformed JSON with an error frame (ref null) and keeps answering ping', async () => {
    const ws = await connect(visitor.token);
    for (const text of ['{"type": ', 'not json', '{type:"ping"}', '']) {
      const error = await sendForError(ws, text);
      expect(error).toMatchObject({
        type: 'error',
        code: 'BAD_REQUEST',
        ref: null,
        message: expect.any(String),
      });
      await ws.roundTrip();
    }
    expect(ws.frames.filter((f) => f.type === 'error')).toHaveLength(4);
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
  });

  it('answers unknown frame types and non-objects with an error naming the frame', async () => {
    const ws = await connect(admin.token);
    const cases: [unknown, string | null][] = [
      [{ type: 'nope' }, 'nope'],
      [{ type: 'message.delete', conversationId }, 'message.delete'],
      [{ type: '__proto__' }, '__proto__'],
      [{ type: 'toString' }, 'toString'],
      [{ type: 'hasOwnProperty' }, 'hasOwnProperty'],
      [{ type: 42 }, null],
      [{}, null],
      [[], null],
      [42, null],
      [null, null],
      ['ping', null],
    ];
    for (const [frame, ref] of cases) {
      const count = ws.frames.filter((f) => f.type === 'error').length;
      const error = await sendForError(ws, JSON.stringify(frame));
      expect(error, JSON.stringify(frame)).toMatchObject({ code: 'BAD_REQUEST', ref });
      await ws.roundTrip();
      expect(ws.frames.filter((f) => f.type === 'error')).toHaveLength(count + 1);
    }
  });

  it('answers frames with wrong field types with BAD_REQUEST and stores nothing', async () => {
    const ws = await connect(visitor.token);
    const before = await snapshot();
    const cases: [unknown, string][] = [
      [{ type: 'subscribe', conversationId, lastSeq: 'x' }, 'subscribe'],
      [{ type: 'subscribe', conversationId, lastSeq: -1 }, 'subscribe'],
      [{ type: 'subscribe', conversationId: 7 }, 'subscribe'],
      [{ type: 'subscribe' }, 'subscribe'],
      [{ type: 'typing', conversationId, isTyping: 'yes' }, 'typing'],
      [{ type: 'typing', conversationId }, 'typing'],
      [{ type: 'read', conversationId, seq: '1' }, 'read'],
      [{ type: 'read', conversationId, seq: 1.5 }, 'read'],
      [{ type: 'message.send', conversationId, text: 'no id' }, 'message.send'],
      [{ type: 'message.send', conversationId, text: 'hi', clientMessageId: 9 }, 'message.send'],
      // An empty clientMessageId names nothing: the ref falls back to the frame type.
      [{ type: 'message.send', conversationId, text: 'hi', clientMessageId: '' }, 'message.send'],
      [{ type: 'message.send', conversationId, text: 123, clientMessageId: 'w1' }, 'w1'],
      [{ type: 'message.send', conversationId, clientMessageId: 'w2' }, 'w2'],
      [{ type: 'message.send', text: 'hi', clientMessageId: 'w3' }, 'w3'],
      [{ type: 'presence', status: 'online' }, 'presence'],
    ];
    for (const [frame, ref] of cases) {
      const error = await sendForError(ws, frame);
      const expected = ref === 'presence' ? 'FORBIDDEN' : 'BAD_REQUEST';
      expect(error, JSON.stringify(frame)).toMatchObject({ code: expected, ref });
    }
    await ws.roundTrip();
    expect(ws.frames.some((f) => f.type === 'message.ack' || f.type === 'subscribed')).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('answers text over the limit or blank text with an error ref clientMessageId, stores nothing, stays open', async () => {
    const ws = await connect(visitor.token);
    const before = await snapshot();
    ws.send({ type: 'message.send', conversationId, text: 'x'.repeat(4001), clientMessageId: 'big-1' });
    const tooLarge = await ws.next((f) => f.type === 'error' && f.ref === 'big-1');
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');
    // Large but under the 1 MiB hard frame limit: still an error frame, not a close.
    ws.send({ type: 'message.send', conversationId, text: 'y'.repeat(900 * 1024), clientMessageId: 'big-2' });
    expect((await ws.next((f) => f.type === 'error' && f.ref === 'big-2')).code).toBe('PAYLOAD_TOO_LARGE');
    ws.send({ type: 'message.send', conversationId, text: ' \n ', clientMessageId: 'blank-1' });
    expect((await ws.next((f) => f.type === 'error' && f.ref === 'blank-1')).code).toBe('BAD_REQUEST');
    await ws.roundTrip();
    expect(await snapshot()).toEqual(before);
    expect(ws.frames.some((f) => f.type === 'message.ack')).toBe(false);

    // Still usable: the same clientMessageId now stores a message.
    ws.send({ type: 'message.send', conversationId, text: 'fits', clientMessageId: 'big-1' });
    const ack = await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === 'big-1');
    expect(ack.message).toMatchObject({ seq: 1, text: 'fits' });
  });

  it('follows MAX_TEXT_LENGTH over the socket too', async () => {
    const small = await start({ MAX_TEXT_LENGTH: '10' });
    const smallAdmin = await login(small.url);
    const v = await newVisitorConversation(small.url, await widgetKeyOf(small.url, smallAdmin.token));
    const ws = await connect(v.token, small);
    ws.send({
      type: 'message.send',
      conversationId: v.conversation.id,
      text: '12345678901',
      clientMessageId: 'o',
    });
    expect((await ws.next((f) => f.type === 'error' && f.ref === 'o')).code).toBe('PAYLOAD_TOO_LARGE');
    ws.send({
      type: 'message.send',
      conversationId: v.conversation.id,
      text: '1234567890',
      clientMessageId: 'e',
    });
    expect((await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === 'e')).message.seq).toBe(1);
  });

  it('closes the socket with 1009 on a frame over 1 MiB', async () => {
    const ws = await connect(visitor.token);
    const before = await snapshot();
    ws.send({ type: 'message.send', conversationId, text: 'z'.repeat(1024 * 1024), clientMessageId: 'huge' });
    const { code } = await ws.closed;
    expect(code).toBe(1009);
    expect(await snapshot()).toEqual(before);
    // The server is fine and takes new connections.
    const again = await connect(visitor.token);
    await again.roundTrip();
  });

  it('answers a binary frame with an error frame and stays open', async () => {
    const ws = await connect(visitor.token);
    ws.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    const error = await ws.next((f) => f.type === 'error');
    expect(error).toMatchObject({ code: 'BAD_REQUEST', ref: null });
    expect(ws.frames.some((f) => f.type === 'pong')).toBe(false);
    await ws.roundTrip();
  });

  it('closes with 4401 for a missing, garbage, forged or expired token, before any hello', async () => {
    const subject = { type: 'agent' as const, id: admin.agent.id, workspaceId: admin.agent.workspaceId };
    const tokens: (string | null)[] = [
      null,
      '',
      'garbage',
      'a.b.c',
      await new TokenService('another-secret-that-is-not-the-servers').sign(subject),
      await new TokenService(JWT_SECRET).sign(subject, -60),
      await new TokenService(JWT_SECRET).sign(
        { type: 'visitor', id: visitor.visitorId, workspaceId: admin.agent.workspaceId },
        -60,
      ),
      await new TokenService(JWT_SECRET).sign({ ...subject, id: 'ag_gone' }),
    ];
    for (const token of tokens) {
      const ws = raw(token);
      // Frames sent before authentication must not be answered either.
      ws.ws.once('open', () => ws.send({ type: 'ping' }));
      const { code } = await ws.closed;
      expect(code, String(token)).toBe(4401);
      expect(ws.frames).toEqual([]);
    }
  });

  it('answers an unknown conversation id with NOT_FOUND on subscribe, message.send, typing and read', async () => {
    for (const token of [visitor.token, admin.token]) {
      const ws = await connect(token);
      const id = 'cv_doesnotexist';
      ws.send({ type: 'subscribe', conversationId: id, lastSeq: 0 });
      ws.send({ type: 'message.send', conversationId: id, text: 'hello?', clientMessageId: 'lost-1' });
      ws.send({ type: 'typing', conversationId: id, isTyping: true });
      ws.send({ type: 'read', conversationId: id, seq: 1 });
      for (const ref of ['subscribe', 'lost-1', 'typing', 'read']) {
        const error = await ws.next((f) => f.type === 'error' && f.ref === ref);
        expect(error.code, ref).toBe('NOT_FOUND');
      }
      await ws.roundTrip();
      expect(ws.frames.some((f) => f.type === 'subscribed' || f.type === 'message.ack')).toBe(false);
    }
  });
});
