import { ERROR_CODES } from '@unique-support/protocol';
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

/**
 * Property-style fuzzing with a seeded generator: random JSON and garbage to every
 * POST/PATCH route and as WebSocket frames. Whatever comes in: no 500, every error in
 * the contract's shape, the server and the socket still answer, and messages are
 * stored only when a 201 or an ack says so. Reproduce a failure with FUZZ_SEED=<seed>.
 */

const SEED = Number(process.env.FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
/** Requests per route, frames per socket. */
const PER_ROUTE = Number(process.env.FUZZ_RUNS) || 200;
const PER_SOCKET = Number(process.env.FUZZ_FRAMES) || 500;
const CONCURRENCY = 8;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
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

// biome-ignore format: compact tables
const UNICODE = [
  'é', 'ß', 'Ω', '中文', '转人工', '人工', '🙂', '👩‍👩‍👧', '𝕏', 'e\u0301', '\u200b', '\u202e', '\ufeff', '\u0000',
  '\u0007', '\u001b[31m', '\ud800', '\udfff', '\uffff', 'ﷺ', '\n', '\r\n', '\t', '"', '\\', '/', "'", '`',
];
// biome-ignore format: compact tables
const SPECIAL = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', "' OR 1=1 --",
  '"; DROP TABLE messages; --', '../../etc/passwd', '<script>alert(1)</script>', '$' + '{7*7}', '{{7*7}}', '%00',
  '%s%s%s', 'null', 'undefined', 'NaN', 'true', '0', '-1', '1e309', ' ', 'human', 'agent', 'admin', 'visitor', 'bot',
  'queued', 'assigned', 'resolved',
];
// biome-ignore format: compact tables
const NUMBERS = [
  '0', '-0', '1', '-1', '2', '3', '5', '6', '2.5', '0.1', '1e3', '1e308', '1e999', '-1e999', '1E-400', '4.9e-324',
  '9007199254740993', '123456789012345678901234567890', '-9223372036854775809', '1000', '1001', '4000', '4001',
];
// biome-ignore format: compact tables
const FIELDS = [
  'text', 'clientMessageId', 'score', 'comment', 'agentId', 'email', 'password', 'name', 'workspaceName', 'widgetKey',
  'visitorToken', 'attributes', 'pageUrl', 'role', 'maxConcurrent', 'type', 'conversationId', 'lastSeq', 'isTyping',
  'seq', 'status', '__proto__', 'constructor', 'prototype', '',
];
// biome-ignore format: compact tables
const FRAGMENTS = [
  '{', '}', '[', ']', '"', ':', ',', 'null', 'tru', 'false', '1e', '-', '\\', '\\u', '\\ud800', '__proto__', 'NaN',
  'Infinity', 'undefined', '0x1F', "'", ' ', '\n', '/*', '*/', '\u0000', '😀', '"type"', '"ping"', '"message.send"',
];

class Gen {
  readonly next: () => number;
  /** Values the server knows (ids, keys, tokens): they get requests past the first checks. */
  pool: string[] = [];

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A JS string (may hold lone surrogates and control characters). */
  string(): string {
    switch (this.int(9)) {
      case 0:
        return '';
      case 1:
        return Array.from({ length: 1 + this.int(20) }, () => String.fromCharCode(32 + this.int(95))).join(
          '',
        );
      case 2:
        return this.pick(['a', 'é', '中', '🙂', 'ab ']).repeat(
          100 + this.int(this.chance(0.2) ? 20_000 : 5000),
        );
      case 3:
        return Array.from({ length: 1 + this.int(30) }, () => this.pick(UNICODE)).join('');
      case 4:
        return this.pick(SPECIAL);
      case 5:
        return this.pool.length > 0 ? this.pick(this.pool) : 'x';
      case 6:
        return Array.from({ length: 1 + this.int(10) }, () => String.fromCharCode(this.int(0x10000))).join(
          '',
        );
      case 7:
        return `fuzz${this.int(1000)}@example.test`;
      default:
        return `value-${this.int(1_000_000)} ${this.pick(UNICODE)}`;
    }
  }

