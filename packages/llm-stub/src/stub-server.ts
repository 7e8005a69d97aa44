import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordingPath } from './recordings.ts';
import { stubEmbedding, toBase64Float32 } from './stub-embeddings.ts';
import { type ChatRequestBody, defaultReply, messageText } from './stub-reply.ts';

/**
 * How the stub misbehaves:
 * - `status-401` / `status-429` / `status-500`: that status with an OpenAI error body (401 even with a key);
 * - `garbage`: 200 with an HTML page and a few binary bytes, neither SSE nor JSON;
 * - `hang`: 200 headers, then nothing until the client leaves;
 * - `midstream-error`: half of the deltas, then `data: {"error":{...}}` and the end of the body;
 * - `drop`: half of the deltas, then the socket is destroyed (no `[DONE]`, no terminating chunk);
 * - `invalid-json-chunk`: half of the deltas, one `data:` line of truncated JSON, then the rest.
 *
 * Embeddings and non-streaming completions fail the same way where it makes sense: the error
 * object as a 200 JSON body for `midstream-error`, half a body then a destroyed socket for `drop`,
 * truncated JSON for `invalid-json-chunk`.
 */
export type StubFailure =
  | 'none'
  | 'status-401'
  | 'status-429'
  | 'status-500'
  | 'garbage'
  | 'hang'
  | 'midstream-error'
  | 'drop'
  | 'invalid-json-chunk';

export const STUB_FAILURES: readonly StubFailure[] = [
  'none',
  'status-401',
  'status-429',
  'status-500',
  'garbage',
  'hang',
  'midstream-error',
  'drop',
  'invalid-json-chunk',
];

/** What the stub does; every field can be changed at runtime with `set()`. */
export interface StubBehaviour {
  /** Wait before the first delta (headers are sent at once). @default 0 */
  firstTokenDelayMs?: number;
  /** Wait between two deltas (between two events of a recording). @default 0 */
  tokenDelayMs?: number;
  /** The answer; by default see `defaultReply` (quotes the first article of the system prompt). */
  reply?: string | ((body: ChatRequestBody) => string);
  /** Characters (code points) per delta. @default 4 */
  chunkSize?: number;
  /** @default 'none' */
  failure?: StubFailure;
  /** Fail only the next n requests (counted from when this is set), then behave. @default every request */
  failFirst?: number | null;
  /** Write the body in random 1–3 byte writes, one event-loop turn apart. @default false */
  byteSplit?: boolean;
  /** `: keep-alive` comments and blank lines before and between events. @default false */
  keepAliveComments?: boolean;
  /**
   * Replay a recorded stream byte for byte instead of generating one (streaming requests without
   * a failure): a name in `recordings/` (`openai`, `deepseek-reasoner`...) or a path.
   */
  recording?: string | null;
  /** Embedding length when the request has no `dimensions`. @default 256 */
  dimensions?: number;
  /** Seed of the byteSplit write sizes. @default 1 */
  seed?: number;
}

export interface StubServerOptions extends StubBehaviour {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** How many requests `requests` keeps (the newest); `stats` counts them all. @default 10_000 */
  logLimit?: number;
}

export type StubRequestState = 'open' | 'finished' | 'aborted' | 'dropped' | 'closed';

/** One received chat or embeddings request. */
export interface StubRequest {
  readonly id: number;
  readonly kind: 'chat' | 'embeddings';
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
  /** The failure applied to this request. */
  failure: StubFailure;
  /** The status sent, 0 before the headers. */
  status: number;
  /**
   * `open` while the stub works on it; then `finished` (sent whole), `aborted` (the client went
   * away first), `dropped` (the stub destroyed the socket) or `closed` (the stub shut down).
   */
  state: StubRequestState;
  /** Content deltas (or recorded events) written so far. */
  deltasSent: number;
  /** Calls of `res.write` for the body; with byteSplit, none is over 3 bytes. */
  writes: number;
  maxWriteBytes: number;
}

