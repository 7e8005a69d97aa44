import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StubServer, startStubServer } from '@unique-support/llm-stub';
import type { Message } from '@unique-support/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seedHelpCenter } from '../../server/src/bot/retrieval/fixtures/help-center.ts';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from '../../server/test/harness.ts';
import { backoffDelay, type Client, ClientError, createClient } from './create-client.ts';

/**
 * A TCP proxy between the client and a real server, standing in for the network: it can
 * cut every connection, refuse new ones, swallow what the server sends, or point at
 * another server (a restart).
 */
async function startProxy(initialTarget: string) {
  let target = new URL(initialTarget);
  let refusing = false;
  let muted = false;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const frozen = new WeakSet<Socket>();
  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) return void client.destroy();
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        // A frozen link stays open on the client's side even when the server drops it.
        if (s === upstream && frozen.has(client)) return;
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data) => {
      if (!frozen.has(client)) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!muted && !frozen.has(client)) client.write(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    /** Drops every open connection (the network went away). */
    cut() {
      for (const s of sockets) s.destroy();
    },
    /** Open connections go silent both ways but stay open (a dead link nobody closes). */
    freeze() {
      for (const s of sockets) frozen.add(s);
    },
    refuse(value: boolean) {
      refusing = value;
    },
    /** Stops forwarding server → client bytes (acks get lost). */
    mute(value: boolean) {
      muted = value;
    },
    retarget(url: string) {
      target = new URL(url);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type Proxy = Awaited<ReturnType<typeof startProxy>>;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(env: Record<string, string> = {}) {
  const srv = await startServer(env);
  cleanups.push(() => srv.close());
  const admin = await login(srv.url);
  const widgetKey = await widgetKeyOf(srv.url, admin.token);
  return { srv, admin, widgetKey };
}

async function proxyTo(url: string): Promise<Proxy> {
  const proxy = await startProxy(url);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function agentSocket(srv: TestServer, token: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(srv.wsUrl, token);
  cleanups.push(() => socket.close());
  return socket;
}

/** A client with fast retries (tests wait for conditions, so short delays only save time). */
function client(
  serverUrl: string,
  token: string,
): { client: Client; messages: Message[]; statuses: string[] } {
  const c = createClient({ serverUrl, token, WebSocket, minDelayMs: 20, maxDelayMs: 200 });
  cleanups.push(() => c.close());
  const messages: Message[] = [];
  const statuses: string[] = [];
  c.on('message', (m) => messages.push(m));
  c.on('status', (s) => statuses.push(s));
  return { client: c, messages, statuses };
}

async function storedMessages(base: string, token: string, conversationId: string): Promise<Message[]> {
  const { body } = await api(base, 'GET', `/api/v1/conversations/${conversationId}/messages?limit=1000`, {
    token,
  });
  return body.messages;
}

async function agentSends(agent: TestSocket, conversationId: string, prefix: string, count: number) {
  for (let i = 1; i <= count; i++) {
    const clientMessageId = `${prefix}-${i}`;
    agent.send({ type: 'message.send', conversationId, text: `${prefix} ${i}`, clientMessageId });
    await agent.next((f) => f.type === 'message.ack' && f.clientMessageId === clientMessageId);
  }
}

const seqs = (messages: Message[]) => messages.map((m) => m.seq);

describe('createClient', () => {
  it('connects, replays, streams live messages and resolves sends with their ack', async () => {
    const { srv, admin, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const agent = await agentSocket(srv, admin.token);
    await agentSends(agent, conversationId, 'before', 2);

    const { client: c, messages, statuses } = client(srv.url, visitor.token);
    c.subscribe(conversationId);
    await eventually(() => messages.length === 2);
    expect(statuses).toEqual(['online']);

    const stored = await c.send(conversationId, 'hello from the client');
    expect(stored.text).toBe('hello from the client');
    expect(stored.author.type).toBe('visitor');
    await eventually(() => messages.some((m) => m.id === stored.id));
    await agentSends(agent, conversationId, 'after', 1);
    await eventually(() => messages.some((m) => m.text === 'after 1'));
    expect(seqs(messages)).toEqual(seqs(await storedMessages(srv.url, visitor.token, conversationId)));
    expect(c.lastSeq(conversationId)).toBe(messages.at(-1)!.seq);
  });

  it('reconnects after the network drops and resumes without gaps or duplicates', async () => {
    const { srv, admin, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const agent = await agentSocket(srv, admin.token);
    const proxy = await proxyTo(srv.url);
    const { client: c, messages, statuses } = client(proxy.url, visitor.token);
    c.subscribe(conversationId);
    await agentSends(agent, conversationId, 'one', 3);
    await eventually(() => messages.length === 3);

    for (let round = 0; round < 3; round++) {
      proxy.refuse(true);
      proxy.cut();
      await eventually(() => c.status !== 'online');
      // Written while the visitor is away: the resume must bring exactly these.
      await agentSends(agent, conversationId, `away${round}`, 4);
      const sent = c.send(conversationId, `queued while offline ${round}`);
      proxy.refuse(false);
      const acked = await sent;
      await eventually(() => messages.some((m) => m.id === acked.id));
    }

    const stored = await storedMessages(srv.url, visitor.token, conversationId);
    expect(seqs(messages)).toEqual(seqs(stored));
    expect(new Set(seqs(messages)).size).toBe(messages.length);
    expect(stored.filter((m) => m.text.startsWith('queued while offline'))).toHaveLength(3);
    expect(statuses.filter((s) => s === 'online').length).toBeGreaterThanOrEqual(4);
  });

  it('keeps an agent away across reconnects', async () => {
    const { srv, admin } = await world();
    const proxy = await proxyTo(srv.url);
    const { client: c } = client(proxy.url, admin.token);
    await eventually(() => c.status === 'online');
    c.presence('away');
    const statusOf = async () =>
      (await api(srv.url, 'GET', '/api/v1/agents', { token: admin.token })).body.agents[0].status;
    await eventually(async () => (await statusOf()) === 'away');
    proxy.cut();
    await eventually(() => c.status !== 'online');
    await eventually(() => c.status === 'online');
    await eventually(async () => (await statusOf()) === 'away');
    c.presence('online');
    await eventually(async () => (await statusOf()) === 'online');
  });

  it('resends an unacked message after a reconnect; the server stores it once', async () => {
    const { srv, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const proxy = await proxyTo(srv.url);
    const { client: c } = client(proxy.url, visitor.token);
    c.subscribe(conversationId);
    await eventually(() => c.status === 'online');

    // The frame reaches the server, the ack never comes back, then the link dies.
    proxy.mute(true);
    let settled = false;
    const sent = c.send(conversationId, 'ack lost', { clientMessageId: 'lost-ack-1' });
    sent.finally(() => {
      settled = true;
    });
    await eventually(async () =>
      (await storedMessages(srv.url, visitor.token, conversationId)).some((m) => m.text === 'ack lost'),
    );
    expect(settled).toBe(false);
    proxy.cut();
    proxy.mute(false);

    const message = await sent;
    expect(message.clientMessageId).toBe('lost-ack-1');
    const stored = await storedMessages(srv.url, visitor.token, conversationId);
    expect(stored.filter((m) => m.clientMessageId === 'lost-ack-1')).toHaveLength(1);
  });

  it('reconnects after a server restart (1012) and resumes from the new process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'us-client-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}` };
    const first = await startServer(env);
    let firstClosed = false;
    cleanups.push(() => (firstClosed ? undefined : first.close()));
    const admin = await login(first.url);
    const widgetKey = await widgetKeyOf(first.url, admin.token);
    const visitor = await newVisitorConversation(first.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const proxy = await proxyTo(first.url);
    const { client: c, messages } = client(proxy.url, visitor.token);
    c.subscribe(conversationId);
    await c.send(conversationId, 'before the restart');
    await eventually(() => messages.length >= 1);

    await first.close();
    firstClosed = true;
    await eventually(() => c.status !== 'online');
    const second = await startServer(env);
    cleanups.push(() => second.close());
    const admin2 = await login(second.url);
    const agent = await agentSocket(second, admin2.token);
    await agentSends(agent, conversationId, 'after restart', 2);
    proxy.retarget(second.url);

    await eventually(() => messages.some((m) => m.text === 'after restart 2'));
    const stored = await storedMessages(second.url, visitor.token, conversationId);
    expect(seqs(messages)).toEqual(seqs(stored));
  });

  it('notices a silent dead link by its own ping and replaces it', async () => {
    const { srv, admin, widgetKey } = await world({ WS_HEARTBEAT_MS: '200' });
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const proxy = await proxyTo(srv.url);
    const c = createClient({
      serverUrl: proxy.url,
      token: visitor.token,
      WebSocket,
      pongTimeoutMs: 300,
      minDelayMs: 20,
    });
    cleanups.push(() => c.close());
    const messages: Message[] = [];
    c.on('message', (m) => messages.push(m));
    c.subscribe(conversationId);
    await eventually(() => c.status === 'online');
    const connections = proxy.accepted;

    proxy.freeze();
    const agent = await agentSocket(srv, admin.token);
    await agentSends(agent, conversationId, 'during the freeze', 1);
    await eventually(() => messages.some((m) => m.text === 'during the freeze 1'));
    expect(proxy.accepted).toBeGreaterThan(connections);
  });

  it('does not deliver a message twice when subscribing again', async () => {
    const { srv, admin, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const agent = await agentSocket(srv, admin.token);
    await agentSends(agent, conversationId, 'm', 3);
    const { client: c, messages } = client(srv.url, visitor.token);
    const done: number[] = [];
    c.on('subscribed', (s) => done.push(s.lastSeq));
    c.subscribe(conversationId);
    await eventually(() => done.length === 1);
    c.subscribe(conversationId);
    c.subscribe(conversationId, 0);
    await eventually(() => done.length === 3);
    expect(seqs(messages)).toEqual([1, 2, 3]);
  });

  it('stops on a refused token with an unauthorized event', async () => {
    const { srv, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const c = createClient({ serverUrl: srv.url, token: 'forged', WebSocket, minDelayMs: 20 });
    cleanups.push(() => c.close());
    const unauthorized: number[] = [];
    c.on('unauthorized', (e) => unauthorized.push(e.code));
    const sent = c.send(visitor.conversation.id, 'never');
    await expect(sent).rejects.toBeInstanceOf(ClientError);
    await expect(sent).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(unauthorized).toEqual([4401]);
    expect(c.status).toBe('offline');
  });

  it('rejects a send the server refuses, and reports other errors as events', async () => {
    const { srv, widgetKey } = await world();
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const { client: c } = client(srv.url, visitor.token);
    await expect(c.send(visitor.conversation.id, '')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    c.subscribe('cv_not_mine');
    await eventually(() => errors.includes('NOT_FOUND'));
  });

  it('shows a bot answer as deltas, then as one stored message', async () => {
    const stub: StubServer = await startStubServer({ chunkSize: 3 });
    cleanups.push(() => stub.close());
    const { srv, admin, widgetKey } = await world({ OPENAI_KEY: 'stub', OPENAI_BASE_URL: stub.url });
    await seedHelpCenter(srv.server.store, admin.agent.workspaceId);
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const { client: c, messages } = client(srv.url, visitor.token);
    const deltas: string[] = [];
    c.on('delta', (d) => deltas.push(d.delta));
    c.subscribe(conversationId);
    await c.send(conversationId, 'How long does shipping take?');
    const answer = await eventually(() => messages.find((m) => m.author.type === 'bot'));
    expect(deltas.length).toBeGreaterThan(1);
    expect(answer.text).toBe(deltas.join(''));
  });
});

describe('backoffDelay', () => {
  it('doubles from 0.5 s to a 30 s cap, with jitter in the upper half', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
    for (let attempt = 0; attempt < 40; attempt++) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(250);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });
});
