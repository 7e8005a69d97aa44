import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Shared } from './bench.ts';
import { type LadderResult, runLadder } from './ladder.ts';
import type { AgentSpec, VisitorSpec } from './load-generator.ts';
import {
  type LadderSummary,
  measureRealServer,
  messagesSettings,
  STEP_HEADER,
  stepRows,
  summarise,
} from './messages-bench.ts';
import type { Options } from './options.ts';
import { target, writeResults } from './results.ts';
import { freePort, spawnChild } from './server-process.ts';
import { int, report, table } from './stats.ts';

const RELAY_SERVER = fileURLToPath(new URL('./relay-server.ts', import.meta.url));

/** Starts relay-server.ts in `mode` and resolves once it listens. */
async function startCeiling(mode: 'echo' | 'relay', dir: string) {
  const port = await freePort();
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    listening = resolve;
  });
  const child = spawnChild({
    nodeArgs: ['--import', 'tsx'],
    script: RELAY_SERVER,
    args: [mode, String(port), join(dir, 'relay.db')],
    onLine: (line) => {
      if (line === 'listening') listening();
    },
  });
  await Promise.race([
    ready,
    child.exited.then(() => {
      throw new Error(`${mode} server exited: ${child.lines.join('\n')}`);
    }),
  ]);
  return { child, wsBase: `ws://127.0.0.1:${port}` };
}

/** One ladder against the raw echo server or the bare relay, with the real server's visitors and agents. */
async function ceilingRound(
  mode: 'echo' | 'relay',
  settings: ReturnType<typeof messagesSettings>,
  log: (line: string) => void,
): Promise<LadderResult> {
  const dir = await mkdtemp(join(tmpdir(), `us-bench-${mode}-`));
  const { child, wsBase } = await startCeiling(mode, dir);
  let died: string | null = null;
  void child.exited.then((exit) => {
    died = `the ${mode} server exited (${exit.signal ?? exit.code}): ${child.lines.slice(-10).join('\n')}`;
  });
  try {
    const agents: AgentSpec[] =
      mode === 'echo'
        ? []
        : Array.from({ length: settings.agents }, (_, i) => ({
            key: `a${i}`,
            url: `${wsBase}/ws?role=agent&id=a${i}`,
          }));
    const visitors = async (): Promise<VisitorSpec[]> =>
      Array.from({ length: settings.visitors }, (_, i) => {
        const conversationId = `cv_${String(i).padStart(6, '0')}`;
        if (mode === 'echo') return { url: `${wsBase}/ws`, conversationId, agentKey: null };
        const agentKey = `a${i % settings.agents}`;
        return {
          url: `${wsBase}/ws?role=visitor&conv=${conversationId}&agent=${agentKey}`,
          conversationId,
          agentKey,
        };
      });
    return await runLadder(
      {
        mode,
        serverPids: () => [child.pid],
        agents,
        visitors,
        subscribeVisitors: false,
        check: () => {
          if (died) throw new Error(died);
        },
      },
      { ...settings.ladder, steps: settings.ceilingSteps },
      log,
    );
  } finally {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The `echo` scenario: the ceilings on this machine with the same load generator — (a) a raw
 * `ws` echo server, (b) the bare relay (ws + SQLite group commit, ack, forward: nothing else) —
 * and the real server's ratio to the bare relay (P1: ≥ 0.8). The real server's figures come from
 * the `messages` scenario of the same run, or are measured here, round by round with the others.
 */
export async function runEchoBench(options: Options, shared: Shared): Promise<void> {
  const settings = messagesSettings(options);
  const log = (line: string) => console.log(line);
  console.log(
    `\necho — ${settings.rounds} rounds; ${settings.visitors} visitor sockets (relay: and ${settings.agents} agent sockets); steps of ${settings.ladder.stepMs / 1000} s; ${settings.ladder.generators} load-generator process(es) on the same ${cpus().length} cores`,
  );
  const echoRounds: LadderResult[] = [];
  const relayRounds: LadderResult[] = [];
  const measureServer = !shared.messages;
  const serverRounds: LadderSummary[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    log(`  raw ws echo, round ${round + 1} of ${settings.rounds}`);
    echoRounds.push(await ceilingRound('echo', settings, log));
    log(`  bare relay, round ${round + 1} of ${settings.rounds}`);
    relayRounds.push(await ceilingRound('relay', settings, log));
    if (measureServer) serverRounds.push(await measureRealServer({ ...settings, rounds: 1 }, log));
  }
  const echo = summarise(echoRounds);
  const relay = summarise(relayRounds);
  const server = shared.messages ?? summarise(serverRounds.flatMap((s) => s.rounds));
  shared.messages ??= server;

  table(
    `echo — raw ws echo server, medians of ${settings.rounds} rounds (CPU: % of one core)`,
    STEP_HEADER,
    stepRows(echo),
  );
  table(
    `echo — bare relay (ws + SQLite group commit), medians of ${settings.rounds} rounds`,
    STEP_HEADER,
    stepRows(relay),
  );
  if (measureServer)
    table('echo — the real server, measured in the same rounds', STEP_HEADER, stepRows(server));
  // The ratio of the medians over the rounds.
  const ratio = relay.maxPassing > 0 ? server.maxPassing / relay.maxPassing : Number.NaN;
  const peakRatio = relay.peakDelivered > 0 ? server.peakDelivered / relay.peakDelivered : Number.NaN;
  report('echo — ceilings on this machine, load generator included', [
    ['raw ws echo: highest step (≥ 95% back, p99 ≤ 50 ms)', `${int(echo.maxPassing)}/s`],
    ['raw ws echo: most echoed per second in a step', `${int(echo.peakDelivered)}/s`],
    ['bare relay: highest step (≥ 95% delivered, p99 ≤ 50 ms)', `${int(relay.maxPassing)}/s`],
    ['bare relay: most delivered per second in a step', `${int(relay.peakDelivered)}/s`],
    ['real server: highest step', `${int(server.maxPassing)}/s`],
    ['real server: most delivered per second in a step', `${int(server.peakDelivered)}/s`],
    [
      'real server / bare relay (highest steps)',
      Number.isNaN(ratio) ? 'no relay step passed' : ratio.toFixed(2),
      Number.isNaN(ratio)
        ? 'unmeasured: lower --ceiling-steps'
        : target('≥ 0.8', ratio, 0.8, true, (n) => n.toFixed(2)),
    ],
    ['real server / bare relay (most delivered per second)', peakRatio.toFixed(2)],
  ]);
  const path = writeResults('echo', {
    settings,
    echo,
    relay,
    server: { measuredHere: measureServer, summary: server },
    ratio,
    peakRatio,
  });
  console.log(`  raw figures: ${path}`);
}