  /** JSON text of a random value; objects may repeat keys and carry `__proto__`. */
  value(depth = 0): string {
    const kind = this.int(depth > 3 ? 5 : 8);
    switch (kind) {
      case 0:
        return 'null';
      case 1:
        return this.chance(0.5) ? 'true' : 'false';
      case 2:
        return this.chance(0.6) ? this.pick(NUMBERS) : String((this.next() - 0.5) * 10 ** this.int(20));
      case 3:
      case 4:
        return JSON.stringify(this.string());
      case 5:
        return `[${Array.from({ length: this.int(6) }, () => this.value(depth + 1)).join(',')}]`;
      default:
        return this.object(
          Array.from({ length: this.int(7) }, () => [
            this.chance(0.6) ? this.pick(FIELDS) : this.string(),
            this.value(depth + 1),
          ]),
        );
    }
  }

  object(entries: [string, string][]): string {
    return `{${entries.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(',')}}`;
  }

  /** An object with (some of) the given fields, each a plausible or a random value. */
  shaped(fields: Record<string, () => string>, plausibility = 0.6): string {
    const entries: [string, string][] = [];
    for (const [key, plausible] of Object.entries(fields)) {
      if (this.chance((1 - plausibility) / 3)) continue;
      entries.push([key, this.chance(plausibility) ? plausible() : this.value(1)]);
    }
    if (this.chance(0.2)) entries.push([this.pick(FIELDS), this.value(1)]);
    if (this.chance(0.1))
      entries.splice(this.int(entries.length + 1), 0, ['__proto__', this.object([['polluted', 'true']])]);
    return this.object(entries);
  }

  /** Text that is rarely valid JSON. */
  garbage(): string {
    if (this.chance(0.3)) {
      const text = this.value();
      return text.slice(0, this.int(text.length + 1));
    }
    return Array.from({ length: this.int(40) }, () => this.pick(FRAGMENTS)).join('');
  }

  /** A request body: mostly shaped, sometimes any JSON, sometimes garbage. */
  body(fields: Record<string, () => string>): string {
    const roll = this.next();
    if (roll < 0.5) return this.shaped(fields);
    if (roll < 0.8) return this.value();
    return this.garbage();
  }

  str = (): string => JSON.stringify(this.string());
  num = (): string => this.pick(NUMBERS);
  /** `pick` of JSON texts. */
  oneOf =
    (...texts: string[]) =>
    (): string =>
      this.pick(texts);
}

/** Bodies that stress parsers: deep nesting, prototype keys, huge numbers, odd encodings. */
const NASTY: string[] = [
  '['.repeat(100_000),
  `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  `{"text":"hi","clientMessageId":"deep","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
  '{"__proto__":{"isAdmin":true},"text":"proto","clientMessageId":"proto"}',
  '{"constructor":{"prototype":{"polluted":true}},"text":"ctor","clientMessageId":"ctor"}',
  '{"text":"dup","text":{"a":1},"clientMessageId":"dup"}',
  '{"score":1e999}',
  '{"score":5.0000000000000001}',
  '{"maxConcurrent":1e400}',
  '{"text":"\\ud800\\udc00\\ud800","clientMessageId":"surrogate"}',
  '\ufeff{"text":"bom","clientMessageId":"bom"}',
  '"just a string"',
  'null',
  '0',
  '[]',
  '{"type":"ping","__proto__":{"type":"message.send"}}',
];

interface Observed {
  status: number;
  body: any;
  requestId: string | null;
  what: string;
}

async function send(
  base: string,
  method: string,
  path: string,
  body: string | Uint8Array,
  token?: string,
  contentType: string | null = 'application/json',
): Promise<Observed> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType !== null) headers['content-type'] = contentType;
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  const preview = typeof body === 'string' ? body.slice(0, 200) : `<${body.length} bytes>`;
  return {
    status: response.status,
    body: parsed,
    requestId: response.headers.get('x-request-id'),
    what: `${method} ${path} [${contentType}] ${JSON.stringify(preview)}`,
  };
}

const STATUS_OF_CODE = new Map(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]));