export interface StubStats {
  /** Chat and embeddings requests received. */
  requests: number;
  chat: number;
  embeddings: number;
  /** Requests the stub failed on purpose. */
  failed: number;
  finished: number;
  /** Requests whose client went away before the response ended. */
  aborted: number;
}

export interface StubServer {
  /** Base URL, ending with `/v1`. */
  readonly url: string;
  readonly port: number;
  /** The chat/embeddings requests received (the last `logLimit`), oldest first. */
  readonly requests: readonly StubRequest[];
  readonly stats: Readonly<StubStats>;
  /** Emits `request` (a StubRequest arrived), `settled` (it ended, see its state) and `change` (anything). */
  readonly events: EventEmitter;
  /** Changes the behaviour for the next requests (merged into the current one). */
  set(options: StubBehaviour): void;
  /** Resolves once `predicate()` is true, re-checking on every change; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Ends open responses, closes every connection and the listener. */
  close(): Promise<void>;
}

const SERVER_ERROR = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

interface Exchange {
  entry: StubRequest;
  res: ServerResponse;
  behaviour: StubBehaviour;
  /** Aborted when the response closes, for whatever reason. */
  done: AbortController;
  random: () => number;
}

/** Starts a local OpenAI-compatible server (chat completions, embeddings, models). */
export async function startStubServer(options: StubServerOptions = {}): Promise<StubServer> {
  const { port = 0, host = '127.0.0.1', logLimit = 10_000, ...initial } = options;
  let behaviour: StubBehaviour = { ...initial };
  let failuresLeft: number | null = initial.failFirst ?? null;
  let closing = false;
  let nextId = 1;
  const requests: StubRequest[] = [];
  const stats: StubStats = { requests: 0, chat: 0, embeddings: 0, failed: 0, finished: 0, aborted: 0 };
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = () => events.emit('change');

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { error: { ...SERVER_ERROR, message: `stub: ${String(error)}` } });
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    const kind = path === '/v1/chat/completions' ? 'chat' : path === '/v1/embeddings' ? 'embeddings' : null;
    if (req.method === 'GET' && path === '/v1/models') {
      if (!authorised(req)) return sendJson(res, 401, missingKey());
      return sendJson(res, 200, models());
    }
    if (!kind) {
      return sendJson(
        res,
        404,
        openAiError(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'),
      );
    }
    if (req.method !== 'POST') {
      return sendJson(res, 405, openAiError(`Method ${req.method} not allowed`, 'invalid_request_error'));
    }

    const current = behaviour;
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }

    const headerFailure = req.headers['x-stub-failure'];
    let failure: StubFailure = 'none';
    if (typeof headerFailure === 'string' && headerFailure !== '') {
      if (!STUB_FAILURES.includes(headerFailure as StubFailure)) {
        return sendJson(
          res,
          400,
          openAiError(`x-stub-failure must be one of ${STUB_FAILURES.join(', ')}`, 'invalid_request_error'),
        );
      }
      failure = headerFailure as StubFailure;
    } else if ((current.failure ?? 'none') !== 'none' && (failuresLeft === null || failuresLeft > 0)) {
      failure = current.failure!;
      if (failuresLeft !== null) failuresLeft--;
    }

    const id = nextId++;
    const entry: StubRequest = {
      id,
      kind,
      path,
      headers: req.headers,
      body,
      failure,
      status: 0,
      state: 'open',
      deltasSent: 0,
      writes: 0,
      maxWriteBytes: 0,
    };
    requests.push(entry);
    if (requests.length > logLimit) requests.shift();
    stats.requests++;
    stats[kind]++;
    if (failure !== 'none') stats.failed++;
    const exchange: Exchange = {
      entry,
      res,
      behaviour: current,
      done: new AbortController(),
      random: mulberry32((current.seed ?? 1) * 7919 + id),
    };
    res.on('close', () => {
      if (entry.state === 'open') {
        if (res.writableFinished) {
          entry.state = 'finished';
          stats.finished++;
        } else if (closing) {
          entry.state = 'closed';
        } else {
          entry.state = 'aborted';
          stats.aborted++;
        }
      }
      exchange.done.abort();
      events.emit('settled', entry);
      changed();
    });
    events.emit('request', entry);
    changed();

    if (failure === 'status-401') return sendJson(res, 401, invalidKey(req), entry);
    if (!authorised(req)) return sendJson(res, 401, missingKey(), entry);
    if (!body || typeof body !== 'object') {
      return sendJson(
        res,
        400,
        openAiError('We could not parse the JSON body of your request.', 'invalid_request_error'),
        entry,
      );
    }
    if (failure === 'status-429') {
      res.setHeader('retry-after', '1');
      return sendJson(
        res,
        429,
        openAiError(
          'Rate limit reached for requests (stub). Please try again in 1s.',
          'requests',
          'rate_limit_exceeded',
        ),
        entry,
      );
    }
    if (failure === 'status-500') return sendJson(res, 500, { error: SERVER_ERROR }, entry);
    if (kind === 'chat') return chat(exchange, body as ChatRequestBody);
    return embeddings(exchange, body as Record<string, unknown>);
  }

  async function chat(x: Exchange, body: ChatRequestBody): Promise<void> {
    const { res, entry, behaviour: b } = x;
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendJson(
        res,
        400,
        openAiError("[] is too short - 'messages'", 'invalid_request_error', null, 'messages'),
        entry,
      );
    }
    if (typeof body.model !== 'string' || body.model === '') {
      return sendJson(
        res,
        400,
        openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'),
        entry,
      );
    }
    const failure = entry.failure;
    if (failure === 'garbage') return garbage(x);
    if (failure === 'hang') {
      head(x, body.stream ? sseHeaders() : { 'content-type': 'application/json' });
      return;
    }

    const reply = typeof b.reply === 'function' ? b.reply(body) : (b.reply ?? defaultReply(body));
    const pieces = split(reply, Math.max(1, b.chunkSize ?? 4));
    const limit = body.max_completion_tokens ?? body.max_tokens;
    const truncated = typeof limit === 'number' && limit > 0 && pieces.length > limit;
    if (truncated) pieces.length = limit;
    const finishReason = truncated ? 'length' : 'stop';
    const promptTokens = Math.ceil(body.messages.reduce((n, m) => n + messageText(m.content).length, 0) / 4);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: pieces.length,
      total_tokens: promptTokens + pieces.length,
    };
    const meta = {
      id: `chatcmpl-stub${entry.id}`,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
    };

    if (!body.stream) {
      const completion = {
        id: meta.id,
        object: 'chat.completion',
        created: meta.created,
        model: meta.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: pieces.join(''), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        service_tier: 'default',
        system_fingerprint: 'fp_stub',
      };
      if (
        !(await pause(x, (b.firstTokenDelayMs ?? 0) + (b.tokenDelayMs ?? 0) * Math.max(0, pieces.length - 1)))
      ) {
        return;
      }
      return sendBodyWithFailure(x, completion);
    }

    head(x, sseHeaders());

    if (b.recording && failure === 'none') return replay(x, b.recording);

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], usageValue: unknown = null) => ({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      service_tier: 'default',
      system_fingerprint: 'fp_stub',
      choices,
      ...(includeUsage ? { usage: usageValue } : {}),
    });
    const delta = (content: Record<string, unknown>, finish: string | null = null) =>
      chunk([{ index: 0, delta: content, logprobs: null, finish_reason: finish }]);

    if (b.keepAliveComments && !(await send(x, ': keep-alive\n\n'))) return;
    if (!(await pause(x, b.firstTokenDelayMs ?? 0))) return;
    if (!(await sendEvent(x, delta({ role: 'assistant', content: '', refusal: null })))) return;

    const cut =
      failure === 'none' || failure === 'invalid-json-chunk'
        ? pieces.length
        : Math.max(1, Math.floor(pieces.length / 2));
    const invalidAt = failure === 'invalid-json-chunk' ? Math.max(1, Math.floor(pieces.length / 2)) : -1;
    for (let i = 0; i < cut && i < pieces.length; i++) {
      if (i > 0 && !(await pause(x, b.tokenDelayMs ?? 0))) return;
      if (
        i === invalidAt &&
        !(await send(
          x,
          `data: {"id":"${meta.id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tru\n\n`,
        ))
      ) {
        return;
      }
      if (!(await sendEvent(x, delta({ content: pieces[i] })))) return;
      entry.deltasSent++;
      changed();
    }

    if (failure === 'midstream-error') {
      await send(x, `data: ${JSON.stringify({ error: SERVER_ERROR })}\n\n`);
      return end(x);
    }
    if (failure === 'drop') return drop(x);

    if (!(await sendEvent(x, delta({}, finishReason)))) return;
    if (includeUsage && !(await sendEvent(x, chunk([], usage)))) return;
    if (!(await send(x, 'data: [DONE]\n\n'))) return;
    end(x);
  }

  async function embeddings(x: Exchange, body: Record<string, unknown>): Promise<void> {
    const { res, entry, behaviour: b } = x;
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === 'string')) {
      return sendJson(
        res,
        400,
        openAiError(
          "'input' must be a non-empty string or array of strings",
          'invalid_request_error',
          null,
          'input',
        ),
        entry,
      );
    }
    if (typeof body.model !== 'string' || body.model === '') {
      return sendJson(
        res,
        400,
        openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'),
        entry,
      );
    }
    if (entry.failure === 'garbage') return garbage(x);
    if (entry.failure === 'hang') {
      head(x, { 'content-type': 'application/json' });
      return;
    }
    const dimensions =
      typeof body.dimensions === 'number' && body.dimensions > 0 ? body.dimensions : (b.dimensions ?? 256);
    const base64 = body.encoding_format === 'base64';
    const tokens = input.reduce((n: number, t: string) => n + Math.ceil(t.length / 4), 0);
    if (!(await pause(x, b.firstTokenDelayMs ?? 0))) return;
    return sendBodyWithFailure(x, {
      object: 'list',
      data: input.map((text: string, index) => {
        const vector = stubEmbedding(text, dimensions);
        return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
      }),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  /** A whole JSON body, or what the request's failure makes of it. */
  async function sendBodyWithFailure(x: Exchange, value: unknown): Promise<void> {
    const { res, entry } = x;
    if (entry.failure === 'midstream-error') return sendJson(res, 200, { error: SERVER_ERROR }, entry);
    const json = JSON.stringify(value);
    if (entry.failure === 'none') return sendJson(res, 200, value, entry);
    head(x, { 'content-type': 'application/json' });
    const half = json.slice(0, Math.floor(json.length / 2));
    if (!(await send(x, half))) return;
    if (entry.failure === 'drop') return drop(x);
    end(x); // invalid-json-chunk: the truncated JSON is the whole body
  }

  async function garbage(x: Exchange): Promise<void> {
    head(x, { 'content-type': 'text/html' });
    const page =
      '<html>\r\n<head><title>Welcome</title></head>\r\n<body>\r\n<h1>It works!</h1>\r\n' +
      '<p>Please log in to the network to continue.</p>\r\n</body>\r\n</html>\r\n';
    if (
      !(await send(x, Buffer.concat([Buffer.from(page), Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x0a])])))
    ) {
      return;
    }
    end(x);
  }

  async function replay(x: Exchange, recording: string): Promise<void> {
    const b = x.behaviour;
    const events = recordedEvents(recording);
    for (let i = 0; i < events.length; i++) {
      if (!(await pause(x, i === 0 ? (b.firstTokenDelayMs ?? 0) : (b.tokenDelayMs ?? 0)))) return;
      if (!(await send(x, events[i]!))) return;
      x.entry.deltasSent++;
      changed();
    }
    end(x);
  }

  function sendEvent(x: Exchange, value: unknown): Promise<boolean> {
    const frame = `data: ${JSON.stringify(value)}\n\n`;
    return send(x, x.behaviour.keepAliveComments ? `${frame}\n: keep-alive\n\n` : frame);
  }

  /** Writes bytes (split when byteSplit); false once the client is gone. */
  async function send(x: Exchange, data: string | Buffer): Promise<boolean> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (!x.behaviour.byteSplit) return write(x, bytes);
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(x.random() * 3);
      if (!(await write(x, bytes.subarray(at, at + size)))) return false;
      at += size;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return !x.done.signal.aborted;
  }

  async function write(x: Exchange, bytes: Buffer): Promise<boolean> {
    if (x.done.signal.aborted || x.res.destroyed) return false;
    x.entry.writes++;
    x.entry.maxWriteBytes = Math.max(x.entry.maxWriteBytes, bytes.length);
    if (!x.res.write(bytes)) {
      try {
        await once(x.res, 'drain', { signal: x.done.signal });
      } catch {
        return false;
      }
    }
    return !x.done.signal.aborted;
  }

  /** Waits, unless the response closes first; false when it did. */
  async function pause(x: Exchange, ms: number): Promise<boolean> {
    if (ms > 0) {
      try {
        await sleep(ms, undefined, { signal: x.done.signal });
      } catch {
        return false;
      }
    }
    return !x.done.signal.aborted;
  }

  /** Sends 200 and the headers now (before any body byte, as providers do). */
  function head(x: Exchange, headers: Record<string, string>): void {
    x.entry.status = 200;
    x.res.writeHead(200, headers);
    x.res.flushHeaders();
    changed();
  }

  function end(x: Exchange): void {
    if (!x.done.signal.aborted) x.res.end();
  }

  /** Destroys the socket once what was written has reached it. */
  async function drop(x: Exchange): Promise<void> {
    if (x.done.signal.aborted) return;
    await new Promise<void>((resolve) => x.res.write('', () => resolve()));
    if (x.entry.state === 'open') x.entry.state = 'dropped';
    x.res.socket?.destroy();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}/v1`,
    port: address.port,
    requests,
    stats,
    events,
    set(options: StubBehaviour) {
      behaviour = { ...behaviour, ...options };
      if ('failFirst' in options) failuresLeft = options.failFirst ?? null;
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        if (predicate()) return resolve();
        const check = () => {
          if (!predicate()) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`stub: condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          events.off('change', check);
        };
        events.on('change', check);
      });
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function sseHeaders(): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_stub${Math.random().toString(16).slice(2, 14)}`,
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown, entry?: StubRequest): void {
  if (entry) entry.status = status;
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function openAiError(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function authorised(req: IncomingMessage): boolean {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+\S/i.test(header)) return true;
  const azureKey = req.headers['api-key'];
  return typeof azureKey === 'string' && azureKey.trim() !== '';
}

function missingKey() {
  return openAiError(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    'invalid_request_error',
  );
}

function invalidKey(req: IncomingMessage) {
  const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const shown = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
  return openAiError(
    `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    'invalid_api_key',
  );
}

function models() {
  const created = 1_700_000_000;
  return {
    object: 'list',
    data: ['stub-chat', 'stub-embedding'].map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'llm-stub',
    })),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Splits by code points, so no delta holds half a surrogate pair. */
function split(text: string, size: number): string[] {
  const chars = [...text];
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

const recordingCache = new Map<string, Buffer[]>();

/** A recording cut after each blank line, so the pieces concatenate to the file byte for byte. */
function recordedEvents(recording: string): Buffer[] {
  const file = recordingPath(recording);
  let events = recordingCache.get(file);
  if (!events) {
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1'); // one char per byte: indices are byte offsets
    events = [];
    let start = 0;
    for (const match of text.matchAll(/\r\n\r\n|\n\n|\r\r/g)) {
      const endAt = match.index + match[0].length;
      events.push(bytes.subarray(start, endAt));
      start = endAt;
    }
    if (start < bytes.length) events.push(bytes.subarray(start));
    recordingCache.set(file, events);
  }
  return events;
}

/** A small seeded PRNG (mulberry32), so byteSplit runs are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
