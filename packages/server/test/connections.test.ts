import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('connection upkeep', () => {
  it('drops a connection that stops answering pings, and the agent goes offline', async () => {
    srv = await startServer({ WS_HEARTBEAT_MS: '100' });
    const admin = await login(srv.url);
    const watcher = await TestSocket.connect(srv.wsUrl, admin.token);
    const created = await api(srv.url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Mute', email: 'mute@test.local', password: 'agent-password' },
    });
    const mute = await login(srv.url, 'mute@test.local', 'agent-password');

    // autoPong off: this client never answers the server's pings.
    const silent = new WebSocket(`${srv.wsUrl}/ws?token=${mute.token}`, { autoPong: false });
    await watcher.next(
      (f) => f.type === 'presence' && f.agentId === created.body.agent.id && f.status === 'online',
    );
    const code = await new Promise<number>((resolve) =>
      silent.once('close', (closeCode) => resolve(closeCode)),
    );
    expect(code).toBe(1006); // terminated, no close handshake
    await watcher.next(
      (f) => f.type === 'presence' && f.agentId === created.body.agent.id && f.status === 'offline',
    );
    await watcher.close();
  });

  it('keeps a connection that answers pings', async () => {
    srv = await startServer({ WS_HEARTBEAT_MS: '100' });
    const admin = await login(srv.url);
    const socket = await TestSocket.connect(srv.wsUrl, admin.token);
    let pings = 0;
    socket.ws.on('ping', () => pings++);
    await eventually(() => pings >= 3);
    await socket.roundTrip();
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    await socket.close();
  });

  it('closes a client that does not read with 1013 instead of queueing without bound', async () => {
    srv = await startServer({ WS_MAX_BUFFERED_BYTES: String(64 * 1024) });
    const admin = await login(srv.url);
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    const conversationId = visitor.conversation.id;

    const reader = await TestSocket.connect(srv.wsUrl, visitor.token);
    reader.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await reader.next((f) => f.type === 'subscribed');
    // Stop reading: the server's writes pile up in its send buffer.
    (reader.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    const writer = await TestSocket.connect(srv.wsUrl, admin.token);
    const text = 'x'.repeat(4000);
    const slowClosed = async () => {
      const metrics = await (await fetch(`${srv!.url}/metrics`)).text();
      return /us_ws_slow_clients_closed_total [1-9]/.test(metrics);
    };
    let sent = 0;
    while (!(await slowClosed())) {
      for (let i = 0; i < 200; i++) {
        writer.send({ type: 'message.send', conversationId, text, clientMessageId: `m${sent++}` });
      }
      await writer.roundTrip();
      expect(sent).toBeLessThan(100_000);
    }
    (reader.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await reader.closed).code).toBe(1013);
    // The writer is unaffected.
    await writer.roundTrip();
    await writer.close();
  });
});
