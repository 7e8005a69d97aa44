import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RECORDINGS,
  type StubServer,
  type StubServerOptions,
  startStubServer,
} from '@unique-support/llm-stub';
import { afterEach, describe, expect, it } from 'vitest';
import { similarity } from '../retrieval/embedder.ts';
import { OpenAIProvider, type OpenAIProviderOptions, toProviderError } from './openai-provider.ts';
import { type ChatRequest, ProviderError, type StreamPart } from './provider.ts';
import { createProviderEmbedder } from './provider-embedder.ts';

const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: StubServerOptions = {}, provider: Partial<OpenAIProviderOptions> = {}) {
  const stub = await startStubServer(options);
  servers.push(stub);
  const llm = new OpenAIProvider({
    name: 'stub',
    baseUrl: stub.url,
    apiKey: 'test-key',
    model: 'stub-chat',
    embeddingModel: 'stub-embedding',
    ...provider,
  });
  return { stub, llm };
}

const QUESTION: ChatRequest['messages'] = [
  { role: 'system', content: 'You are a support assistant.' },
  { role: 'user', content: 'Where is my order?' },
];

/** Every part until the end, or the parts before the error and the error. */
async function collect(
  stream: AsyncIterable<StreamPart>,
): Promise<{ parts: StreamPart[]; text: string; error: ProviderError | null }> {
  const parts: StreamPart[] = [];
  let error: ProviderError | null = null;
  try {
    for await (const part of stream) parts.push(part);
  } catch (e) {
    if (!(e instanceof ProviderError)) throw e;
    error = e;
  }
  const text = parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
  return { parts, text, error };
}

describe('OpenAIProvider.stream', () => {
  it('yields the deltas in order, then one finish with the reason and usage', async () => {
    const reply = 'Your order left our warehouse yesterday and arrives on Friday.';
    const { stub, llm } = await setup({ reply, chunkSize: 7 });
    const { parts, text, error } = await collect(
      llm.stream({ messages: QUESTION, maxTokens: 100, temperature: 0.3 }),
    );
    expect(error).toBeNull();
    expect(text).toBe(reply);
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas).toHaveLength(Math.ceil(reply.length / 7));
    expect(deltas.every((p) => p.text.length > 0)).toBe(true);
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { promptTokens: 12, completionTokens: deltas.length }, // ceil(46 prompt characters / 4)
    });
    expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
    expect(stub.requests[0]!.body).toEqual({
      model: 'stub-chat',
      messages: QUESTION,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      temperature: 0.3,
    });
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer test-key');
  });

  it('reports finish_reason "length"', async () => {
    const { llm } = await setup({ reply: 'one two three four', chunkSize: 4 });
    const { parts } = await collect(llm.stream({ messages: QUESTION, maxTokens: 2 }));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', reason: 'length', usage: { completionTokens: 2 } });
  });

  it('yields the first delta while the provider is still sending', async () => {
    const { stub, llm } = await setup({ reply: 'first second third', chunkSize: 6, tokenDelayMs: 60_000 });
    const controller = new AbortController();
    const iterator = llm.stream({ messages: QUESTION, signal: controller.signal })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual({ type: 'text-delta', text: 'first ' });
    // The stub waits a minute before the second delta: the first one was not buffered.
    expect(stub.requests[0]!.state).toBe('open');
    expect(stub.requests[0]!.deltasSent).toBe(1);
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'aborted' });
    await stub.waitFor(() => stub.stats.aborted === 1);
  });

  it('reassembles Chinese text written 1-3 bytes at a time', async () => {
    const reply =
      '您好！订单发货后，您可以在「我的订单」页面查看物流信息😊。退款将在 5–7 个工作日内原路退回。';
    const { stub, llm } = await setup({ reply, chunkSize: 3, byteSplit: true });
    const { text, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(error).toBeNull();
    expect(text).toBe(reply);
    expect(stub.requests[0]!.maxWriteBytes).toBeLessThanOrEqual(3);
  });

  it('ignores keep-alive comments and blank lines', async () => {
    const { llm } = await setup({ reply: 'Kept alive.', chunkSize: 2, keepAliveComments: true });
    const { parts, text } = await collect(llm.stream({ messages: QUESTION }));
    expect(text).toBe('Kept alive.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it.each(RECORDINGS)('reads the $name recording', async (recording) => {
    const { llm } = await setup({
      recording: recording.name,
      byteSplit: recording.name === 'qwen-dashscope',
    });
    const { parts, text, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(error).toBeNull();
    expect(text).toBe(recording.text);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: recording.finishReason, usage: recording.usage });
  });

  it('never relays DeepSeek reasoning_content', async () => {
    const { llm } = await setup({ recording: 'deepseek-reasoner' });
    const { text } = await collect(llm.stream({ messages: QUESTION }));
    expect(text).not.toMatch(/The user asks/);
    expect(text.startsWith('Refunds')).toBe(true);
  });
});

