import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  allStoredMessages,
  api,
  eventually,
  login,
  newVisitorConversation,
  range,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { killAll, startProcess } from './process.ts';

type Message = {
  id: string;
  conversationId: string;
  seq: number;
  text: string;
  clientMessageId: string | null;
};

const dirs: string[] = [];
const sockets: TestSocket[] = [];
const rawSockets: net.Socket[] = [];

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'us-'));
  dirs.push(dir);
  return dir;
};
const connect = async (wsUrl: string, token: string) => {
  const socket = await TestSocket.connect(wsUrl, token);
  sockets.push(socket);
  return socket;
};

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await killAll();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Tries to open a WebSocket: whether it opened, else the HTTP status or error that refused it. */
function attemptConnect(
  wsUrl: string,
  token: string,
): Promise<{ opened: boolean; status?: number; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/ws?token=${encodeURIComponent(token)}`);
    ws.on('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_request, response) => {
      resolve({ opened: false, status: response.statusCode });
      ws.terminate();
    });
    ws.on('error', (err) =>
      resolve({ opened: false, error: (err as NodeJS.ErrnoException).code ?? err.message }),
    );
  });
}

/**
 * A WebSocket client that never answers the close handshake (a stuck client): the server
 * has to wait for it (or time out), which keeps the shutdown window open for the test.
 */
async function stuckClient(wsUrl: string, token: string) {
  const { hostname, port } = new URL(wsUrl);
  const socket = net.connect(Number(port), hostname);
  rawSockets.push(socket);
  socket.on('error', () => {});
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let resolveHello!: () => void;
  let resolveClose!: (code: number) => void;
  const hello = new Promise<void>((resolve) => {
    resolveHello = resolve;
  });
  const closeFrame = new Promise<number>((resolve) => {
    resolveClose = resolve;
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head}`);
      upgraded = true;
      buffer = buffer.subarray(end + 4);
    }
    // Server frames are never masked.
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode === 0x1 && JSON.parse(payload.toString()).type === 'hello') resolveHello();
      if (opcode === 0x8) resolveClose(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
    }
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    [
      `GET /ws?token=${encodeURIComponent(token)} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  await hello;
  return { closeFrame, ended };
}

interface Sent {
  conversationId: string;
  text: string;
  clientMessageId: string;
  afterSigterm: boolean;
}

describe('R6: SIGTERM', () => {
  it('closes every socket with 1012, exits 0, and keeps everything it acked, also under load', async () => {
    const dataDir = tempDir();
    const server = await startProcess({ dataDir });
    const admin = await login(server.url);
    const widgetKey = await widgetKeyOf(server.url, admin.token);
    const visitors = await Promise.all(range(1, 3).map(() => newVisitorConversation(server.url, widgetKey)));
    const conversationIds = visitors.map((v) => v.conversation.id as string);
    const agentWs = await connect(server.wsUrl, admin.token);
    const visitorWs = await Promise.all(visitors.map((v) => connect(server.wsUrl, v.token)));
    // Idle sockets, subscribed and not sending, are closed the same way.
    const idleWs = await Promise.all(visitors.map((v) => connect(server.wsUrl, v.token)));
    idleWs.forEach((socket, i) => {
      socket.send({ type: 'subscribe', conversationId: conversationIds[i], lastSeq: 0 });
    });
    await Promise.all(idleWs.map((socket) => socket.next((f) => f.type === 'subscribed')));

    // Every sending client keeps a window of frames in flight and sends another per answer,
    // until its socket is no longer open.
    let sigtermSent = false;
    const sent = new Map<string, Sent>();
    const pump = (socket: TestSocket, prefix: string, window: number, target: (n: number) => string) => {
      let n = 0;
      const sendOne = () => {
        if (socket.ws.readyState !== WebSocket.OPEN) return;
        const conversationId = target(n);
        const clientMessageId = `${prefix}-${n++}`;
        const entry = {
          conversationId,
          text: `${prefix} text ${n}`,
          clientMessageId,
          afterSigterm: sigtermSent,
        };
        sent.set(clientMessageId, entry);
        socket.send({ type: 'message.send', conversationId, text: entry.text, clientMessageId });
      };
      socket.ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        const ref =
          frame.type === 'message.ack' ? frame.clientMessageId : frame.type === 'error' ? frame.ref : null;
        if (typeof ref === 'string' && ref.startsWith(`${prefix}-`)) sendOne();
      });
      for (let i = 0; i < window; i++) sendOne();
    };
    pump(agentWs, 'a', 16, (n) => conversationIds[n % conversationIds.length]!);
    visitorWs.forEach((socket, i) => {
      pump(socket, `v${i}`, 8, () => conversationIds[i]!);
    });
    const senders = [agentWs, ...visitorWs];
    const ackCount = () =>
      senders.reduce((n, s) => n + s.frames.filter((f) => f.type === 'message.ack').length, 0);
    await eventually(() => ackCount() >= 300, 10_000);

    sigtermSent = true;
    server.child.kill('SIGTERM');

    // Every client is told to reconnect elsewhere.
    const closes = await Promise.all([...senders, ...idleWs].map((s) => s.closed));
    for (const close of closes) expect(close.code).toBe(1012);
    // A clean exit, not death by the signal.
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const acked = new Map<string, Message>();
    for (const socket of senders) {
      for (const frame of socket.frames) {
        if (frame.type !== 'message.ack') continue;
        expect(acked.has(frame.clientMessageId), `acked twice: ${frame.clientMessageId}`).toBe(false);
        acked.set(frame.clientMessageId, frame.message);
      }
    }
    const errors = senders.flatMap((s) => s.frames.filter((f) => f.type === 'error'));
    expect(errors.filter((f) => f.code !== 'RATE_LIMITED' && f.code !== 'UNAVAILABLE')).toEqual([]);

    // Restart on the same directory: every acked message is stored as acked; a message not
    // acked may or may not be stored, but at most once; seqs stay gap-free.
    const restarted = await startProcess({ dataDir });
    const admin2 = await login(restarted.url);
    const storedByClientId = new Map<string, Message>();
    for (const conversationId of conversationIds) {
      const stored = await allStoredMessages(restarted.url, admin2.token, conversationId);
      for (const m of stored) if (m.clientMessageId !== null) storedByClientId.set(m.clientMessageId, m);
      expect(stored.map((m) => m.seq)).toEqual(range(1, stored.length));
      const clientIds = stored.map((m) => m.clientMessageId).filter((id) => id !== null);
      expect(new Set(clientIds).size).toBe(clientIds.length);
      for (const message of acked.values()) {
        if (message.conversationId === conversationId) expect(stored[message.seq - 1]).toEqual(message);
      }
      for (const message of stored) {
        const mine = message.clientMessageId === null ? undefined : sent.get(message.clientMessageId);
        if (mine) expect(message).toMatchObject({ conversationId: mine.conversationId, text: mine.text });
      }
    }
    // Sent after SIGTERM: acked and stored, or not acked; never acked and missing.
    for (const entry of sent.values()) {
      if (!entry.afterSigterm || !acked.has(entry.clientMessageId)) continue;
      expect(storedByClientId.get(entry.clientMessageId)).toEqual(acked.get(entry.clientMessageId));
    }
  });

  it('answers /healthz while running and refuses new connections during and after the shutdown', async () => {
    const dataDir = tempDir();
    const server = await startProcess({ dataDir });
    const health = await api(server.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    const admin = await login(server.url);
    expect(await attemptConnect(server.wsUrl, admin.token)).toEqual({ opened: true });

    const connected = await connect(server.wsUrl, admin.token);
    const stuck = await stuckClient(server.wsUrl, admin.token);
    server.child.kill('SIGTERM');
    expect((await connected.closed).code).toBe(1012);
    expect(await stuck.closeFrame).toBe(1012);

    // The stuck client has not answered the close handshake, so the process is still shutting down.
    expect(server.child.exitCode).toBe(null);
    const during = await attemptConnect(server.wsUrl, admin.token);
    expect(during.opened).toBe(false);

    // The stuck client is dropped eventually, and the process still exits cleanly.
    await stuck.ended;
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const after = await attemptConnect(server.wsUrl, admin.token);
    expect(after).toMatchObject({ opened: false, error: 'ECONNREFUSED' });
    await expect(api(server.url, 'GET', '/healthz')).rejects.toThrow();
  });
});
