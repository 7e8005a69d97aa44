import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RECORDINGS, recordingPath } from './recordings.ts';
import { firstArticle, firstSentence } from './stub-reply.ts';
import { type StubServer, type StubServerOptions, startStubServer } from './stub-server.ts';

const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function stub(options: StubServerOptions = {}): Promise<StubServer> {
  const server = await startStubServer(options);
  servers.push(server);
  return server;
}

const AUTH = { authorization: 'Bearer test-key', 'content-type': 'application/json' };
const USER = [{ role: 'user', content: 'Where is my order?' }];

function post(
  server: StubServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = AUTH,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

function chat(
  server: StubServer,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = AUTH,
) {
  return post(
    server,
    '/chat/completions',
    { model: 'stub-chat', messages: USER, stream: true, ...extra },
    headers,
  );
}

const json = (res: Response): Promise<any> => res.json();

/** The `data:` payloads of an SSE body, in order (comments and blank lines skipped). */
function dataLines(body: string): string[] {
  return body
    .split(/\r?\n\r?\n/)
    .flatMap((event) => event.split(/\r?\n/).filter((line) => line.startsWith('data: ')))
    .map((line) => line.slice('data: '.length));
}

function contentOf(payloads: string[]): string {
  return payloads
    .filter((p) => p !== '[DONE]')
    .map((p) => JSON.parse(p))
    .map((chunk) => chunk.choices?.[0]?.delta?.content ?? '')
    .join('');
}

/** Body bytes through node:http, counting the 'data' events the client saw. */
function rawChat(server: StubServer, body: unknown): Promise<{ bytes: Buffer; reads: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}/chat/completions`, { method: 'POST', headers: AUTH }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ bytes: Buffer.concat(chunks), reads: chunks.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('chat completions, streaming', () => {
  it('sends OpenAI SSE: a role chunk, content deltas, a finish chunk, a usage chunk, [DONE]', async () => {
    const server = await stub({ reply: 'Hello, this is the stub.', chunkSize: 5 });
    const res = await chat(server, { stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await res.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    for (const event of body.split('\n\n').filter(Boolean)) expect(event).toMatch(/^data: /);

    const payloads = dataLines(body);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: expect.stringMatching(/^chatcmpl-/),
        object: 'chat.completion.chunk',
        model: 'stub-chat',
      });
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const deltas = chunks.slice(1, -2).map((c) => c.choices[0].delta.content);
    expect(deltas).toEqual(['Hello', ', thi', 's is ', 'the s', 'tub.']);
    expect(chunks.at(-2).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('sends no usage without stream_options.include_usage', async () => {
    const server = await stub({ reply: 'Hi' });
    const chunks = dataLines(await (await chat(server)).text())
      .slice(0, -1)
      .map((p) => JSON.parse(p));
    expect(chunks.every((c) => !('usage' in c) && c.choices.length === 1)).toBe(true);
  });

  it('stops at max_tokens deltas with finish_reason "length"', async () => {
    const server = await stub({ reply: 'one two three four', chunkSize: 4 });
    const payloads = dataLines(await (await chat(server, { max_tokens: 2 })).text());
    expect(contentOf(payloads)).toBe('one two ');
    expect(JSON.parse(payloads.at(-2)!).choices[0].finish_reason).toBe('length');
  });

  it('splits by code points, never inside a surrogate pair', async () => {
    const server = await stub({ reply: '😊😊😊', chunkSize: 1 });
    const payloads = dataLines(await (await chat(server)).text());
    expect(payloads.slice(1, 4).map((p) => JSON.parse(p).choices[0].delta.content)).toEqual([
      '😊',
      '😊',
      '😊',
    ]);
  });
});

describe('replies', () => {
  it('quotes the first article of the system prompt', async () => {
    const server = await stub();
    const system =
      'Answer from these articles.\n<article id="kb-1" title="Refund policy">\nRefunds are issued within 14 days. Contact us.\n</article>\n' +
      '<article id="kb-2" title="Shipping">Orders ship in 2 days.</article>';
    const res = await chat(server, { messages: [{ role: 'system', content: system }, ...USER] });
    expect(contentOf(dataLines(await res.text()))).toBe(
      'According to "Refund policy": Refunds are issued within 14 days.',
    );
  });

  it("quotes the first of the bot's numbered articles", async () => {
    const server = await stub();
    const system =
      'You are the support assistant of Acme. Answer only from the provided articles.\n\nArticles:\n' +
      '[1] Shipping times\nOrders ship within 2 business days. Express is faster.\n\n[2] Refunds\nRefunds take 14 days.';
    const res = await chat(server, { messages: [{ role: 'system', content: system }, ...USER] });
    expect(contentOf(dataLines(await res.text()))).toBe(
      'According to "Shipping times": Orders ship within 2 business days.',
    );
    expect(firstArticle('Articles:\n[1] Only one\nIts body.')).toEqual({
      id: '1',
      title: 'Only one',
      body: 'Its body.',
    });
  });

  it('quotes an untitled Chinese article by its first sentence', async () => {
    const server = await stub();
    const system = '<article>退款将在 14 天内处理。请保留收据。</article>';
    const res = await chat(server, { messages: [{ role: 'system', content: system }, ...USER] });
    expect(contentOf(dataLines(await res.text()))).toBe(
      'According to the knowledge base: 退款将在 14 天内处理。',
    );
    expect(firstSentence('Version 1.2 is out. Next')).toBe('Version 1.2 is out.');
  });

  it('echoes the last user message without articles', async () => {
    const server = await stub();
    const messages = [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'a' }, ...USER];
    expect(contentOf(dataLines(await (await chat(server, { messages })).text()))).toBe(
      'Stub answer: Where is my order?',
    );
  });

  it('takes a reply function of the body, and set() changes the behaviour at runtime', async () => {
    const server = await stub({ reply: (body) => `model=${body.model}` });
    expect(contentOf(dataLines(await (await chat(server)).text()))).toBe('model=stub-chat');
    server.set({ reply: 'changed' });
    expect(contentOf(dataLines(await (await chat(server)).text()))).toBe('changed');
  });

  it('answers stream=false with a chat.completion object', async () => {
    const server = await stub({ reply: 'Whole answer.' });
    const res = await chat(server, { stream: false });
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'stub-chat',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Whole answer.' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    });
  });
});

describe('requests', () => {
  it('logs requests with parsed bodies and counts them', async () => {
    const server = await stub();
    await (await chat(server, { temperature: 0.2 })).text();
    await (await post(server, '/embeddings', { model: 'stub-embedding', input: 'x' })).json();
    expect(server.requests.map((r) => [r.kind, r.state, r.status])).toEqual([
      ['chat', 'finished', 200],
      ['embeddings', 'finished', 200],
    ]);
    expect(server.requests[0]!.body).toMatchObject({ model: 'stub-chat', temperature: 0.2, messages: USER });
    expect(server.stats).toMatchObject({
      requests: 2,
      chat: 1,
      embeddings: 1,
      failed: 0,
      finished: 2,
      aborted: 0,
    });
  });

  it('keeps the newest logLimit requests in the log and counts all', async () => {
    const server = await stub({ logLimit: 2 });
    for (let i = 0; i < 3; i++) await (await chat(server)).text();
    expect(server.requests.map((r) => r.id)).toEqual([2, 3]);
    expect(server.stats.requests).toBe(3);
  });

  it('requires a bearer key, answering 401 in the OpenAI error shape', async () => {
    const server = await stub();
    for (const headers of [{ 'content-type': 'application/json' }, { ...AUTH, authorization: 'Bearer ' }]) {
      const res = await chat(server, {}, headers);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({
        error: {
          message: expect.stringContaining('API key'),
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
  });

  it('rejects bodies that are not chat requests with 400', async () => {
    const server = await stub();
    expect((await chat(server, { messages: [] })).status).toBe(400);
    expect((await chat(server, { model: '' })).status).toBe(400);
    const notJson = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: AUTH,
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${server.url}/nothing`, { headers: AUTH })).status).toBe(404);
  });

  it('lists models', async () => {
    const server = await stub();
    const res = await fetch(`${server.url}/models`, { headers: AUTH });
    expect(await json(res)).toMatchObject({
      object: 'list',
      data: [{ id: 'stub-chat', object: 'model' }, { id: 'stub-embedding' }],
    });
  });
});

