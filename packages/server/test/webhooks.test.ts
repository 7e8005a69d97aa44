import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Webhooks: admin routes, signed deliveries to a real local receiver, retries, isolation. */

interface Delivery {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: { id: string; type: string; createdAt: string; data: any };
}

/**
 * A local receiver: records every request; `respond` picks each answer's status (by default
 * 200), or null to never answer.
 */
class Receiver {
  readonly deliveries: Delivery[] = [];
  respond: (delivery: Delivery) => number | null = () => 200;
  private readonly hanging: ServerResponse[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const delivery = { path: request.url ?? '', headers: request.headers, raw, body: JSON.parse(raw) };
        this.deliveries.push(delivery);
        const status = this.respond(delivery);
        if (status === null) this.hanging.push(response);
        else response.writeHead(status).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  of(path: string, type?: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path && (type === undefined || d.body.type === type));
  }

  async stop(): Promise<void> {
    for (const response of this.hanging.splice(0)) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let srv: TestServer;
let receiver: Receiver;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  srv = await startServer();
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
  await receiver.stop();
});

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

const ALL_EVENTS = ['conversation.created', 'conversation.updated', 'message.created'];

async function addWebhook(token: string, path: string, events = ALL_EVENTS) {
  const res = await api(srv.url, 'POST', '/api/v1/webhooks', {
    token,
    body: { url: `${receiver.url}${path}`, events },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.webhook as { id: string; url: string; events: string[]; secret: string };
}

const signatureOf = (secret: string, raw: string) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

describe('webhooks', () => {
  it('delivers signed events, retries after a 500 with the same event id, and stops once deleted', async () => {
    const admin = await login(srv.url);
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    const hook = await addWebhook(admin.token, '/hook');
    expect(hook).toEqual({
      id: expect.any(String),
      workspaceId: admin.agent.workspaceId,
      url: `${receiver.url}/hook`,
      events: ALL_EVENTS,
      secret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(String),
    });
    // The secret is shown once: the list leaves it out.
    const listed = await api(srv.url, 'GET', '/api/v1/webhooks', { token: admin.token });
    const { secret: _, ...shown } = hook;
    expect(listed.body.webhooks).toEqual([shown]);

    // The first delivery of a message fails with a 500; its retry succeeds.
    let failed = false;
    receiver.respond = (d) => {
      if (d.body.type === 'message.created' && !failed) {
        failed = true;
        return 500;
      }
      return 200;
    };

    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const created = await eventually(() => receiver.of('/hook', 'conversation.created')[0]);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'conversation.created',
      createdAt: expect.any(String),
      data: { conversation: visitor.conversation },
    });
    expect(created.headers['content-type']).toBe('application/json');
    expect(created.headers['x-unique-support-signature']).toBe(signatureOf(hook.secret, created.raw));
    expect(created.headers['x-unique-support-event']).toBe('conversation.created');
    expect(created.headers['x-unique-support-delivery']).toBe(created.body.id);

    const sent = await api(srv.url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/messages`, {
      token: visitor.token,
      body: { text: 'Where is my order?', clientMessageId: 'q1' },
    });
    expect(sent.status).toBe(201);
    const attempts = await eventually(() => {
      const got = receiver
        .of('/hook', 'message.created')
        .filter((d) => d.body.data.message.id === sent.body.message.id);
      return got.length >= 2 ? got : null;
    });
    expect(attempts[0]!.raw).toBe(attempts[1]!.raw);
    expect(attempts[1]!.body.id).toBe(attempts[0]!.body.id);
    expect(attempts[1]!.body.data.message).toEqual(sent.body.message);
    expect(attempts[1]!.headers['x-unique-support-signature']).toBe(
      signatureOf(hook.secret, attempts[1]!.raw),
    );
    // The bot's answer and the status changes come too.
    await eventually(() =>
      receiver.of('/hook', 'message.created').some((d) => d.body.data.message.author.type === 'bot'),
    );
    await api(srv.url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/handoff`, {
      token: visitor.token,
    });
    await eventually(() =>
      receiver.of('/hook', 'conversation.updated').some((d) => d.body.data.conversation.status === 'queued'),
    );
    await srv.server.webhookDispatcher.idle();
    // The retried message was delivered twice, everything else once.
    const ids = receiver.of('/hook').map((d) => d.body.id);
    expect(ids.length - new Set(ids).size).toBe(1);

    // Deleted: no more deliveries. A second webhook that stays is the barrier.
    const other = await addWebhook(admin.token, '/other', ['message.created']);
    expect((await api(srv.url, 'DELETE', `/api/v1/webhooks/${hook.id}`, { token: admin.token })).status).toBe(
      204,
    );
    expectError(
      await api(srv.url, 'DELETE', `/api/v1/webhooks/${hook.id}`, { token: admin.token }),
      404,
      'NOT_FOUND',
    );
    const before = receiver.of('/hook').length;
    const again = await api(srv.url, 'POST', `/api/v1/conversations/${visitor.conversation.id}/messages`, {
      token: visitor.token,
      body: { text: 'Hello?' },
    });
    const atOther = await eventually(() =>
      receiver.of('/other').find((d) => d.body.data.message.id === again.body.message.id),
    );
    expect(atOther.headers['x-unique-support-signature']).toBe(signatureOf(other.secret, atOther.raw));
    await srv.server.webhookDispatcher.idle();
    expect(receiver.of('/hook')).toHaveLength(before);
    expect(
      (await api(srv.url, 'GET', '/api/v1/webhooks', { token: admin.token })).body.webhooks,
    ).toHaveLength(1);
  });

  it('gives up after 3 retries; a hanging receiver times out and never holds up the chat', async () => {
    await srv.close();
    srv = await startServer({ WEBHOOK_TIMEOUT_MS: '200' });
    const admin = await login(srv.url);
    await api(srv.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const widgetKey = await widgetKeyOf(srv.url, admin.token);
    await addWebhook(admin.token, '/down', ['conversation.created']);
    await addWebhook(admin.token, '/hang', ['message.created']);
    receiver.respond = (d) => (d.path === '/down' ? 503 : null);

    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const ws = await TestSocket.connect(srv.wsUrl, visitor.token);
    sockets.push(ws);
    ws.send({
      type: 'message.send',
      conversationId: visitor.conversation.id,
      text: 'hi',
      clientMessageId: 'h1',
    });
    // Acked while the receiver still holds the delivery.
    await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === 'h1');
    await eventually(() => receiver.of('/hang').length >= 1);
    ws.send({
      type: 'message.send',
      conversationId: visitor.conversation.id,
      text: 'hi 2',
      clientMessageId: 'h2',
    });
    await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === 'h2');

    // 1 attempt + 3 retries (after a 503, or a timeout), then no more.
    await srv.server.webhookDispatcher.idle();
    expect(receiver.of('/down')).toHaveLength(4);
    expect(new Set(receiver.of('/down').map((d) => d.body.id)).size).toBe(1);
    const hung = receiver.of('/hang');
    expect(hung).toHaveLength(8);
    expect(new Set(hung.map((d) => d.body.id)).size).toBe(2);
  });

  it('only admins manage webhooks; bad input is 400; a workspace gets only its own events', async () => {
    const admin = await login(srv.url);
    const path = '/api/v1/webhooks';
    for (const body of [
      { url: 'ftp://example.com/hook', events: ['message.created'] },
      { url: 'not a url', events: ['message.created'] },
      { url: 'javascript:alert(1)', events: ['message.created'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'https://example.com/hook', events: ['message.deleted'] },
      { url: 'https://example.com/hook' },
      { events: ['message.created'] },
      { url: 'https://example.com/hook', events: ['message.created'], secret: 'mine' },
    ]) {
      expectError(await api(srv.url, 'POST', path, { token: admin.token, body }), 400, 'BAD_REQUEST');
    }
    const duplicates = await api(srv.url, 'POST', path, {
      token: admin.token,
      body: { url: 'https://example.com/hook', events: ['message.created', 'message.created'] },
    });
    expect(duplicates.body.webhook.events).toEqual(['message.created']);

    await api(srv.url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Plain', email: 'plain@test.local', password: 'agent-password' },
    });
    const plain = await login(srv.url, 'plain@test.local', 'agent-password');
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    for (const token of [plain.token, visitor.token]) {
      expectError(await api(srv.url, 'GET', path, { token }), 403, 'FORBIDDEN');
      expectError(
        await api(srv.url, 'POST', path, {
          token,
          body: { url: 'https://x.test/', events: ['message.created'] },
        }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await api(srv.url, 'DELETE', `${path}/${duplicates.body.webhook.id}`, { token }),
        403,
        'FORBIDDEN',
      );
    }

    // Workspace B: its own webhooks; A's are not found; A's events never reach B's hook.
    const signup = await api(srv.url, 'POST', '/api/v1/signup', {
      body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
    });
    const tokenB = signup.body.token as string;
    expect((await api(srv.url, 'GET', path, { token: tokenB })).body.webhooks).toEqual([]);
    expectError(
      await api(srv.url, 'DELETE', `${path}/${duplicates.body.webhook.id}`, { token: tokenB }),
      404,
      'NOT_FOUND',
    );
    await addWebhook(admin.token, '/a', ['conversation.created']);
    await addWebhook(tokenB, '/b', ['conversation.created']);
    const inA = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    const inB = await newVisitorConversation(srv.url, signup.body.workspace.widgetKey);
    await eventually(() =>
      receiver.of('/a').some((d) => d.body.data.conversation.id === inA.conversation.id),
    );
    await eventually(() =>
      receiver.of('/b').some((d) => d.body.data.conversation.id === inB.conversation.id),
    );
    await srv.server.webhookDispatcher.idle();
    expect(receiver.of('/a').map((d) => d.body.data.conversation.workspaceId)).toEqual([
      admin.agent.workspaceId,
    ]);
    expect(receiver.of('/b').map((d) => d.body.data.conversation.workspaceId)).toEqual([
      signup.body.agent.workspaceId,
    ]);
  });
});