/** No 500, and every error is `{error: {code, message, requestId}}` with the code's status. */
function checkResponse(res: Observed, seed: number): void {
  const context = `seed ${seed}: ${res.what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  expect(res.status, context).toBeLessThan(500);
  expect(res.requestId, context).toBeTruthy();
  if (res.status < 400) return;
  expect(res.body, context).toMatchObject({
    error: { code: expect.any(String), message: expect.any(String), requestId: res.requestId },
  });
  expect(STATUS_OF_CODE.get(res.body.error.code), context).toBe(res.status);
}

let srv: TestServer;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  srv = await startServer({ LOGIN_RATE_LIMIT: '1000000' });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
});

/** The scene: an admin, a plain agent (the PATCH target), a visitor with two conversations. */
async function scene() {
  const admin = await login(srv.url);
  const widgetKey = await widgetKeyOf(srv.url, admin.token);
  const created = await api(srv.url, 'POST', '/api/v1/agents', {
    token: admin.token,
    body: { name: 'Target', email: 'target@test.local', password: 'target-password' },
  });
  expect(created.status).toBe(201);
  const target: { id: string } = created.body.agent;
  const visitor = await newVisitorConversation(srv.url, widgetKey);
  // Messages go to `inbox`: queued with no agent online, so the bot never adds any of its own.
  const inbox: string = visitor.conversation.id;
  expect(
    (await api(srv.url, 'POST', `/api/v1/conversations/${inbox}/handoff`, { token: visitor.token })).status,
  ).toBe(200);
  // State changes (handoff, assign, resolve, rating) go to `other`.
  const other: string = (await api(srv.url, 'POST', '/api/v1/conversations', { token: visitor.token })).body
    .conversation.id;
  return { admin, widgetKey, target, visitor, inbox, other };
}

async function storedMessages(conversationId: string, token: string) {
  const { status, body } = await api(
    srv.url,
    'GET',
    `/api/v1/conversations/${conversationId}/messages?limit=1000`,
    {
      token,
    },
  );
  expect(status).toBe(200);
  return body.messages as { id: string; seq: number; author: { type: string } }[];
}

async function stillHealthy(adminToken: string) {
  expect((await api(srv.url, 'GET', '/healthz')).status).toBe(200);
  expect((await api(srv.url, 'GET', '/api/v1/me', { token: adminToken })).status).toBe(200);
  await login(srv.url);
}

describe('fuzzing', () => {
  it(`REST bodies (seed ${SEED})`, async () => {
    const gen = new Gen(SEED);
    const { admin, widgetKey, target, visitor, inbox, other } = await scene();
    // Not `inbox`: a random path must never resolve it (a reopened conversation may go back to the bot).
    gen.pool = [widgetKey, other, admin.agent.id, target.id, visitor.token, admin.token, 'admin@test.local'];
    const storedBefore = await storedMessages(inbox, admin.token);
    expect(storedBefore).toEqual([]);

    /** Mostly the real id (undefined); sometimes another well-formed one (random paths have their own test). */
    const id = () => {
      if (gen.chance(0.85)) return undefined;
      const ascii = Array.from({ length: 1 + gen.int(30) }, () => String.fromCharCode(32 + gen.int(95)));
      return gen.pick([
        other,
        admin.agent.id,
        target.id,
        'cv_nope',
        'ag_nope',
        encodeURIComponent(ascii.join('')),
      ]);
    };
    const routes: { method: string; path: () => string; token?: () => string; body: () => string }[] = [
      {
        method: 'POST',
        path: () => '/api/v1/signup',
        body: () => gen.body({ workspaceName: gen.str, name: gen.str, email: gen.str, password: gen.str }),
      },
      {
        method: 'POST',
        path: () => '/api/v1/auth/login',
        body: () =>
          gen.body({
            email: gen.oneOf('"admin@test.local"', '"target@test.local"', gen.str()),
            password: gen.str,
          }),
      },
      {
        method: 'POST',
        path: () => '/api/v1/agents',
        token: () => admin.token,
        body: () =>
          gen.body({
            name: gen.str,
            email: gen.str,
            password: gen.str,
            role: gen.oneOf('"admin"', '"agent"', gen.str()),
            maxConcurrent: gen.num,
          }),
      },
      {
        method: 'PATCH',
        // Never the admin itself: a random valid password would lock the test out.
        path: () => {
          const agentId = id();
          return `/api/v1/agents/${agentId === undefined || agentId === admin.agent.id ? target.id : agentId}`;
        },
        token: () => admin.token,
        body: () =>
          gen.body({
            name: gen.str,
            password: gen.str,
            role: gen.oneOf('"admin"', '"agent"'),
            maxConcurrent: gen.num,
          }),
      },
      {
        method: 'POST',
        path: () => '/api/v1/widget/session',
        body: () =>
          gen.body({
            widgetKey: gen.oneOf(JSON.stringify(widgetKey), gen.str()),
            visitorToken: gen.oneOf(JSON.stringify(visitor.token), gen.str()),
            name: gen.str,
            email: gen.str,
            attributes: () => gen.value(),
            pageUrl: gen.str,
          }),
      },
      {
        method: 'POST',
        path: () => '/api/v1/conversations',
        token: () => visitor.token,
        body: () => gen.body({}),
      },
      {
        method: 'POST',
        path: () => `/api/v1/conversations/${id() ?? inbox}/messages`,
        token: () => (gen.chance(0.5) ? visitor.token : admin.token),
        body: () =>
          gen.body({
            text: gen.str,
            clientMessageId: () => (gen.chance(0.3) ? JSON.stringify(`c${gen.int(50)}`) : gen.str()),
          }),
      },
      ...['handoff', 'resolve'].map((action) => ({
        method: 'POST',
        path: () => `/api/v1/conversations/${id() ?? other}/${action}`,
        token: () => (gen.chance(0.5) ? visitor.token : admin.token),
        body: () => gen.body({}),
      })),
      {
        method: 'POST',
        path: () => `/api/v1/conversations/${id() ?? other}/assign`,
        token: () => admin.token,
        body: () =>
          gen.body({
            agentId: gen.oneOf(JSON.stringify(admin.agent.id), JSON.stringify(target.id), gen.str()),
          }),
      },
      {
        method: 'POST',
        path: () => `/api/v1/conversations/${id() ?? other}/rating`,
        token: () => visitor.token,
        body: () => gen.body({ score: gen.num, comment: gen.str }),
      },
    ];

    const created = new Set<string>();
    const replayed = new Set<string>();
    let creates = 0;
    const statuses = new Map<number, number>();
    for (const route of routes) {
      const requests = Array.from({ length: PER_ROUTE }, () => {
        const path = route.path();
        const token = route.token?.();
        const roll = gen.next();
        // Mostly JSON; sometimes another content type, none at all, or bytes that are not UTF-8.
        if (roll < 0.85) return () => send(srv.url, route.method, path, route.body(), token);
        if (roll < 0.92) {
          const type = gen.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-8',
            '',
          ]);
          return () => send(srv.url, route.method, path, route.body(), token, type);
        }
        if (roll < 0.96) return () => send(srv.url, route.method, path, route.body(), token, null);
        const bytes = Uint8Array.from({ length: 1 + gen.int(64) }, () => 0x80 + gen.int(0x80));
        return () => send(srv.url, route.method, path, bytes, token);
      });
      for (const nasty of NASTY) {
        const path = route.path();
        const token = route.token?.();
        requests.push(() => send(srv.url, route.method, path, nasty, token));
      }
      for (let i = 0; i < requests.length; i += CONCURRENCY) {
        const results = await Promise.all(requests.slice(i, i + CONCURRENCY).map((request) => request()));
        for (const res of results) {
          checkResponse(res, SEED);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (!res.what.includes('/messages') || res.status >= 300) continue;
          const message = res.body.message;
          if (message.conversationId !== inbox) continue;
          if (res.status === 201) {
            creates++;
            created.add(message.id);
          } else {
            replayed.add(message.id);
          }
        }
      }
    }

    await stillHealthy(admin.token);
    // Stored exactly what the 201s said, each once, seq without gaps; a 200 only repeats one of them.
    const stored = await storedMessages(inbox, admin.token);
    expect(creates, `seed ${SEED}`).toBe(created.size);
    expect(new Set(stored.map((m) => m.id)), `seed ${SEED}`).toEqual(created);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    for (const messageId of replayed) expect(created.has(messageId), `seed ${SEED}`).toBe(true);
    const conversation = await api(srv.url, 'GET', `/api/v1/conversations/${inbox}`, { token: admin.token });
    expect(conversation.body.conversation.lastSeq).toBe(stored.length);
    // The fuzz reached past validation, not only the 400 path.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(
      (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0),
      JSON.stringify([...statuses]),
    ).toBeGreaterThan(0);
    expect(created.size).toBeGreaterThan(0);
  });

  it(`REST paths and query strings (seed ${SEED})`, async () => {
    const gen = new Gen(SEED ^ 0x9a7);
    const { admin, target, visitor, inbox, other } = await scene();
    gen.pool = [other, admin.agent.id, target.id];
    const before = await storedMessages(inbox, admin.token);

    /** A path segment or query value: badly encoded, too long, unicode, dot segments, real ids. */
    const segment = (): string => {
      switch (gen.int(6)) {
        case 0:
          return gen.pick([
            '%',
            '%zz',
            '%E0%A4%A',
            '%ED%A0%80',
            '%C0%AF',
            '..',
            '%2e%2e',
            '%00',
            '%2F',
            '%25',
            '.',
            '~',
          ]);
        case 1:
          return 'a'.repeat(60 + gen.int(300));
        case 2:
          try {
            return encodeURIComponent(gen.string()).slice(0, gen.int(400));
          } catch {
            return '%ED%A0%80';
          }
        case 3:
          return gen.pick([inbox, other, admin.agent.id, target.id, 'me']);
        default:
          return encodeURIComponent(gen.pick([...SPECIAL, ...NUMBERS]));
      }
    };
    const query = () =>
      gen.chance(0.4)
        ? ''
        : `?${Array.from({ length: 1 + gen.int(4) }, () => {
            const key = gen.pick([
              'afterSeq',
              'limit',
              'status',
              'assignee',
              '__proto__',
              'constructor',
              'x',
              '',
            ]);
            return gen.chance(0.1) ? key : `${key}=${segment()}`;
          }).join('&')}`;
    const templates: [string, (s: string) => string][] = [
      ['GET', (s) => `/api/v1/conversations/${s}`],
      ['GET', (s) => `/api/v1/conversations/${s}/messages`],
      ['POST', (s) => `/api/v1/conversations/${s}/messages`],
      ['POST', (s) => `/api/v1/conversations/${s}/handoff`],
      ['POST', (s) => `/api/v1/conversations/${s}/assign`],
      ['POST', (s) => `/api/v1/conversations/${s}/resolve`],
      ['POST', (s) => `/api/v1/conversations/${s}/rating`],
      ['PATCH', (s) => `/api/v1/agents/${s}`],
      ['GET', () => '/api/v1/conversations'],
      ['GET', (s) => `/api/v1/${s}`],
      ['GET', (s) => `/${s}`],
      [gen.pick(['PUT', 'DELETE', 'POST', 'PATCH']), (s) => `/api/v1/${s}/${segment()}`],
    ];

    let created = 0;
    for (const [method, path] of templates) {
      const requests = Array.from({ length: Math.ceil(PER_ROUTE / 2) }, () => {
        const url = `${path(segment())}${query()}`;
        const token = gen.pick([admin.token, visitor.token, undefined]);
        const body =
          method === 'GET'
            ? undefined
            : gen.body({ text: gen.str, agentId: gen.str, score: gen.num, name: gen.str });
        return async () => {
          const headers: Record<string, string> = {};
          if (token) headers.authorization = `Bearer ${token}`;
          if (body !== undefined) headers['content-type'] = 'application/json';
          const response = await fetch(srv.url + url, { method, headers, body });
          const text = await response.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          return {
            status: response.status,
            body: parsed,
            requestId: response.headers.get('x-request-id'),
            what: `${method} ${url} ${JSON.stringify(body?.slice(0, 100))}`,
          } as Observed;
        };
      });
      for (let i = 0; i < requests.length; i += CONCURRENCY) {
        const results = await Promise.all(requests.slice(i, i + CONCURRENCY).map((request) => request()));
        for (const res of results) {
          checkResponse(res, SEED);
          if (res.status === 201 && res.body?.message?.conversationId === inbox) created++;
        }
      }
    }

    await stillHealthy(admin.token);
    const after = await storedMessages(inbox, admin.token);
    expect(after.length - before.length, `seed ${SEED}`).toBe(created);
  });

  it(`WebSocket frames (seed ${SEED})`, async () => {
    const gen = new Gen(SEED ^ 0x5eed);
    const { admin, visitor, inbox } = await scene();
    gen.pool = [inbox, admin.agent.id, visitor.visitorId, visitor.token];
    const agentWs = await TestSocket.connect(srv.wsUrl, admin.token);
    const visitorWs = await TestSocket.connect(srv.wsUrl, visitor.token);
    sockets.push(agentWs, visitorWs);

    const conversationId = () => (gen.chance(0.7) ? JSON.stringify(inbox) : gen.str());
    const shapes: Record<string, Record<string, () => string>> = {
      subscribe: {
        conversationId,
        lastSeq: () => (gen.chance(0.5) ? String(1000 + gen.int(1000)) : gen.num()),
      },
      unsubscribe: { conversationId },
      'message.send': {
        conversationId,
        text: gen.str,
        clientMessageId: () => (gen.chance(0.3) ? JSON.stringify(`w${gen.int(50)}`) : gen.str()),
      },
      typing: { conversationId, isTyping: gen.oneOf('true', 'false', '"yes"', '1', 'null') },
      read: { conversationId, seq: gen.num },
      presence: { status: gen.oneOf('"online"', '"away"', '"offline"', gen.str()) },
      ping: {},
    };
    const known = [...Object.keys(shapes), 'message.send', 'message.send'];
    const unknown = ['nope', '', 'message.ack', 'hello', '__proto__', 'constructor', 'PING', 'ping '];

    const frame = (): string => {
      const roll = gen.next();
      if (roll < 0.55) {
        const type = gen.chance(0.85) ? gen.pick(known) : gen.pick(unknown);
        const fields = Object.hasOwn(shapes, type) ? shapes[type]! : {};
        const text = gen.shaped(fields, 0.8);
        return `{"type":${JSON.stringify(type)}${text.length > 2 ? `,${text.slice(1)}` : '}'}`;
      }
      if (roll < 0.8) return gen.value();
      return gen.garbage();
    };

    for (const ws of [agentWs, visitorWs]) {
      const texts = [...Array.from({ length: PER_SOCKET }, frame), ...NASTY];
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        if (Buffer.byteLength(text) >= 1024 * 1024) continue;
        ws.send(text);
        // A barrier now and then keeps the client reading (and the server's queue short).
        if (i % 25 === 24) await ws.roundTrip();
      }
      await ws.roundTrip();
    }

    // A sentinel per socket: once acked, every earlier message.send of that socket is answered.
    for (const [ws, ref] of [
      [agentWs, 'sentinel-agent'],
      [visitorWs, 'sentinel-visitor'],
    ] as const) {
      ws.send({ type: 'message.send', conversationId: inbox, text: ref, clientMessageId: ref });
      await ws.next((f) => f.type === 'message.ack' && f.clientMessageId === ref);
      await ws.roundTrip();
    }

    const acked = new Set<string>();
    for (const ws of [agentWs, visitorWs]) {
      expect(ws.ws.readyState, `seed ${SEED}`).toBe(ws.ws.OPEN);
      for (const f of ws.frames) {
        if (f.type === 'error') {
          expect(f, `seed ${SEED}: ${JSON.stringify(f).slice(0, 300)}`).toMatchObject({
            code: expect.any(String),
            message: expect.any(String),
          });
          expect(f.code, `seed ${SEED}: ${JSON.stringify(f).slice(0, 300)}`).not.toBe('INTERNAL');
          expect(STATUS_OF_CODE.has(f.code), f.code).toBe(true);
          expect(f.ref === null || typeof f.ref === 'string').toBe(true);
        }
        if (f.type === 'message.ack') {
          expect(f.message.conversationId).toBe(inbox);
          expect(f.message.clientMessageId).toBe(f.clientMessageId);
          acked.add(f.message.id);
        }
      }
      expect(ws.frames.filter((f) => f.type === 'error').length).toBeGreaterThan(0);
    }

    await stillHealthy(admin.token);
    // Stored exactly the acked messages: no message without an ack, seq without gaps.
    const stored = await eventually(async () => {
      const messages = await storedMessages(inbox, admin.token);
      return messages.length === acked.size ? messages : null;
    }).catch(async () => storedMessages(inbox, admin.token));
    expect(new Set(stored.map((m) => m.id)), `seed ${SEED}`).toEqual(acked);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.every((m) => m.author.type !== 'bot')).toBe(true);
    // The fuzz got past validation: messages beyond the two sentinels were stored.
    expect(acked.size).toBeGreaterThan(2);
  });
});