describe('failures', () => {
  it('status-401 answers 401 even with a key', async () => {
    const server = await stub({ failure: 'status-401' });
    const res = await chat(server);
    expect(res.status).toBe(401);
    expect((await json(res)).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  });

  it('status-429 and status-500 answer that status with an OpenAI error body', async () => {
    const server = await stub({ failure: 'status-429' });
    const limited = await chat(server);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await json(limited)).error.code).toBe('rate_limit_exceeded');
    server.set({ failure: 'status-500' });
    const failed = await chat(server);
    expect(failed.status).toBe(500);
    expect((await json(failed)).error.type).toBe('server_error');
    expect(server.stats.failed).toBe(2);
  });

  it('garbage answers 200 with bytes that are neither SSE nor JSON', async () => {
    const server = await stub({ failure: 'garbage' });
    const res = await chat(server);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(dataLines(bytes.toString('utf8'))).toEqual([]);
    expect(() => JSON.parse(bytes.toString('utf8'))).toThrow();
    expect(bytes.includes(0xff)).toBe(true);
  });

  it('hang sends headers then nothing, until the client goes away', async () => {
    const server = await stub({ failure: 'hang' });
    const controller = new AbortController();
    const res = await post(
      server,
      '/chat/completions',
      { model: 'm', messages: USER, stream: true },
      AUTH,
      controller.signal,
    );
    expect(res.status).toBe(200);
    const reading = res.text();
    expect(server.requests[0]!.state).toBe('open');
    controller.abort();
    await expect(reading).rejects.toThrow();
    await server.waitFor(() => server.stats.aborted === 1);
    expect(server.requests[0]!.state).toBe('aborted');
  });

  it('midstream-error sends some deltas, then an error object, and no [DONE]', async () => {
    const server = await stub({ failure: 'midstream-error', reply: 'abcdefgh', chunkSize: 2 });
    const payloads = dataLines(await (await chat(server)).text());
    expect(payloads).not.toContain('[DONE]');
    expect(JSON.parse(payloads.at(-1)!)).toEqual({
      error: expect.objectContaining({ type: 'server_error' }),
    });
    expect(contentOf(payloads.slice(0, -1))).toBe('abcd');
  });

  it('drop sends some deltas, then destroys the socket', async () => {
    const server = await stub({ failure: 'drop', reply: 'abcdefgh', chunkSize: 2 });
    const res = await chat(server);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
      }
    };
    await expect(read()).rejects.toThrow(/terminated/);
    expect(contentOf(dataLines(text))).toBe('abcd');
    expect(text).not.toContain('[DONE]');
    await server.waitFor(() => server.requests[0]!.state === 'dropped');
  });

  it('invalid-json-chunk sends one data line that is not JSON among valid ones', async () => {
    const server = await stub({ failure: 'invalid-json-chunk', reply: 'abcdefgh', chunkSize: 2 });
    const payloads = dataLines(await (await chat(server)).text());
    const invalid = payloads.slice(0, -1).filter((p) => {
      try {
        JSON.parse(p);
        return false;
      } catch {
        return true;
      }
    });
    expect(invalid).toHaveLength(1);
    expect(payloads.at(-1)).toBe('[DONE]');
  });

  it('failFirst fails only the first n requests, counted again after set()', async () => {
    const server = await stub({ failure: 'status-500', failFirst: 2 });
    const statuses = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await chat(server);
        await res.arrayBuffer();
        out.push(res.status);
      }
      return out;
    };
    expect(await statuses(3)).toEqual([500, 500, 200]);
    server.set({ failFirst: 1 });
    expect(await statuses(2)).toEqual([500, 200]);
  });

  it('x-stub-failure overrides the configured failure for one request', async () => {
    const server = await stub();
    const res = await chat(server, {}, { ...AUTH, 'x-stub-failure': 'status-429' });
    expect(res.status).toBe(429);
    expect((await chat(server)).status).toBe(200);
    expect((await chat(server, {}, { ...AUTH, 'x-stub-failure': 'nonsense' })).status).toBe(400);
  });

  it('applies failures to embeddings too', async () => {
    const server = await stub({ failure: 'midstream-error' });
    const res = await post(server, '/embeddings', { model: 'e', input: 'x' });
    expect(res.status).toBe(200);
    expect((await json(res)).error.type).toBe('server_error');
    server.set({ failure: 'invalid-json-chunk' });
    const truncated = await post(server, '/embeddings', { model: 'e', input: 'x' });
    await expect(truncated.json()).rejects.toThrow(SyntaxError);
  });
});

