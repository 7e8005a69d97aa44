import {
  type ChatRequestBody,
  type StubRequest,
  type StubServer,
  type StubServerOptions,
  startStubServer,
} from '@unique-support/llm-stub';
import type { Article, Message } from '@unique-support/protocol';
import { afterEach, expect } from 'vitest';
import { seedHelpCenter } from '../src/bot/retrieval/fixtures/help-center.ts';
import {
  allStoredMessages,
  api,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
} from './harness.ts';

/**
 * Shared set-up of the bot's end-to-end tests: real servers, real WebSockets, the local
 * OpenAI-compatible stub. Everything started through a `BotTestBed` is closed after each test.
 */

export type Frame = { type: string; [key: string]: any };

/** A server whose demo workspace holds the help-center fixture, with its admin logged in. */
export interface BotWorld {
  srv: TestServer;
  admin: { token: string; agent: { id: string; workspaceId: string } };
  workspaceId: string;
  widgetKey: string;
  /** The seeded articles by fixture key. */
  articles: Map<string, Article>;
}

export interface Asked {
  question: Message;
  answer: Message;
  /** The `message.delta` frames of the answer, in order. */
  deltas: Frame[];
}

export interface VisitorSession {
  token: string;
  conversationId: string;
  ws: TestSocket;
}

export function botTestBed() {
  const sockets: TestSocket[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    // Servers before the stubs they talk to: newest first.
    for (const close of closers.splice(0).reverse()) await close();
  });

  const bed = {
    async stub(options: StubServerOptions = {}): Promise<StubServer> {
      const stub = await startStubServer(options);
      closers.push(() => stub.close());
      return stub;
    },

    /** A server (env is also the LLM config's environment); the demo workspace gets the help center. */
    async world(
      env: Record<string, string> = {},
      options: { llmToml?: string; seed?: boolean } = {},
    ): Promise<BotWorld> {
      const srv = await startServer(env, options.llmToml === undefined ? {} : { llmToml: options.llmToml });
      closers.push(() => srv.close());
      const admin = await login(srv.url);
      const workspaceId = admin.agent.workspaceId;
      const articles =
        options.seed === false
          ? new Map<string, Article>()
          : await seedHelpCenter(srv.server.store, workspaceId);
      const me = await api(srv.url, 'GET', '/api/v1/me', { token: admin.token });
      return { srv, admin, workspaceId, widgetKey: me.body.workspace.widgetKey, articles };
    },

    /** A world whose first provider is `stub` (the shipped config unless `llmToml` is given). */
    async worldWithStub(stub: StubServer, options: { llmToml?: string; seed?: boolean } = {}) {
      return bed.world({ OPENAI_KEY: 'stub', OPENAI_BASE_URL: stub.url }, options);
    },

    async connect(srv: TestServer, token: string): Promise<TestSocket> {
      const socket = await TestSocket.connect(srv.wsUrl, token);
      sockets.push(socket);
      return socket;
    },

    /** A new visitor with a conversation, connected and subscribed to it. */
    async visitor(srv: TestServer, widgetKey: string): Promise<VisitorSession> {
      const visitor = await newVisitorConversation(srv.url, widgetKey);
      const conversationId: string = visitor.conversation.id;
      const ws = await bed.connect(srv, visitor.token);
      await subscribe(ws, conversationId);
      return { token: visitor.token, conversationId, ws };
    },
  };
  return bed;
}

export async function subscribe(ws: TestSocket, conversationId: string): Promise<void> {
  ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
  await ws.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);
}

let clientMessageIds = 0;

/** Sends `text` as the visitor and waits for the bot's stored answer to it. */
export async function ask(visitor: VisitorSession, text: string, timeoutMs = 5000): Promise<Asked> {
  const { ws, conversationId } = visitor;
  const clientMessageId = `q${++clientMessageIds}`;
  ws.send({ type: 'message.send', conversationId, text, clientMessageId });
  const ack = await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === clientMessageId);
  const question = ack.message as Message;
  const completed = await ws.next(
    (f) =>
      f.type === 'message.completed' &&
      f.message.conversationId === conversationId &&
      f.message.seq > question.seq &&
      f.message.author.type === 'bot',
    timeoutMs,
  );
  const answer = completed.message as Message;
  return { question, answer, deltas: deltasOf(ws, answer.id) };
}

export function deltasOf(ws: TestSocket, messageId: string): Frame[] {
  return ws.frames.filter((f) => f.type === 'message.delta' && f.messageId === messageId);
}

export const joined = (deltas: readonly Frame[]) => deltas.map((f) => f.delta as string).join('');

/** The stored messages of a conversation over REST. */
export function storedMessages(srv: TestServer, token: string, conversationId: string) {
  return allStoredMessages(srv.url, token, conversationId);
}

export async function conversationOf(srv: TestServer, token: string, conversationId: string) {
  const res = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, { token });
  expect(res.status).toBe(200);
  return res.body.conversation as { id: string; status: string; assigneeId: string | null };
}

export const chatRequests = (stub: StubServer): StubRequest[] =>
  stub.requests.filter((r) => r.kind === 'chat');

/** The system message of a chat request the stub received. */
export function systemMessageOf(request: StubRequest): string {
  const body = request.body as ChatRequestBody;
  const system = body.messages?.find((m) => m.role === 'system');
  return typeof system?.content === 'string' ? system.content : '';
}

export async function readyz(srv: TestServer) {
  const res = await api(srv.url, 'GET', '/readyz');
  expect(res.status).toBe(200);
  return res.body as {
    status: string;
    bot: { enabled: boolean; providers: { name: string; model: string; breaker: string }[] };
  };
}

/** Breaker state of the provider named `name` in `/readyz`. */
export async function breakerOf(srv: TestServer, name: string): Promise<string | undefined> {
  return (await readyz(srv)).bot.providers.find((p) => p.name === name)?.breaker;
}

/**
 * A small llm.toml: the given providers (literal keys, no embeddings, so the built-in index
 * retrieves), the shipped rules, and the given bot and breaker values.
 */
export function llmToml(options: {
  providers: { name: string; url: string }[];
  firstTokenTimeoutMs?: number;
  breaker?: { failure_rate?: number; min_requests?: number; window?: number; open_ms?: number };
  cache?: boolean;
}): string {
  const lines = ['[bot]', `first_token_timeout_ms = ${options.firstTokenTimeoutMs ?? 3000}`, ''];
  for (const p of options.providers) {
    lines.push(
      '[[providers]]',
      `name = "${p.name}"`,
      `base_url = "${p.url}"`,
      'api_key = "stub-key"',
      'model = "stub-chat"',
      '',
    );
  }
  lines.push('[cache]', `enabled = ${options.cache ?? true}`, '');
  lines.push('[breaker]');
  for (const [key, value] of Object.entries(options.breaker ?? {})) lines.push(`${key} = ${value}`);
  lines.push(
    '',
    '[[rules]]',
    'keywords = ["hello", "hi", "你好", "您好"]',
    'answer = "Hello! How can I help you today?"',
    '',
    '[[rules]]',
    'pattern = "\\\\b(thanks|thank you)\\\\b|谢谢"',
    'answer = "You\'re welcome! Anything else I can help with?"',
    '',
  );
  return lines.join('\n');
}
