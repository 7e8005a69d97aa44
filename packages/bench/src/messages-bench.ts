import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Shared } from './bench.ts';
import { closeHttpAgents, httpJson, pooled } from './http-json.ts';
import { type LadderOptions, type LadderResult, passes, runLadder, type StepFigures } from './ladder.ts';
import type { AgentSpec, VisitorSpec } from './load-generator.ts';
import type { Options } from './options.ts';
import { target, writeResults } from './results.ts';
import { type ChildServer, freePort, REPO_ROOT, spawnServer, waitReady } from './server-process.ts';
import { int, median, ms, msOrLost, report, table } from './stats.ts';

/**
 * The real server as `npm start` runs it (a child process, SQLite in a temporary directory,
 * the shipped configuration but DEMO_CONTENT=false and LOG_LEVEL=warn) with A agents and
 * V visitors, each visitor in a conversation handed off to the agents online and assigned by
 * the router. VISITOR_MESSAGE_RATE stays at its default (200 per 10 s): there are enough
 * visitors that none passes 150 per 10 s at the highest step.
 */

export const ADMIN = { email: 'bench-admin@bench.local', password: 'bench-admin-password' };
/** The login limit (10 per IP per minute) is left as shipped: logins come from several 127.0.0.x. */
const loginAddress = (i: number) => `127.0.0.${10 + Math.floor(i / 8)}`;

export interface MessagesSettings {
  rounds: number;
  /** The echo scenario's ladder for the raw echo server and the bare relay. */
  ceilingSteps: number[];
  visitors: number;
  agents: number;
  subscribeVisitors: boolean;
  /** `--cpu-prof`: the real server writes a V8 CPU profile per round into bench-results/profiles. */
  cpuProfileDir: string | null;
  ladder: LadderOptions;
}

export function messagesSettings(options: Options): MessagesSettings {
  const steps = options.numbers('steps', [5000, 7500, 10_000, 15_000, 20_000, 30_000, 40_000, 50_000]);
  const highest = Math.max(...steps);
  // At most 150 of the 200 messages a visitor may send per 10 s, at the highest step.
  const visitors = options.number('visitors', Math.max(4000, Math.ceil((highest * 10) / 150)));
  return {
    rounds: options.number('rounds', 3),
    ceilingSteps: options.numbers(
      'ceiling-steps',
      [10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 120_000],
    ),
    visitors,
    agents: options.number('agents', 20),
    subscribeVisitors: options.flag('visitor-subscribe', true),
    cpuProfileDir: options.flag('cpu-prof', false) ? join(REPO_ROOT, 'bench-results', 'profiles') : null,
    ladder: {
      steps,
      stepMs: options.number('step-seconds', 4) * 1000,
      warmupRate: options.number('warmup-rate', 5000),
      warmupMs: options.number('warmup-seconds', 3) * 1000,
      settleMs: options.number('settle-seconds', 3) * 1000,
      generators: options.number('generators', 2),
      stopAfterFailures: options.number('stop-after-failures', 2),
      maxOtherCpu: options.number('max-other-cpu', 25),
      retries: options.number('retries', 2),
      // The 20,000/s step's p99 is a target of its own (P1).
      alwaysRunUpTo: 20_000,
    },
  };
}

