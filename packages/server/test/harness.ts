import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Message } from '@unique-support/protocol';
import pino from 'pino';
import WebSocket from 'ws';
import { parseLlmConfig } from '../src/bot/llm-config.ts';
import { loadConfig } from '../src/config/config.ts';
import { createServer, type UniqueSupportServer } from '../src/server.ts';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password' };
export const JWT_SECRET = 'test-signing-secret-0123456789abcdef';
/**
 * Redis keys and channels of this test file's nodes (each file has its own module instance):
 * files running at once on one Redis share no presence, rate limit or cached answer.
 */
export const TEST_REDIS_PREFIX = `t${randomUUID().slice(0, 8)}:`;

export interface TestServer {
  url: string;
  wsUrl: string;
  server: UniqueSupportServer;
  close(): Promise<void>;
}

/** The shipped LLM config: no provider has a key in tests unless `env` gives one. */
export const SHIPPED_LLM_TOML = readFileSync(new URL('../../../configs/llm.toml', import.meta.url), 'utf8');

/**
 * A real server on a free port, SQLite in memory unless `env` says otherwise. The LLM
 * config is `llmToml` (default: the shipped file) with `env` as its environment only.
 */
export async function startServer(
  env: Record<string, string> = {},
  options: { llmToml?: string } = {},
): Promise<TestServer> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET,
    // Many tests flood visitor messages; the per-visitor limit has its own tests (features-*.test.ts).
    VISITOR_MESSAGE_RATE: 'off',
    DEMO_CONTENT: 'false',
    // Failed webhook deliveries are retried after 20, 80 and 320 ms.
    WEBHOOK_RETRY_BASE_MS: '20',
    REDIS_PREFIX: TEST_REDIS_PREFIX,
    ...env,
  });
  const llm = parseLlmConfig(options.llmToml ?? SHIPPED_LLM_TOML, env, 'llm.toml');
  const server = await createServer({ config, llm, log: pino({ level: 'silent' }) });
  const url = await server.listen(0, '127.0.0.1');
  return { url, wsUrl: url.replace('http', 'ws'), server, close: () => server.close() };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** JSON over fetch; `body` as a string is sent raw. */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed as T };
}

export async function login(base: string, email = ADMIN.email, password = ADMIN.password) {
  const { status, body } = await api(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
  return body as { token: string; agent: { id: string; workspaceId: string } };
}

export async function widgetKeyOf(base: string, agentToken: string): Promise<string> {
  const { body } = await api(base, 'GET', '/api/v1/me', { token: agentToken });
  return body.workspace.widgetKey;
}

/** A new visitor with a conversation of its own. */
export async function newVisitorConversation(base: string, widgetKey: string) {
  const session = await api(base, 'POST', '/api/v1/widget/session', { body: { widgetKey, name: 'Vera' } });
  if (session.status !== 200) throw new Error(`widget session failed: ${JSON.stringify(session.body)}`);
  const token: string = session.body.visitorToken;
  const created = await api(base, 'POST', '/api/v1/conversations', { token });
  if (created.status !== 201) throw new Error(`conversation failed: ${JSON.stringify(created.body)}`);
  return { visitorId: session.body.visitorId as string, token, conversation: created.body.conversation };
}

/** Polls `check` until it returns a truthy value (no fixed sleeps). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Frame = { type: string; [key: string]: any };

/** A real WebSocket client that records every frame it receives. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = once(ws, 'close').then(([code, reason]) => ({ code, reason: String(reason) }));
  }

  /** Connects and waits for `hello`. */
  static async connect(wsUrl: string, token: string): Promise<TestSocket> {
    const socket = TestSocket.raw(wsUrl, token);
    await socket.next((f) => f.type === 'hello');
    return socket;
  }

  /** Connects without waiting for anything (for tests of refused connections). */
  static raw(wsUrl: string, token: string | null): TestSocket {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    return new TestSocket(new WebSocket(`${wsUrl}/ws${query}`));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame received so far, or the next one, that matches. */
  next(predicate: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const types = this.frames.map((f) => f.type).join(', ');
        reject(new Error(`no matching frame in ${timeoutMs} ms; received: ${types}`));
      }, timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a ping and waits for its pong: every frame sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const pongs = this.frames.filter((f) => f.type === 'pong').length;
    this.send({ type: 'ping' });
    await eventually(() => this.frames.filter((f) => f.type === 'pong').length > pongs);
  }

  /** Stored messages received, by seq (replays, live messages and bot answers). */
  messages(conversationId: string) {
    return this.frames
      .filter(
        (f) =>
          (f.type === 'message.created' || f.type === 'message.completed') &&
          f.message.conversationId === conversationId,
      )
      .map((f) => f.message);
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}

/** A 1×1 PNG. */
export const PNG_BYTES = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** `POST /api/v1/uploads` as multipart/form-data with one file (in `field`, default `file`). */
export async function upload(
  base: string,
  token: string | null,
  file: { name: string; type: string; bytes: Uint8Array | string },
  field = 'file',
): Promise<ApiResponse> {
  const form = new FormData();
  form.append(field, new Blob([file.bytes], { type: file.type }), file.name);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers, body: form });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body };
}

/** Every stored message of a conversation over REST, page by page, oldest first. */
export async function allStoredMessages(
  base: string,
  token: string,
  conversationId: string,
): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const afterSeq = all.at(-1)?.seq ?? 0;
    const path = `/api/v1/conversations/${conversationId}/messages?afterSeq=${afterSeq}&limit=1000`;
    const { status, body } = await api(base, 'GET', path, { token });
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
    all.push(...body.messages);
    if (body.messages.length < 1000) return all;
  }
}

/** from, from + 1, ... to (empty when to < from). */
export const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