describe('wire details', () => {
  it('byteSplit writes 1-3 bytes at a time, splitting frames and UTF-8 characters', async () => {
    const reply = '退款将在审核通过后原路退回😊';
    const server = await stub({ reply, byteSplit: true, chunkSize: 3 });
    const { bytes, reads } = await rawChat(server, { model: 'm', messages: USER, stream: true });
    const entry = server.requests[0]!;
    expect(entry.maxWriteBytes).toBeLessThanOrEqual(3);
    expect(entry.writes).toBeGreaterThan(bytes.length / 3);
    // The client really received it in many pieces (far more than one per event).
    const events = dataLines(bytes.toString('utf8')).length;
    expect(reads).toBeGreaterThan(events * 2);
    expect(contentOf(dataLines(bytes.toString('utf8')))).toBe(reply);
  });

  it('keepAliveComments adds comment and blank lines that carry no data', async () => {
    const server = await stub({ reply: 'abcd', chunkSize: 2, keepAliveComments: true });
    const body = await (await chat(server)).text();
    expect(body.startsWith(': keep-alive\n\n')).toBe(true);
    expect(body.match(/^: keep-alive$/gm)!.length).toBeGreaterThan(3);
    expect(body).toContain('\n\n\n');
    expect(contentOf(dataLines(body))).toBe('abcd');
  });

  it.each(RECORDINGS.map((r) => r.name))('replays the recording %s byte for byte', async (name) => {
    const server = await stub({ recording: name, byteSplit: name === 'chinese-crlf' });
    const { bytes } = await rawChat(server, { model: 'm', messages: USER, stream: true });
    expect(bytes.equals(readFileSync(recordingPath(name)))).toBe(true);
  });

  it('stops writing when the client aborts mid-stream, and keeps serving', async () => {
    const server = await stub({ reply: 'a'.repeat(100), chunkSize: 1, tokenDelayMs: 60_000 });
    const controller = new AbortController();
    const res = await post(
      server,
      '/chat/completions',
      { model: 'm', messages: USER, stream: true },
      AUTH,
      controller.signal,
    );
    const reader = res.body!.getReader();
    await reader.read();
    await server.waitFor(() => server.requests[0]!.deltasSent === 1);
    controller.abort();
    await server.waitFor(() => server.stats.aborted === 1);
    expect(server.requests[0]!.deltasSent).toBe(1);
    server.set({ tokenDelayMs: 0, reply: 'ok' });
    expect(contentOf(dataLines(await (await chat(server)).text()))).toBe('ok');
  });

  it('close() ends open responses', async () => {
    const server = await startStubServer({ failure: 'hang' });
    const res = await chat(server);
    const reading = res.text().catch((error: unknown) => error);
    await server.close();
    expect(await reading).toBeInstanceOf(Error);
    expect(server.requests[0]!.state).toBe('closed');
    expect(server.stats.aborted).toBe(0);
  });
});