/** The real server in a child process, ready, with an admin. */
export async function startRealServer(env: Record<string, string> = {}, cpuProfileDir: string | null = null) {
  const dir = await mkdtemp(join(tmpdir(), 'us-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: ChildServer = spawnServer({
    ...(cpuProfileDir && { cpuProfileDir }),
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${dir}/unique-support.db`,
      DEMO_CONTENT: 'false',
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
  });
  await waitReady(server, url);
  return {
    server,
    url,
    async stop() {
      const exit = await server.stop();
      await rm(dir, { recursive: true, force: true });
      return exit;
    },
  };
}

/** Counters of the server's /metrics that tell where a message's time goes (summed over labels). */
const COUNTERS = [
  'us_store_batch_size_sum',
  'us_store_batch_size_count',
  'us_store_write_seconds_sum',
  'us_messages_stored_total',
  'us_ws_frames_sent_total',
  'us_ws_frames_received_total',
  'nodejs_gc_duration_seconds_sum',
];

async function readCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values: Record<string, number> = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match && match[1]! in values) values[match[1]!]! += Number(match[2]);
  }
  return values;
}

/** A ladder against the real server: agents online, visitors handed off to them. */
async function realServerRound(settings: MessagesSettings, log: (line: string) => void) {
  const started = await startRealServer({}, settings.cpuProfileDir);
  const { server, url } = started;
  const wsBase = url.replace('http', 'ws');
  try {
    const admin = await httpJson<{ token: string }>(url, 'POST', '/api/v1/auth/login', {
      body: ADMIN,
      localAddress: loginAddress(0),
    });
    const agents: AgentSpec[] = await pooled(settings.agents, 4, async (i) => {
      const email = `agent${i}@bench.local`;
      const password = 'bench-agent-password';
      const { agent } = await httpJson<{ agent: { id: string } }>(url, 'POST', '/api/v1/agents', {
        token: admin.token,
        body: { name: `Agent ${i}`, email, password, maxConcurrent: 1000 },
      });
      const { token } = await httpJson<{ token: string }>(url, 'POST', '/api/v1/auth/login', {
        body: { email, password },
        localAddress: loginAddress(i + 1),
      });
      return { key: agent.id, url: `${wsBase}/ws?token=${token}` };
    });
    const capacity = settings.agents * 1000;
    if (settings.visitors > capacity) {
      throw new Error(`${settings.visitors} visitors need more than ${settings.agents} agents × 1000`);
    }
    const { workspace } = await httpJson<{ workspace: { widgetKey: string } }>(url, 'GET', '/api/v1/me', {
      token: admin.token,
    });
    let assignedByApi = 0;
    const visitors = async (): Promise<VisitorSpec[]> => {
      const load = new Map(agents.map((a) => [a.key, 0]));
      const specs = await pooled(settings.visitors, 16, async (i) => {
        const session = await httpJson<{ visitorToken: string }>(url, 'POST', '/api/v1/widget/session', {
          body: { widgetKey: workspace.widgetKey, name: `Visitor ${i}` },
        });
        const token = session.visitorToken;
        const { conversation } = await httpJson<{ conversation: { id: string } }>(
          url,
          'POST',
          '/api/v1/conversations',
          { token },
        );
        const handed = await httpJson<{ conversation: { status: string; assigneeId: string | null } }>(
          url,
          'POST',
          `/api/v1/conversations/${conversation.id}/handoff`,
          { token },
        );
        let assignee = handed.conversation.status === 'assigned' ? handed.conversation.assigneeId : null;
        if (assignee === null || !load.has(assignee)) {
          // The router did not assign it (it should, with agents online and capacity): assign it.
          assignee = [...load].sort((a, b) => a[1] - b[1])[0]![0];
          await httpJson(url, 'POST', `/api/v1/conversations/${conversation.id}/assign`, {
            token: admin.token,
            body: { agentId: assignee },
          });
          assignedByApi++;
        }
        load.set(assignee, load.get(assignee)! + 1);
        return { url: `${wsBase}/ws?token=${token}`, conversationId: conversation.id, agentKey: assignee };
      });
      return specs;
    };
    let died: string | null = null;
    void server.exited.then((exit) => {
      died = `the server exited (${exit.signal ?? exit.code}):\n${server.lines.slice(-20).join('\n')}`;
    });
    const result = await runLadder(
      {
        mode: 'server',
        serverPids: () => [server.pid],
        agents,
        visitors,
        subscribeVisitors: settings.subscribeVisitors,
        counters: () => readCounters(url),
        check: () => {
          if (died) throw new Error(died);
        },
      },
      settings.ladder,
      log,
    );
    const warnings = server.lines.filter((line) => !line.includes('"level":30')).slice(0, 20);
    return { ...result, assignedByApi, serverLog: warnings };
  } finally {
    closeHttpAgents();
    await started.stop();
  }
}

export interface LadderSummary {
  /** Per round. */
  rounds: LadderResult[];
  /** Per offered rate: the median of each figure over the rounds that ran that step. */
  steps: StepFigures[];
  /** The highest step whose medians pass (delivered ≥ 95% of offered, p99 ≤ 50 ms). */
  maxPassing: number;
  /** The most delivered per second in a step (medians). */
  peakDelivered: number;
}

/** Medians over rounds, step by step (steps a round stopped before are left out of that step's median). */
export function summarise(rounds: LadderResult[]): LadderSummary {
  const offered = [...new Set(rounds.flatMap((r) => r.steps.map((s) => s.offered)))].sort((a, b) => a - b);
  const steps = offered.map((rate) => {
    const of = rounds.flatMap((r) => r.steps.filter((s) => s.offered === rate));
    const pick = (key: keyof StepFigures) => median(of.map((s) => s[key] as number));
    const counters = of.every((s) => s.counters)
      ? Object.fromEntries(
          Object.keys(of[0]!.counters!).map((name) => [name, median(of.map((s) => s.counters![name]!))]),
        )
      : undefined;
    const figures: StepFigures = {
      ...(counters && { counters }),
      offered: rate,
      sentPerSec: pick('sentPerSec'),
      deliveredPerSec: pick('deliveredPerSec'),
      p50: pick('p50'),
      p95: pick('p95'),
      p99: pick('p99'),
      max: pick('max'),
      ackP50: pick('ackP50'),
      ackP99: pick('ackP99'),
      undelivered: pick('undelivered'),
      errors: of[0]!.errors,
      closes: of[0]!.closes,
      skipped: pick('skipped'),
      serverCpu: pick('serverCpu'),
      serverRssMb: pick('serverRssMb'),
      generatorCpu: pick('generatorCpu'),
      machineCpu: pick('machineCpu'),
      otherCpu: pick('otherCpu'),
      maxPacingLagMs: pick('maxPacingLagMs'),
      pass: false,
    };
    // The criterion on the medians, as the table shows them.
    figures.pass = passes(rate, figures.deliveredPerSec, figures.p99);
    // Errors and closes: summed over the rounds.
    figures.errors = {};
    figures.closes = {};
    for (const s of of) {
      for (const [k, v] of Object.entries(s.errors)) figures.errors[k] = (figures.errors[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.closes)) figures.closes[k] = (figures.closes[k] ?? 0) + v;
    }
    return figures;
  });
  return {
    rounds,
    steps,
    maxPassing: Math.max(0, ...steps.filter((s) => s.pass).map((s) => s.offered)),
    peakDelivered: Math.max(...steps.map((s) => s.deliveredPerSec)),
  };
}

export async function measureRealServer(
  settings: MessagesSettings,
  log: (line: string) => void,
): Promise<LadderSummary> {
  const rounds: LadderResult[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    log(`  real server, round ${round + 1} of ${settings.rounds}`);
    rounds.push(await realServerRound(settings, log));
  }
  return summarise(rounds);
}

/** The step table of a ladder summary. */
export function stepRows(summary: LadderSummary): string[][] {
  return summary.steps.map((s) => [
    int(s.offered),
    int(s.sentPerSec),
    int(s.deliveredPerSec),
    fixed(s.p50),
    fixed(s.p95),
    fixed(s.p99),
    `${Math.round(s.serverCpu)}%`,
    `${Math.round(s.serverRssMb)} MB`,
    `${Math.round(s.generatorCpu)}%`,
    `${Math.round(s.otherCpu)}%`,
    `${Math.round(s.machineCpu)}%`,
    problems(s),
    s.pass ? 'yes' : 'no',
  ]);
}

/** What the server's counters say about each step. */
export function serverRows(summary: LadderSummary, seconds: number): string[][] {
  return summary.steps
    .filter((s) => s.counters)
    .map((s) => {
      const c = s.counters!;
      const batches = c.us_store_batch_size_count!;
      const stored = c.us_messages_stored_total!;
      return [
        int(s.offered),
        int(stored / seconds),
        int(batches / seconds),
        batches ? (c.us_store_batch_size_sum! / batches).toFixed(1) : '-',
        batches ? ((c.us_store_write_seconds_sum! / batches) * 1000).toFixed(2) : '-',
        stored ? (c.us_ws_frames_sent_total! / stored).toFixed(2) : '-',
        ((c.nodejs_gc_duration_seconds_sum! * 1000) / seconds).toFixed(0),
      ];
    });
}

export const STEP_HEADER = [
  'offered/s',
  'sent/s',
  'delivered/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'server CPU',
  'server RSS',
  'generator CPU',
  'other CPU',
  'machine',
  'errors/closes',
  '≥95% & p99≤50',
];

const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'lost');

function problems(s: StepFigures): string {
  const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
  const closes = Object.values(s.closes).reduce((a, b) => a + b, 0);
  return `${errors}/${closes}`;
}

export async function runMessagesBench(options: Options, shared: Shared): Promise<void> {
  const settings = messagesSettings(options);
  const log = (line: string) => console.log(line);
  console.log(
    `\nmessages — ${settings.rounds} rounds; ${settings.visitors} visitors, ${settings.agents} agents; steps of ${settings.ladder.stepMs / 1000} s after a ${settings.ladder.warmupMs / 1000} s warm-up at ${int(settings.ladder.warmupRate)}/s; ${settings.ladder.generators} load-generator process(es) on the same ${cpus().length} cores as the server`,
  );
  const summary = await measureRealServer(settings, log);
  shared.messages = summary;
  const at20k = summary.steps.find((s) => s.offered === 20_000);
  const top = summary.steps.find((s) => s.offered === summary.maxPassing);
  table(
    `messages — medians of ${settings.rounds} rounds (CPU: % of one core; other: the rest of the machine; machine: % of all ${cpus().length} cores)`,
    STEP_HEADER,
    stepRows(summary),
  );
  table(
    "messages — inside the server, from its /metrics over each step's window (medians)",
    [
      'offered/s',
      'stored/s',
      'transactions/s',
      'messages/transaction',
      'ms/transaction',
      'frames out/message',
      'GC ms/s',
    ],
    serverRows(summary, settings.ladder.stepMs / 1000),
  );
  report('messages — summary (real server, SQLite, shipped configuration)', [
    [
      'highest step: delivered ≥ 95% of offered, p99 ≤ 50 ms',
      `${int(summary.maxPassing)}/s`,
      target('≥ 40,000/s', summary.maxPassing, 40_000, true, (n) => `${int(n)}/s`),
    ],
    [
      'p99 send → delivery at 20,000/s offered',
      at20k ? msOrLost(at20k.p99) : 'not run',
      at20k ? target('≤ 50 ms', at20k.p99, 50, false, ms) : undefined,
    ],
    ['most delivered per second in a step', `${int(summary.peakDelivered)}/s`],
    ...(top
      ? ([
          [`server CPU at ${int(top.offered)}/s`, `${Math.round(top.serverCpu)}%`],
          [`load generator CPU at ${int(top.offered)}/s`, `${Math.round(top.generatorCpu)}%`],
        ] as [string, string][])
      : []),
  ]);
  const path = writeResults('messages', { settings, summary });
  console.log(`  raw figures: ${path}`);
}
