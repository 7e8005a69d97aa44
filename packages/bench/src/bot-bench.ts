import { type StubServer, startStubServer } from '@unique-support/llm-stub';
import {
  createServer,
  helpCenterQueries,
  loadConfig,
  parseLlmConfig,
  seedHelpCenter,
  type UniqueSupportServer,
} from '@unique-support/server';
import OpenAI from 'openai';
import pino from 'pino';
import WebSocket from 'ws';
import { median, ms, percentile, report } from './stats.ts';

/**
 * The `bot` scenario (targets P3/P4): a real server and a local OpenAI-compatible stub
 * in this process, a visitor over a real WebSocket.
 * - time to first token the server adds over the stub's fixed first-token delay;
 * - latency of a cached answer; of the fallback answer with the breaker open;
 * - LLM calls saved by the cache on a repeated-question workload.
 */
const ROUNDS = 5;
const SAMPLES = 300;
const STUB_DELAY_MS = 20;

const questions = helpCenterQueries.filter((q) => q.expected !== null).map((q) => q.query);

type Frame = { type: string; [key: string]: unknown };

class Visitor {
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private constructor(
    private readonly ws: WebSocket,
    readonly conversationId: string,
  ) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const at = this.waiters.findIndex((w) => w.match(frame));
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(frame);
    });
  }

  static async open(base: string, widgetKey: string): Promise<Visitor> {
    const post = async (path: string, body: unknown, token?: string) => {
      const response = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { visitorToken: string; conversation: { id: string } };
    };
    const { visitorToken } = await post('/api/v1/widget/session', { widgetKey });
    const { conversation } = await post('/api/v1/conversations', {}, visitorToken);
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${visitorToken}`);
    const visitor = new Visitor(ws, conversation.id);
    await visitor.next((f) => f.type === 'hello');
    ws.send(JSON.stringify({ type: 'subscribe', conversationId: conversation.id, lastSeq: 0 }));
    await visitor.next((f) => f.type === 'subscribed');
    return visitor;
  }

  next(match: (f: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Sends a question; resolves with ms to the first delta (null if none) and to the stored answer. */
  async ask(text: string): Promise<{ firstDeltaMs: number | null; answerMs: number; answer: Frame }> {
    const start = performance.now();
    let firstDeltaMs: number | null = null;
    const firstDelta = this.next((f) => f.type === 'message.delta').then(() => {
      firstDeltaMs = performance.now() - start;
    });
    const answer = this.next((f) => f.type === 'message.completed');
    this.ws.send(
      JSON.stringify({
        type: 'message.send',
        conversationId: this.conversationId,
        text,
        clientMessageId: crypto.randomUUID(),
      }),
    );
    const completed = await answer;
    const answerMs = performance.now() - start;
    await Promise.race([firstDelta, Promise.resolve()]);
    return { firstDeltaMs, answerMs, answer: completed };
  }

  close() {
    this.ws.close();
  }
}

async function startBot(llmToml: string, stub: StubServer) {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    ADMIN_PASSWORD: 'bench-password',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
    LOG_LEVEL: 'silent',
    DEMO_CONTENT: 'false',
    // One visitor asks hundreds of questions: the per-visitor message limit would refuse them.
    VISITOR_MESSAGE_RATE: 'off',
  });
  const llm = parseLlmConfig(llmToml, { OPENAI_KEY: 'stub', OPENAI_BASE_URL: stub.url });
  const server: UniqueSupportServer = await createServer({ config, llm, log: pino({ level: 'silent' }) });
  const base = await server.listen(0, '127.0.0.1');
  const workspace = await server.store.firstWorkspace();
  await seedHelpCenter(server.store, workspace!.id);
  const visitor = await Visitor.open(base, workspace!.widgetKey);
  const close = async () => {
    visitor.close();
    await server.close();
  };
  return { server, visitor, close };
}

const TOML = (extra: string) => `
[bot]
first_token_timeout_ms = 3000
history_messages = 4
[[providers]]
name = "stub"
base_url = "http://placeholder/v1"
model = "stub-model"
${extra}`;

/** A bare OpenAI SDK client against the same stub: the provider's TTFT as the server sees it. */
async function directTtft(stub: StubServer, count: number): Promise<number[]> {
  const client = new OpenAI({ apiKey: 'stub', baseURL: stub.url, maxRetries: 0 });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const stream = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: questions[i % questions.length]! }],
      stream: true,
    });
    let first: number | null = null;
    for await (const chunk of stream)
      if (first === null && chunk.choices[0]?.delta?.content) first = performance.now();
    samples.push(first! - start);
  }
  return samples;
}

/** Visitor TTFT through the server vs a direct client's TTFT, same stub, same run. */
async function serverAddedTtft() {
  const rounds: { viaP50: number; viaP99: number; directP50: number; directP99: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const stub = await startStubServer({ firstTokenDelayMs: STUB_DELAY_MS, chunkSize: 16 });
    const bot = await startBot(TOML('[cache]\nenabled = false'), stub);
    const via: number[] = [];
    for (let i = 0; i < SAMPLES + 10; i++) {
      const { firstDeltaMs } = await bot.visitor.ask(questions[i % questions.length]!);
      if (firstDeltaMs === null) throw new Error('no delta: the bot did not stream from the stub');
      if (i >= 10) via.push(firstDeltaMs); // the first ten warm up
    }
    const direct = (await directTtft(stub, SAMPLES + 10)).slice(10);
    rounds.push({
      viaP50: percentile(via, 50),
      viaP99: percentile(via, 99),
      directP50: percentile(direct, 50),
      directP99: percentile(direct, 99),
    });
    await bot.close();
    await stub.close();
  }
  const pick = (key: keyof (typeof rounds)[number]) => median(rounds.map((r) => r[key]));
  return {
    viaP50: pick('viaP50'),
    viaP99: pick('viaP99'),
    directP50: pick('directP50'),
    directP99: pick('directP99'),
  };
}

async function cachedAnswer(): Promise<{ p50: number; p99: number; stubCalls: number; asked: number }> {
  const p50s: number[] = [];
  const p99s: number[] = [];
  let stubCalls = 0;
  let asked = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const stub = await startStubServer({ firstTokenDelayMs: STUB_DELAY_MS, chunkSize: 16 });
    const bot = await startBot(TOML('[cache]\nenabled = true'), stub);
    const question = questions[round % questions.length]!;
    await bot.visitor.ask(question);
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) latencies.push((await bot.visitor.ask(question)).answerMs);
    stubCalls += stub.stats.chat;
    asked += SAMPLES + 1;
    p50s.push(percentile(latencies, 50));
    p99s.push(percentile(latencies, 99));
    await bot.close();
    await stub.close();
  }
  return { p50: median(p50s), p99: median(p99s), stubCalls, asked };
}

async function fallbackWithBreakerOpen(): Promise<{ p50: number; p99: number; stubCalls: number }> {
  const p50s: number[] = [];
  const p99s: number[] = [];
  let stubCalls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const stub = await startStubServer({ failure: 'status-500' });
    const bot = await startBot(
      TOML('[cache]\nenabled = false\n[breaker]\nmin_requests = 2\nwindow = 4\nopen_ms = 600000'),
      stub,
    );
    for (let i = 0; i < 3; i++) await bot.visitor.ask(questions[i]!); // opens the breaker
    const before = stub.stats.chat;
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++)
      latencies.push((await bot.visitor.ask(questions[i % questions.length]!)).answerMs);
    stubCalls += stub.stats.chat - before;
    p50s.push(percentile(latencies, 50));
    p99s.push(percentile(latencies, 99));
    await bot.close();
    await stub.close();
  }
  return { p50: median(p50s), p99: median(p99s), stubCalls };
}

/** R3: a provider that never sends a token; the visitor's answer must come within the deadline + 100 ms. */
async function fallbackOnHang(deadlineMs: number, samples: number): Promise<{ p50: number; max: number }> {
  const stub = await startStubServer({ failure: 'hang' });
  const bot = await startBot(
    TOML(`[cache]\nenabled = false\n[breaker]\nmin_requests = 1000\nwindow = 1000`).replace(
      'first_token_timeout_ms = 3000',
      `first_token_timeout_ms = ${deadlineMs}`,
    ),
    stub,
  );
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++)
    latencies.push((await bot.visitor.ask(questions[i % questions.length]!)).answerMs);
  await bot.close();
  await stub.close();
  return { p50: percentile(latencies, 50), max: Math.max(...latencies) };
}

export async function runBotBench(): Promise<void> {
  const ttft = await serverAddedTtft();
  const cached = await cachedAnswer();
  const fallback = await fallbackWithBreakerOpen();
  const hang = await fallbackOnHang(300, 30);
  report(
    `bot — medians of ${ROUNDS} rounds × ${SAMPLES} questions, stub first-token delay ${STUB_DELAY_MS} ms`,
    [
      ['time to first token, direct SDK client p50', ms(ttft.directP50)],
      ['time to first token, direct SDK client p99', ms(ttft.directP99)],
      ['time to first token, visitor via server p50', ms(ttft.viaP50)],
      ['time to first token, visitor via server p99', ms(ttft.viaP99)],
      ['server-added time to first token p50', ms(ttft.viaP50 - ttft.directP50)],
      ['server-added time to first token p99', ms(ttft.viaP99 - ttft.directP99), '≤ 5 ms'],
      ['cached answer, send → stored answer p50', ms(cached.p50)],
      ['cached answer, send → stored answer p99', ms(cached.p99), '≤ 2 ms'],
      ['cached run: LLM calls / questions', `${cached.stubCalls} / ${cached.asked}`],
      ['fallback, breaker open, send → answer p50', ms(fallback.p50)],
      ['fallback, breaker open, send → answer p99', ms(fallback.p99), '≤ 5 ms'],
      ['fallback run: LLM calls while open', String(fallback.stubCalls), '0'],
      ['provider hangs, deadline 300 ms: send → answer p50', ms(hang.p50)],
      ['provider hangs, deadline 300 ms: send → answer max', ms(hang.max), '≤ 400 ms'],
    ],
  );
}