describe('embeddings', () => {
  const embed = async (server: StubServer, body: Record<string, unknown>) =>
    (await (await post(server, '/embeddings', { model: 'stub-embedding', ...body })).json()) as {
      data: Array<{ object: string; index: number; embedding: number[] | string }>;
      model: string;
      usage: { prompt_tokens: number; total_tokens: number };
    };
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it('answers in the OpenAI shape with deterministic unit vectors', async () => {
    const server = await stub();
    const first = await embed(server, { input: ['How do I get a refund?', '退款多久到账？'] });
    expect(first).toMatchObject({
      object: 'list',
      model: 'stub-embedding',
      usage: { prompt_tokens: expect.any(Number) },
    });
    expect(first.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);
    const vectors = first.data.map((d) => d.embedding as number[]);
    for (const v of vectors) {
      expect(v).toHaveLength(256);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    const again = await embed(server, { input: 'How do I get a refund?' });
    expect(again.data[0]!.embedding).toEqual(vectors[0]);
  });

  it('gives similar texts closer vectors than unrelated ones', async () => {
    const server = await stub();
    const { data } = await embed(server, {
      input: ['refund my order', 'refund for my order', 'change the password'],
    });
    const [a, b, c] = data.map((d) => d.embedding as number[]);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
  });

  it('honours dimensions (option and request) and base64 encoding', async () => {
    const server = await stub({ dimensions: 64 });
    const floats = (await embed(server, { input: 'hello' })).data[0]!.embedding as number[];
    expect(floats).toHaveLength(64);
    expect((await embed(server, { input: 'hello', dimensions: 32 })).data[0]!.embedding).toHaveLength(32);
    const base64 = (await embed(server, { input: 'hello', encoding_format: 'base64' })).data[0]!
      .embedding as string;
    const bytes = Buffer.from(base64, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    expect(decoded).toEqual(Array.from(Float32Array.from(floats)));
  });

  it('rejects input that is not text with 400', async () => {
    const server = await stub();
    const res = await post(server, '/embeddings', { model: 'e', input: [1, 2, 3] });
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe('input');
  });
});
