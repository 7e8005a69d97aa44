import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotTurn } from '../src/bot/bot-turn.ts';
import type { BusEvent } from '../src/bus/bus.ts';
import { createRedisBus, type RedisBus } from '../src/bus/redis-bus.ts';
import { MessageWriter } from '../src/core/message-writer.ts';
import { type BreakerState, createMetrics } from '../src/observability/metrics.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { seedConversation } from '../src/store/store-contract.ts';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  startServer,
  TEST_REDIS_PREFIX,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import {
  createSchema,
  IN_CI,
  postgresAvailable,
  REDIS_URL,
  redisReachable,
  type TestSchema,
} from './pg-schema.ts';

/**
 * The metrics move when the events happen, and the whole `/metrics` output passes Prometheus'
 * own parser and linter (`promtool check metrics`, from Debian's `prometheus` package). In CI a
 * missing promtool fails; locally the promtool tests are skipped with a message.
 */
const PROMTOOL = process.env.PROMTOOL_BIN || '/usr/bin/promtool';
const promtoolInstalled = (() => {
  try {
    accessSync(PROMTOOL, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();
if (!promtoolInstalled && !IN_CI) {
  console.warn(
    `promtool not found at ${PROMTOOL}: the /metrics format checks are skipped (apt-get install prometheus)`,
  );
}
const withPromtool = promtoolInstalled || IN_CI;

const DASHBOARD = new URL('../../../deploy/grafana-dashboard.json', import.meta.url);
/** The dashboard's datasource: the input Grafana asks for at import. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's placeholder, not a template
const DATASOURCE_UID = '${DS_PROMETHEUS}';

// --- reading the Prometheus text format -------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Metric families (`# TYPE name type`) of a scrape. */
function families(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name!, type!);
  return types;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when there are none). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseSamples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function promtoolCheck(text: string) {
  expect(promtoolInstalled, `promtool is required in CI (${PROMTOOL}): apt-get install prometheus`).toBe(
    true,
  );
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A turn as the bot records it: the model answered after one provider failed. */
function llmTurn(overrides: Partial<BotTurn> = {}): BotTurn {
  return {
    workspaceId: 'ws_1',
    conversationId: 'conv_1',
    questionSeq: 1,
    answerSeq: 2,
    outcome: 'llm',
    cache: 'miss',
    articles: [],
    model: {
      provider: 'primary',
      model: 'model-a',
      firstTokenMs: 250,
      totalMs: 1800,
      promptTokens: 1200,
      completionTokens: 300,
      tokensEstimated: false,
      costUsd: 0.0042,
      complete: true,
    },
    failedProviders: [{ provider: 'backup', reason: 'no first token in 300 ms' }],
    handedOff: false,
    startedAt: new Date().toISOString(),
    durationMs: 2100,
    ...overrides,
  };
}

// --- unit level: the metrics object and the parts that feed it --------------------------------

describe('metrics fed by the server parts', () => {
  it('counts a bot turn: outcome, cache lookup, model call, tokens, cost and provider failures', async () => {
    const metrics = createMetrics();
    metrics.observeBotTurn(llmTurn());
    metrics.observeBotTurn(llmTurn({ outcome: 'cache', cache: 'exact', model: null, failedProviders: [] }));
    metrics.observeBotTurn(
      llmTurn({ outcome: 'cache', cache: 'semantic', model: null, failedProviders: [] }),
    );
    metrics.observeBotTurn(llmTurn({ outcome: 'rules', cache: null, model: null, failedProviders: [] }));
    const text = await metrics.registry.metrics();

    expect(value(text, 'us_bot_turns_total', { outcome: 'llm' })).toBe(1);
    expect(value(text, 'us_bot_turns_total', { outcome: 'cache' })).toBe(2);
    expect(value(text, 'us_bot_turns_total', { outcome: 'rules' })).toBe(1);
    expect(value(text, 'us_bot_turn_duration_seconds_count')).toBe(4);
    expect(value(text, 'us_answer_cache_lookups_total', { result: 'exact' })).toBe(1);
    expect(value(text, 'us_answer_cache_lookups_total', { result: 'semantic' })).toBe(1);
    expect(value(text, 'us_answer_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(value(text, 'us_answer_cache_lookups_total')).toBe(3);
    expect(value(text, 'us_llm_first_token_seconds_count', { provider: 'primary' })).toBe(1);
    expect(value(text, 'us_llm_first_token_seconds_sum', { provider: 'primary' })).toBeCloseTo(0.25);
    expect(value(text, 'us_llm_first_token_seconds_bucket', { provider: 'primary', le: '0.2' })).toBe(0);
    expect(value(text, 'us_llm_first_token_seconds_bucket', { provider: 'primary', le: '0.3' })).toBe(1);
    expect(value(text, 'us_llm_duration_seconds_sum', { provider: 'primary' })).toBeCloseTo(1.8);
    expect(value(text, 'us_llm_tokens_total', { provider: 'primary', kind: 'prompt' })).toBe(1200);
    expect(value(text, 'us_llm_tokens_total', { provider: 'primary', kind: 'completion' })).toBe(300);
    expect(value(text, 'us_llm_cost_usd_total', { provider: 'primary' })).toBeCloseTo(0.0042);
    expect(value(text, 'us_llm_provider_failures_total', { provider: 'backup' })).toBe(1);
    expect(value(text, 'us_llm_provider_failures_total', { provider: 'primary' })).toBe(0);
  });

  it('never lets a bad figure of a turn poison a sum', async () => {
    const metrics = createMetrics();
    const turn = llmTurn();
    metrics.observeBotTurn({
      ...turn,
      durationMs: Number.NaN,
      model: { ...turn.model!, promptTokens: Number.NaN, costUsd: -1, firstTokenMs: null },
    });
    const text = await metrics.registry.metrics();
    expect(value(text, 'us_llm_tokens_total', { kind: 'prompt' })).toBe(0);
    expect(value(text, 'us_llm_tokens_total', { kind: 'completion' })).toBe(300);
    expect(value(text, 'us_llm_cost_usd_total')).toBe(0);
    expect(value(text, 'us_bot_turn_duration_seconds_sum')).toBe(0);
    expect(value(text, 'us_llm_first_token_seconds_count')).toBe(0);
  });

  it('reads each breaker state at scrape time: 0 closed, 1 half-open, 2 open', async () => {
    const metrics = createMetrics();
    let primary: BreakerState = 'open';
    // The shape ModelChain.states() returns, and the {name, state} shape.
    const chainStates = (): { name: string; model: string; breaker: BreakerState }[] => [
      { name: 'primary', model: 'model-a', breaker: primary },
    ];
    metrics.setBreakerSource(() => [...chainStates(), { name: 'backup', state: 'closed' }]);
    let text = await metrics.registry.metrics();
    expect(value(text, 'us_llm_breaker_state', { provider: 'primary' })).toBe(2);
    expect(value(text, 'us_llm_breaker_state', { provider: 'backup' })).toBe(0);
    primary = 'half-open';
    text = await metrics.registry.metrics();
    expect(value(text, 'us_llm_breaker_state', { provider: 'primary' })).toBe(1);
  });

  it('observes each group-commit write: its duration, its size, and the new messages by author', async () => {
    const store = new MemoryStore();
    await store.init();
    const { workspace, visitor, conversation } = await seedConversation(store, { status: 'queued' });
    const metrics = createMetrics();
    const writer = new MessageWriter(store, { metrics });
    const message = (text: string, clientMessageId: string) => ({
      workspaceId: workspace.id,
      conversationId: conversation.id,
      author: { type: 'visitor' as const, id: visitor.id, name: null },
      text,
      clientMessageId,
    });
    // Appended in one turn of the event loop: one batch of 30.
    await Promise.all(Array.from({ length: 30 }, (_, i) => writer.append(message(`m${i}`, `c${i}`))));
    // A resend of a stored clientMessageId is written (a batch of 1) but stores nothing new.
    const resent = await writer.append(message('m0', 'c0'));
    expect(resent.created).toBe(false);

    const text = await metrics.registry.metrics();
    expect(value(text, 'us_store_batch_size_count')).toBe(2);
    expect(value(text, 'us_store_batch_size_sum')).toBe(31);
    expect(value(text, 'us_store_batch_size_bucket', { le: '1' })).toBe(1);
    expect(value(text, 'us_store_batch_size_bucket', { le: '20' })).toBe(1);
    expect(value(text, 'us_store_batch_size_bucket', { le: '50' })).toBe(2);
    expect(value(text, 'us_store_write_seconds_count')).toBe(2);
    expect(value(text, 'us_messages_stored_total', { author: 'visitor' })).toBe(30);
    expect(value(text, 'us_messages_stored_total', { author: 'agent' })).toBe(0);
  });

  it.runIf(withPromtool)('passes promtool with every kind of series present', async () => {
    const metrics = createMetrics();
    metrics.observeBotTurn(llmTurn());
    metrics.setBreakerSource(() => [{ name: 'primary', breaker: 'open' }]);
    metrics.setQueueLengthSource(async () => 3);
    metrics.setAgentsOnlineSource(() => 2);
    metrics.observeBusLag(0.004);
    metrics.observeQueueWait(new Date(Date.now() - 5000).toISOString());
    metrics.wsConnections.labels('agent').inc();
    metrics.messagesReceived.labels('ws', 'visitor').inc();
    const text = await metrics.registry.metrics();
    expect(value(text, 'us_queue_length')).toBe(3);
    expect(value(text, 'us_agents_online')).toBe(2);
    const check = promtoolCheck(text);
    expect(check.status, check.output).toBe(0);
  });
});

describe.skipIf(!(await redisReachable(REDIS_URL)) && !IN_CI)('bus lag across nodes (Redis)', () => {
  const buses: RedisBus[] = [];
  afterAll(() => Promise.all(buses.map((bus) => bus.close())));

  it('observes the time from a publish on one node to its receipt on another, not its own echo', async () => {
    const prefix = `${TEST_REDIS_PREFIX}lag:`;
    const a = createRedisBus({ url: REDIS_URL, prefix });
    const b = createRedisBus({ url: REDIS_URL, prefix });
    buses.push(a, b);
    const metricsA = createMetrics();
    const metricsB = createMetrics();
    a.onLag(metricsA.observeBusLag);
    b.onLag(metricsB.observeBusLag);
    const atA: BusEvent[] = [];
    const atB: BusEvent[] = [];
    a.subscribe('t', (event) => atA.push(event));
    b.subscribe('t', (event) => atB.push(event));
    await eventually(() => a.ready && b.ready);
    await Promise.all([a.ping(), b.ping()]);

    a.publish('t', { type: 'presence', agentId: 'ag_1', status: 'online' });
    await eventually(() => atB.length === 1);
    // A's own echo (skipped) is no lag: a round trip through B's subscriber proves it came back.
    b.publish('t', { type: 'presence', agentId: 'ag_2', status: 'online' });
    await eventually(() => atA.length === 2);

    const textB = await metricsB.registry.metrics();
    const textA = await metricsA.registry.metrics();
    expect(value(textB, 'us_bus_lag_seconds_count')).toBe(1);
    expect(value(textA, 'us_bus_lag_seconds_count')).toBe(1);
  });
});

// --- a running server ------------------------------------------------------------------------

describe('/metrics of a running server', () => {
  let srv: TestServer;
  let admin: { token: string; agent: { id: string; workspaceId: string } };
  let widgetKey: string;
  const sockets: TestSocket[] = [];
  const connect = async (token: string) => {
    const socket = await TestSocket.connect(srv.wsUrl, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    srv = await startServer();
    admin = await login(srv.url);
    widgetKey = await widgetKeyOf(srv.url, admin.token);
    // No bot turn: every stored message and delivery below is the test's own.
    const off = await api(srv.url, 'PATCH', '/api/v1/workspace', {
      token: admin.token,
      body: { botEnabled: false },
    });
    expect(off.status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await srv.close();
  });

  it('counts a WebSocket message in, its storage and write, and its delivery to each recipient', async () => {
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    const agentWs = await connect(admin.token);
    const visitorWs = await connect(visitor.token);
    for (const ws of [agentWs, visitorWs]) {
      ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
      await ws.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);
    }
    const before = await scrape(srv.url);

    visitorWs.send({ type: 'message.send', conversationId, text: 'hello there', clientMessageId: 'v1' });
    await visitorWs.next((f) => f.type === 'message.ack' && f.clientMessageId === 'v1');
    const isIt = (f: { type: string; message?: { text: string } }) =>
      f.type === 'message.created' && f.message?.text === 'hello there';
    await agentWs.next(isIt);
    await visitorWs.next(isIt);
    const after = await scrape(srv.url);

    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('us_messages_received_total', { channel: 'ws', author: 'visitor' })).toBe(1);
    expect(delta('us_messages_received_total', { channel: 'rest' })).toBe(0);
    expect(delta('us_messages_stored_total', { author: 'visitor' })).toBe(1);
    expect(delta('us_store_batch_size_count')).toBe(1);
    expect(delta('us_store_batch_size_sum')).toBe(1);
    expect(delta('us_store_write_seconds_count')).toBe(1);
    // Live deliveries, measured from the acceptance on this node: the agent's and the visitor's own.
    expect(delta('us_message_delivery_seconds_count', { start: 'accepted' })).toBe(2);
    expect(delta('us_message_delivery_seconds_count', { start: 'stored' })).toBe(0);
    expect(delta('us_ws_frames_received_total')).toBeGreaterThanOrEqual(1);
    // The ack and two message.created frames at least.
    expect(delta('us_ws_frames_sent_total')).toBeGreaterThanOrEqual(3);
    expect(value(after, 'us_ws_connections', { principal: 'agent' })).toBe(1);
    expect(value(after, 'us_ws_connections', { principal: 'visitor' })).toBe(1);
  });

  it('does not count replays from the store as deliveries', async () => {
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId = visitor.conversation.id;
    for (const text of ['one', 'two']) {
      const sent = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
        token: visitor.token,
        body: { text },
      });
      expect(sent.status).toBe(201);
    }
    const before = await scrape(srv.url);
    const ws = await connect(visitor.token);
    ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await ws.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);
    expect(ws.messages(conversationId).map((m) => m.text)).toEqual(['one', 'two']);
    const after = await scrape(srv.url);
    expect(
      value(after, 'us_message_delivery_seconds_count') - value(before, 'us_message_delivery_seconds_count'),
    ).toBe(0);
  });

  it('counts messages sent over REST by author type, and offline messages', async () => {
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const path = `/api/v1/conversations/${visitor.conversation.id}/messages`;
    const before = await scrape(srv.url);
    const fromVisitor = await api(srv.url, 'POST', path, {
      token: visitor.token,
      body: { text: 'by rest', clientMessageId: 'r1' },
    });
    expect(fromVisitor.status).toBe(201);
    // The same clientMessageId again: 200, nothing new stored.
    const again = await api(srv.url, 'POST', path, {
      token: visitor.token,
      body: { text: 'by rest', clientMessageId: 'r1' },
    });
    expect(again.status).toBe(200);
    const fromAgent = await api(srv.url, 'POST', path, { token: admin.token, body: { text: 'agent here' } });
    expect(fromAgent.status).toBe(201);
    const offline = await api(srv.url, 'POST', '/api/v1/widget/offline-message', {
      token: visitor.token,
      body: { text: 'call me back', email: 'vera@example.com' },
    });
    expect(offline.status).toBe(201);
    const after = await scrape(srv.url);

    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('us_messages_received_total', { channel: 'rest', author: 'visitor' })).toBe(2);
    expect(delta('us_messages_received_total', { channel: 'rest', author: 'agent' })).toBe(1);
    expect(delta('us_messages_received_total', { channel: 'ws' })).toBe(0);
    expect(delta('us_messages_stored_total', { author: 'visitor' })).toBe(2);
    expect(delta('us_messages_stored_total', { author: 'agent' })).toBe(1);
  });

  it.runIf(withPromtool)('serves a /metrics text that promtool check metrics accepts', async () => {
    const text = await scrape(srv.url);
    expect(text).toContain('us_message_delivery_seconds_bucket');
    const check = promtoolCheck(text);
    expect(check.status, check.output).toBe(0);
  });

  it('includes the event-loop lag (monitorEventLoopDelay) and the process metrics', async () => {
    const types = families(await scrape(srv.url));
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p50_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_eventloop_lag_max_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(types.has(name), name).toBe(true);
    }
  });

  it('has a Grafana dashboard whose every query names metrics that /metrics serves', async () => {
    const types = families(await scrape(srv.url));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    expect(dashboard.__inputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]),
    );
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);

    const panels: any[] = [];
    const collect = (list: any[]) => {
      for (const panel of list ?? []) {
        panels.push(panel);
        collect(panel.panels);
      }
    };
    collect(dashboard.panels);
    const queries = panels.filter((p) => p.type !== 'row');
    expect(queries.length).toBeGreaterThanOrEqual(15);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);

    const missing: string[] = [];
    const used = new Set<string>();
    for (const panel of queries) {
      expect(panel.datasource, panel.title).toMatchObject({ type: 'prometheus', uid: DATASOURCE_UID });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const names = String(target.expr).match(/\b(?:us|nodejs|process)_[a-z0-9_]+\b/g) ?? [];
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          used.add(name);
          const family = name.replace(/_(bucket|sum|count)$/, '');
          const known =
            types.has(name) ||
            (family !== name && ['histogram', 'summary'].includes(types.get(family) ?? ''));
          if (!known) missing.push(`${panel.title}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
    // Every us_ metric the server serves is on the dashboard.
    const unshown = [...types.keys()].filter(
      (name) =>
        name.startsWith('us_') &&
        ![...used].some((u) => u === name || u.replace(/_(bucket|sum|count)$/, '') === name),
    );
    expect(unshown).toEqual([]);
  });
});

describe('queue, routing and presence metrics', () => {
  let srv: TestServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await srv.close();
  });

  it('shows the queue, the agents online, and the queue wait of a conversation handed to an agent', async () => {
    const admin = await login(srv.url);
    await api(srv.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    let text = await scrape(srv.url);
    expect(value(text, 'us_agents_online')).toBe(0);
    expect(value(text, 'us_queue_length')).toBe(0);

    // No agent online: the new conversation waits in the queue.
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin.token));
    expect(visitor.conversation.status).toBe('queued');
    text = await scrape(srv.url);
    expect(value(text, 'us_queue_length')).toBe(1);
    expect(value(text, 'us_queue_wait_seconds_count')).toBe(0);

    // The agent comes online: the router assigns it.
    const agentWs = await TestSocket.connect(srv.wsUrl, admin.token);
    sockets.push(agentWs);
    await agentWs.next(
      (f) =>
        f.type === 'conversation.updated' &&
        f.conversation.id === visitor.conversation.id &&
        f.conversation.status === 'assigned',
    );
    text = await scrape(srv.url);
    expect(value(text, 'us_agents_online')).toBe(1);
    expect(value(text, 'us_queue_length')).toBe(0);
    expect(value(text, 'us_queue_wait_seconds_count')).toBe(1);

    // Away, then gone: not online.
    agentWs.send({ type: 'presence', status: 'away' });
    await eventually(async () => value(await scrape(srv.url), 'us_agents_online') === 0);
    agentWs.send({ type: 'presence', status: 'online' });
    await eventually(async () => value(await scrape(srv.url), 'us_agents_online') === 1);
    await agentWs.close();
    await eventually(async () => value(await scrape(srv.url), 'us_agents_online') === 0);
  });
});

// --- two nodes: deliveries from another node, bus lag ------------------------------------------

const twoNodes = await postgresAvailable();
describe.runIf(twoNodes)('metrics of two nodes on PostgreSQL and Redis', () => {
  let schema: TestSchema | undefined;
  const nodes: TestServer[] = [];
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    schema = await createSchema('metrics');
    const env = { DATABASE_URL: schema.url, REDIS_URL };
    nodes.push(await startServer(env));
    nodes.push(await startServer(env));
  });
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    for (const node of nodes) await node.close();
    await schema?.drop();
  });

  it('measures a message stored on node A and delivered on node B from its stored time, and the bus lag', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const admin = await login(b.url);
    // No bot turn: every delivery below is the visitor's message.
    await api(a.url, 'PATCH', '/api/v1/workspace', { token: admin.token, body: { botEnabled: false } });
    const visitor = await newVisitorConversation(a.url, await widgetKeyOf(a.url, admin.token));
    const conversationId = visitor.conversation.id;
    const visitorWs = await TestSocket.connect(a.wsUrl, visitor.token);
    const agentWs = await TestSocket.connect(b.wsUrl, admin.token);
    sockets.push(visitorWs, agentWs);
    for (const ws of [visitorWs, agentWs]) {
      ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
      await ws.next((f) => f.type === 'subscribed' && f.conversationId === conversationId);
    }
    const beforeA = await scrape(a.url);
    const beforeB = await scrape(b.url);

    visitorWs.send({ type: 'message.send', conversationId, text: 'across nodes', clientMessageId: 'x1' });
    await agentWs.next((f) => f.type === 'message.created' && f.message.text === 'across nodes');
    await visitorWs.next((f) => f.type === 'message.created' && f.message.text === 'across nodes');
    const afterA = await scrape(a.url);
    const afterB = await scrape(b.url);

    const delta = (before: string, after: string, name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta(beforeA, afterA, 'us_messages_received_total', { channel: 'ws', author: 'visitor' })).toBe(
      1,
    );
    expect(delta(beforeA, afterA, 'us_message_delivery_seconds_count', { start: 'accepted' })).toBe(1);
    expect(delta(beforeB, afterB, 'us_message_delivery_seconds_count', { start: 'stored' })).toBe(1);
    expect(delta(beforeB, afterB, 'us_bus_lag_seconds_count')).toBeGreaterThanOrEqual(1);
  });
});
