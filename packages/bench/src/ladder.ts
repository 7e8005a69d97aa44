import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type {
  AgentSpec,
  FromGenerator,
  Mode,
  StepResult,
  ToGenerator,
  VisitorSpec,
} from './load-generator.ts';
import { CpuMeter, machineCpu, rssBytes } from './proc-stats.ts';
import { REPO_ROOT } from './server-process.ts';

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

/** What a ladder runs against. */
export interface LadderTarget {
  mode: Mode;
  /** The processes whose CPU and RSS count as "the server". */
  serverPids: () => number[];
  agents: AgentSpec[];
  /** Called once every agent is connected (the real server routes handoffs to agents online). */
  visitors: () => Promise<VisitorSpec[]>;
  subscribeVisitors: boolean;
  /** Throws when the server died (checked between steps). */
  check?: () => void;
  /** Counters of the server (its /metrics), read before and after each step's window. */
  counters?: () => Promise<Record<string, number>>;
}

export interface LadderOptions {
  /** Offered messages per second, in order. */
  steps: number[];
  stepMs: number;
  warmupRate: number;
  warmupMs: number;
  /** After a step, how long to wait for its last messages. */
  settleMs: number;
  generators: number;
  /** A step during which other processes used more than this (% of one core) is measured again... */
  maxOtherCpu: number;
  /** ...at most this many times. */
  retries: number;
  /** Stop after this many steps in a row missed the criterion (steps up to `alwaysRunUpTo` always run). */
  stopAfterFailures: number;
  alwaysRunUpTo: number;
}

/** One step's figures (all generators together). */
export interface StepFigures {
  offered: number;
  /** Sends per second the generators managed. */
  sentPerSec: number;
  /** Messages acked to the sender and received by the agent (echo: echoed) per second, within the window. */
  deliveredPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  ackP50: number;
  ackP99: number;
  /** Messages of the step not done when the settle time ran out. */
  undelivered: number;
  errors: Record<string, number>;
  closes: Record<string, number>;
  skipped: number;
  /** Percent of one core. */
  serverCpu: number;
  serverRssMb: number;
  generatorCpu: number;
  /** Percent of the whole machine (all cores). */
  machineCpu: number;
  /**
   * CPU of everything else on the machine (the bench's own process, the kernel's softirqs that
   * /proc does not charge to a process, and anything another user runs), % of one core: a high
   * value means the step shared the machine.
   */
  otherCpu: number;
  /** How many times the step ran (more than once when the machine was shared). */
  attempts?: number;
  maxPacingLagMs: number;
  /** How much each of the server's counters grew during the window (LadderTarget.counters). */
  counters?: Record<string, number>;
  /** delivered ≥ 95% of offered and p99 ≤ 50 ms. */
  pass: boolean;
}

export interface LadderResult {
  setupMs: { agents: number; visitors: number; connect: number };
  warmup: StepFigures;
  steps: StepFigures[];
  /** The highest offered rate whose step passed; 0 when none did. */
  maxPassing: number;
  /** The most delivered per second in any step. */
  peakDelivered: number;
}

/**
 * Waits (at most 60 s) until the whole machine is less than 15% busy over a second: between
 * steps the bench's own processes are idle, so anything above that is someone else's work.
 */