describe('OpenAIProvider.stream failures', () => {
  it.each([
    ['status-401', 'auth', 401],
    ['status-429', 'rate_limit', 429],
    ['status-500', 'server', 500],
  ] as const)('%s → %s', async (failure, kind, status) => {
    const { stub, llm } = await setup({ failure });
    const { parts, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(parts).toEqual([]);
    expect(error).toMatchObject({ kind, status });
    expect(stub.stats.requests).toBe(1); // no retry: the breaker decides
  });

  it('does not echo the key in an auth error', async () => {
    const { llm } = await setup({ failure: 'status-401' }, { apiKey: 'sk-secret-0123456789' });
    const { error } = await collect(llm.stream({ messages: QUESTION }));
    expect(error?.message).not.toMatch(/sk-|6789/);
  });

  it('a 400 is bad_request', async () => {
    const { llm } = await setup();
    const { error } = await collect(llm.stream({ messages: [] }));
    expect(error).toMatchObject({ kind: 'bad_request', status: 400 });
  });

  it('garbage → bad_response', async () => {
    const { llm } = await setup({ failure: 'garbage' });
    const { parts, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(parts).toEqual([]);
    expect(error?.kind).toBe('bad_response');
  });

  it('invalid-json-chunk → the deltas before it, then bad_response', async () => {
    const { llm } = await setup({ failure: 'invalid-json-chunk', reply: 'abcdefgh', chunkSize: 2 });
    const { parts, text, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(text).toBe('abcd');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error?.kind).toBe('bad_response');
  });

  it('midstream-error → the deltas before it, then server', async () => {
    const { llm } = await setup({ failure: 'midstream-error', reply: 'abcdefgh', chunkSize: 2 });
    const { parts, text, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(text).toBe('abcd');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error).toMatchObject({ kind: 'server', status: null });
    expect(error?.message).toMatch(/server had an error/);
  });

  it('drop (connection broken before the finish_reason) → the deltas before it, then network', async () => {
    const { llm } = await setup({ failure: 'drop', reply: 'abcdefgh', chunkSize: 2 });
    const { parts, text, error } = await collect(llm.stream({ messages: QUESTION }));
    expect(text).toBe('abcd');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error?.kind).toBe('network');
  });

  it('a body that ends without finish_reason: finish(null) after text, bad_response without', async () => {
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;
    const { url, close } = await rawServer((res) => res.end(`${chunk('Hello')}${chunk(' there')}`));
    try {
      const llm = new OpenAIProvider({ name: 'raw', baseUrl: url, apiKey: 'k', model: 'm' });
      const { parts, error } = await collect(llm.stream({ messages: QUESTION }));
      expect(error).toBeNull();
      expect(parts).toEqual([
        { type: 'text-delta', text: 'Hello' },
        { type: 'text-delta', text: ' there' },
        { type: 'finish', reason: null, usage: null },
      ]);
    } finally {
      await close();
    }
    const empty = await rawServer((res) => res.end('data: [DONE]\n\n'));
    try {
      const llm = new OpenAIProvider({ name: 'raw', baseUrl: empty.url, apiKey: 'k', model: 'm' });
      expect((await collect(llm.stream({ messages: QUESTION }))).error?.kind).toBe('bad_response');
    } finally {
      await empty.close();
    }
  });

  it('a body left open after the finish_reason: finish once the stall timeout passes', async () => {
    const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
    const { url, close } = await rawServer((res) => {
      res.write(event({ choices: [{ index: 0, delta: { content: 'Done.' }, finish_reason: null }] }));
      res.write(event({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.write('data: [DONE]\n\n'); // and never ends the response
    });
    try {
      const llm = new OpenAIProvider({ name: 'raw', baseUrl: url, apiKey: 'k', model: 'm', timeoutMs: 200 });
      const { parts, error } = await collect(llm.stream({ messages: QUESTION }));
      expect(error).toBeNull();
      expect(parts).toEqual([
        { type: 'text-delta', text: 'Done.' },
        { type: 'finish', reason: 'stop', usage: null },
      ]);
    } finally {
      await close();
    }
  });

  it('chunks that are not objects → bad_response', async () => {
    const { url, close } = await rawServer((res) => res.end('data: [1, 2]\n\ndata: [DONE]\n\n'));
    try {
      const llm = new OpenAIProvider({ name: 'raw', baseUrl: url, apiKey: 'k', model: 'm' });
      expect((await collect(llm.stream({ messages: QUESTION }))).error?.kind).toBe('bad_response');
    } finally {
      await close();
    }
  });

  it('connection refused → network', async () => {
    const { url, close } = await rawServer((res) => res.end());
    await close();
    const llm = new OpenAIProvider({ name: 'gone', baseUrl: url, apiKey: 'k', model: 'm' });
    const { error } = await collect(llm.stream({ messages: QUESTION }));
    expect(error?.kind).toBe('network');
    expect(error?.message).toMatch(/ECONNREFUSED/);
  });

  it('hang + abort → aborted at once, and the stub sees the client go away', async () => {
    const { stub, llm } = await setup({ failure: 'hang' });
    const controller = new AbortController();
    const iterator = llm.stream({ messages: QUESTION, signal: controller.signal })[Symbol.asyncIterator]();
    const next = iterator.next();
    await stub.waitFor(() => stub.requests[0]?.status === 200);
    controller.abort();
    await expect(next).rejects.toMatchObject({ kind: 'aborted' });
    await stub.waitFor(() => stub.stats.aborted === 1);
    expect(stub.requests[0]!.state).toBe('aborted');
  });

  it('a stall longer than timeoutMs → network', async () => {
    const { stub, llm } = await setup({ failure: 'hang' }, { timeoutMs: 200 });
    const { error } = await collect(llm.stream({ messages: QUESTION }));
    expect(error?.kind).toBe('network');
    await stub.waitFor(() => stub.stats.aborted === 1);
  });

  it('abort before the headers → aborted', async () => {
    const { stub, llm } = await setup({ firstTokenDelayMs: 60_000 });
    const controller = new AbortController();
    const pending = collect(llm.stream({ messages: QUESTION, signal: controller.signal }));
    await stub.waitFor(() => stub.requests.length === 1);
    controller.abort();
    expect((await pending).error?.kind).toBe('aborted');
    await stub.waitFor(() => stub.stats.aborted === 1);
  });

  it('an already aborted signal → aborted, no request', async () => {
    const { stub, llm } = await setup();
    const { error } = await collect(llm.stream({ messages: QUESTION, signal: AbortSignal.abort() }));
    expect(error?.kind).toBe('aborted');
    expect(stub.stats.requests).toBe(0);
  });

  it('abort mid-stream stops further deltas and ends the request', async () => {
    const { stub, llm } = await setup({ reply: 'a'.repeat(50), chunkSize: 1, tokenDelayMs: 60_000 });
    const controller = new AbortController();
    const received: string[] = [];
    let error: unknown = null;
    try {
      for await (const part of llm.stream({ messages: QUESTION, signal: controller.signal })) {
        if (part.type === 'text-delta') received.push(part.text);
        if (received.length === 1) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(received).toEqual(['a']);
    expect(error).toMatchObject({ kind: 'aborted' });
    await stub.waitFor(() => stub.stats.aborted === 1);
  });

  it('abort mid-stream with deltas already buffered yields none of them', async () => {
    const { stub, llm } = await setup({ reply: 'b'.repeat(40), chunkSize: 1 });
    const controller = new AbortController();
    const iterator = llm.stream({ messages: QUESTION, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'text-delta', text: 'b' });
    await stub.waitFor(() => stub.requests[0]!.state !== 'open');
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('breaking out of the loop ends the HTTP request', async () => {
    const { stub, llm } = await setup({ reply: 'c'.repeat(20), chunkSize: 1, tokenDelayMs: 60_000 });
    for await (const part of llm.stream({ messages: QUESTION })) {
      expect(part).toEqual({ type: 'text-delta', text: 'c' });
      break;
    }
    await stub.waitFor(() => stub.stats.aborted === 1);
  });
});

describe('OpenAIProvider.embed', () => {
  it('returns unit vectors in input order, as an Embedder', async () => {
    const { stub, llm } = await setup({}, { embeddingBatchSize: 2 });
    const embedder = createProviderEmbedder(llm);
    expect(embedder.id).toBe('provider:stub:stub-embedding');
    const texts = ['refund my order', 'change password', 'refund for my order'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(256);
      expect(similarity(v, v)).toBeCloseTo(1, 5);
    }
    expect(similarity(vectors[0]!, vectors[2]!)).toBeGreaterThan(similarity(vectors[0]!, vectors[1]!));
    const [again] = await embedder.embed(['refund for my order']);
    expect(Array.from(again!)).toEqual(Array.from(vectors[2]!));
    // Batched by 2, floats requested explicitly.
    expect(stub.requests.map((r) => r.body)).toEqual([
      { model: 'stub-embedding', input: texts.slice(0, 2), encoding_format: 'float' },
      { model: 'stub-embedding', input: texts.slice(2), encoding_format: 'float' },
      { model: 'stub-embedding', input: ['refund for my order'], encoding_format: 'float' },
    ]);
  });

  it('maps embedding failures like chat failures', async () => {
    const { stub, llm } = await setup({ failure: 'status-429' });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'rate_limit' });
    stub.set({ failure: 'garbage' });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'bad_response' });
    stub.set({ failure: 'invalid-json-chunk' });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'bad_response' });
    stub.set({ failure: 'midstream-error' });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'server' });
    stub.set({ failure: 'drop' });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'network' });
  });

  it('aborts through the signal', async () => {
    const { stub, llm } = await setup({ failure: 'hang' });
    const controller = new AbortController();
    const pending = llm.embed(['x'], controller.signal);
    await stub.waitFor(() => stub.requests[0]?.status === 200);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    await stub.waitFor(() => stub.stats.aborted === 1);
  });

  it('needs an embedding model', async () => {
    const { llm } = await setup({}, { embeddingModel: null });
    await expect(llm.embed(['x'])).rejects.toMatchObject({ kind: 'bad_request' });
    expect(() => createProviderEmbedder(llm)).toThrow(/no embedding model/);
  });
});

describe('toProviderError', () => {
  it('keeps ProviderErrors and maps unknown errors to network', () => {
    const own = new ProviderError('server', 'x', 502);
    expect(toProviderError(own, 'p')).toBe(own);
    expect(toProviderError(new TypeError('terminated'), 'p').kind).toBe('network');
    expect(toProviderError(new SyntaxError('Unexpected token'), 'p').kind).toBe('bad_response');
  });
});

/** A bare HTTP server answering every request with `respond` (status 200, text/event-stream). */
async function rawServer(respond: (res: import('node:http').ServerResponse) => void) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