export async function waitForQuiet(log: (line: string) => void): Promise<void> {
  const started = performance.now();
  let busy = 100;
  while (performance.now() - started < 60_000) {
    const before = machineCpu();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = machineCpu();
    busy = (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
    if (busy < 15) return;
  }
  log(`    the machine stayed ${Math.round(busy)}% busy for 60 s: measuring anyway`);
}

export const passes = (offered: number, deliveredPerSec: number, p99: number) =>
  deliveredPerSec >= 0.95 * offered && p99 <= 50;

/** A forked load generator and its messages, in order. */
class Generator {
  readonly child: ChildProcess;
  private inbox: FromGenerator[] = [];
  private waiting: ((message: FromGenerator) => void) | null = null;
  private exitError: Error | null = null;

  constructor() {
    this.child = fork(LOAD_GENERATOR, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromGenerator) => {
      if (this.waiting) {
        const waiting = this.waiting;
        this.waiting = null;
        waiting(message);
      } else this.inbox.push(message);
    });
    this.child.once('exit', (code, signal) => {
      this.exitError = new Error(`load generator exited (${signal ?? code})`);
      this.waiting?.({ type: 'fatal', error: this.exitError.message });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  send(message: ToGenerator): void {
    this.child.send(message);
  }

  /** The next message, which must be of `type`. */
  async next<T extends FromGenerator['type']>(type: T): Promise<Extract<FromGenerator, { type: T }>> {
    const message =
      this.inbox.shift() ??
      (this.exitError
        ? ({ type: 'fatal', error: this.exitError.message } as const)
        : await new Promise<FromGenerator>((resolve) => {
            this.waiting = resolve;
          }));
    if (message.type === 'fatal') throw new Error(`load generator: ${message.error}`);
    if (message.type !== type) throw new Error(`load generator sent ${message.type}, expected ${type}`);
    return message as Extract<FromGenerator, { type: T }>;
  }

  close(): void {
    if (this.child.exitCode === null && this.child.connected) this.send({ type: 'close' });
    setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
  }
}

function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function merge(records: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of records) for (const [k, v] of Object.entries(record)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * Connects the generators' agents and visitors, warms up, then offers each rate of `steps`
 * for `stepMs`, paced evenly over the visitors, and measures each step.
 */
export async function runLadder(
  target: LadderTarget,
  options: LadderOptions,
  log: (line: string) => void,
): Promise<LadderResult> {
  const generators = Array.from({ length: options.generators }, () => new Generator());
  try {
    const t0 = performance.now();
    // Agent i goes to generator i mod G; each visitor to its agent's generator.
    const agentGen = new Map<string, number>();
    for (const [i, agent] of target.agents.entries()) agentGen.set(agent.key, i % generators.length);
    for (const [g, gen] of generators.entries()) {
      gen.send({
        type: 'agents',
        mode: target.mode,
        agents: target.agents.filter((a) => agentGen.get(a.key) === g),
      });
    }
    await Promise.all(generators.map((gen) => gen.next('agents-ready')));
    const t1 = performance.now();
    const visitors = await target.visitors();
    const t2 = performance.now();
    const shares = generators.map(() => [] as VisitorSpec[]);
    visitors.forEach((visitor, i) => {
      const g = visitor.agentKey === null ? i % generators.length : agentGen.get(visitor.agentKey);
      if (g === undefined) throw new Error(`visitor assigned to an unknown agent ${visitor.agentKey}`);
      shares[g]!.push(visitor);
    });
    const fraction = shares.map((share) => share.length / visitors.length);
    const totalMessages =
      options.warmupRate * (options.warmupMs / 1000) +
      options.steps.reduce((sum, rate) => sum + rate * (options.stepMs / 1000), 0);
    const runId = `b${randomBytes(3).toString('hex')}-`;
    for (const [g, gen] of generators.entries()) {
      gen.send({
        type: 'visitors',
        visitors: shares[g]!,
        subscribeVisitors: target.subscribeVisitors,
        capacity: Math.ceil(totalMessages * fraction[g]! * 1.05) + 1000,
        runId,
      });
    }
    await Promise.all(generators.map((gen) => gen.next('ready')));
    const t3 = performance.now();
    log(
      `    ${target.agents.length} agents, ${visitors.length} visitors connected over ${generators.length} generator process(es) in ${((t3 - t0) / 1000).toFixed(1)} s`,
    );

    const serverCpu = new CpuMeter(target.serverPids);
    const generatorCpu = new CpuMeter(() => generators.map((g) => g.pid));

    const runStep = async (rate: number, durationMs: number): Promise<StepFigures> => {
      target.check?.();
      const countersBefore = await target.counters?.();
      const machineBefore = machineCpu();
      serverCpu.start();
      generatorCpu.start();
      for (const [g, gen] of generators.entries()) {
        gen.send({ type: 'step', rate: rate * fraction[g]!, durationMs, settleMs: options.settleMs });
      }
      await Promise.all(generators.map((gen) => gen.next('window-end')));
      const server = serverCpu.read();
      const generator = generatorCpu.read();
      const machineAfter = machineCpu();
      const rss = target.serverPids().reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0);
      const countersAfter = await target.counters?.();
      const results: StepResult[] = await Promise.all(generators.map((gen) => gen.next('step-result')));
      const windowSec = results.reduce((sum, r) => sum + r.windowMs, 0) / results.length / 1000;
      const all = new Float64Array(results.reduce((sum, r) => sum + r.latencies.length, 0));
      const acks = new Float64Array(all.length);
      let offset = 0;
      for (const r of results) {
        all.set(r.latencies, offset);
        acks.set(r.ackLatencies, offset);
        offset += r.latencies.length;
      }
      all.sort();
      acks.sort();
      const sent = results.reduce((sum, r) => sum + r.sent, 0);
      const delivered = results.reduce((sum, r) => sum + r.completedInWindow, 0);
      const figures: StepFigures = {
        offered: rate,
        sentPerSec: sent / windowSec,
        deliveredPerSec: delivered / windowSec,
        p50: nearestRank(all, 50),
        p95: nearestRank(all, 95),
        p99: nearestRank(all, 99),
        max: all.length ? all[all.length - 1]! : Number.NaN,
        ackP50: nearestRank(acks, 50),
        ackP99: nearestRank(acks, 99),
        undelivered: results.reduce((sum, r) => sum + r.undelivered, 0),
        errors: merge(results.map((r) => r.errors)),
        closes: merge(results.map((r) => r.closes)),
        skipped: results.reduce((sum, r) => sum + r.skipped, 0),
        serverCpu: server,
        serverRssMb: rss / 2 ** 20,
        generatorCpu: generator,
        machineCpu:
          (100 * (machineAfter.busy - machineBefore.busy)) /
          Math.max(1, machineAfter.total - machineBefore.total),
        otherCpu: 0,
        maxPacingLagMs: Math.max(...results.map((r) => r.maxPacingLagMs)),
        pass: false,
      };
      if (countersBefore && countersAfter) {
        figures.counters = Object.fromEntries(
          Object.entries(countersAfter).map(([name, value]) => [name, value - (countersBefore[name] ?? 0)]),
        );
      }
      figures.otherCpu = Math.max(0, figures.machineCpu * cpus().length - server - generator);
      figures.pass = passes(rate, figures.deliveredPerSec, figures.p99);
      return figures;
    };

    await waitForQuiet(log);
    const warmup = await runStep(options.warmupRate, options.warmupMs);
    const steps: StepFigures[] = [];
    let failures = 0;
    for (const rate of options.steps) {
      let figures = await runStep(rate, options.stepMs);
      // The machine is shared: a step that ran beside someone else's work is measured again.
      for (let retry = 1; retry <= options.retries && figures.otherCpu > options.maxOtherCpu; retry++) {
        log(`    ${describeStep(figures)}`);
        log(
          `    ^ other processes used ${Math.round(figures.otherCpu)}% of a core during this step: measuring it again (${retry} of ${options.retries})`,
        );
        await waitForQuiet(log);
        figures = await runStep(rate, options.stepMs);
        figures.attempts = retry + 1;
      }
      steps.push(figures);
      log(`    ${describeStep(figures)}`);
      failures = figures.pass ? 0 : failures + 1;
      if (failures >= options.stopAfterFailures && rate >= options.alwaysRunUpTo) break;
    }
    const passing = steps.filter((s) => s.pass).map((s) => s.offered);
    return {
      setupMs: { agents: t1 - t0, visitors: t2 - t1, connect: t3 - t2 },
      warmup,
      steps,
      maxPassing: passing.length ? Math.max(...passing) : 0,
      peakDelivered: Math.max(...steps.map((s) => s.deliveredPerSec)),
    };
  } finally {
    for (const gen of generators) gen.close();
  }
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '∞');

export function describeStep(s: StepFigures): string {
  const problems = [
    ...Object.entries(s.errors).map(([k, v]) => `${v}× error ${k}`),
    ...Object.entries(s.closes).map(([k, v]) => `${v}× ${k}`),
    ...(s.undelivered ? [`${s.undelivered} undelivered`] : []),
    ...(s.skipped ? [`${s.skipped} skipped`] : []),
  ];
  return [
    `${String(s.offered).padStart(6)}/s offered: sent ${Math.round(s.sentPerSec)}/s, delivered ${Math.round(s.deliveredPerSec)}/s`,
    `p50 ${fmt(s.p50)} p95 ${fmt(s.p95)} p99 ${fmt(s.p99)} ms`,
    `server CPU ${Math.round(s.serverCpu)}% RSS ${Math.round(s.serverRssMb)} MB, generators CPU ${Math.round(s.generatorCpu)}%, other ${Math.round(s.otherCpu)}%, machine ${Math.round(s.machineCpu)}%`,
    s.pass ? 'pass' : 'MISS',
    ...(problems.length ? [problems.join(', ')] : []),
  ].join(' | ');
}
