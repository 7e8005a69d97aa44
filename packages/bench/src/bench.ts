import os from 'node:os';
import { runBotBench } from './bot-bench.ts';
import { runCacheBench } from './cache-bench.ts';
import { runConnectionsBench } from './connections-bench.ts';
import { runEchoBench } from './echo-bench.ts';
import type { LadderSummary } from './messages-bench.ts';
import { runMessagesBench } from './messages-bench.ts';
import { Options } from './options.ts';
import { machineCpu } from './proc-stats.ts';
import { runStartupBench } from './startup-bench.ts';
import { runStoreBench } from './store-bench.ts';

/** What one scenario leaves for a later one of the same run (echo's ratio uses messages'). */
export interface Shared {
  messages?: LadderSummary;
}

/** `npm run bench [-- scenario ...] [--flag value ...]`: prints figures for docs/benchmarks.md. */
const scenarios: Record<string, (options: Options, shared: Shared) => Promise<void>> = {
  bot: () => runBotBench(),
  cache: () => runCacheBench(),
  messages: runMessagesBench,
  echo: runEchoBench,
  connections: runConnectionsBench,
  startup: runStartupBench,
  store: runStoreBench,
};

const options = new Options(process.argv.slice(2), (arg) => Object.hasOwn(scenarios, arg));
const chosen = options.positional;
const unknown = chosen.filter((name) => !Object.hasOwn(scenarios, name));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
console.log(
  `unique-support bench — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
/** Warns when something else keeps the machine busy: every figure here assumes it is otherwise idle. */
async function checkIdle(name: string): Promise<void> {
  const before = machineCpu();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = machineCpu();
  const busy = (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
  if (busy > 10) {
    console.warn(
      `\nwarning: before ${name}, the machine was ${busy.toFixed(0)}% busy (all cores) with nothing of the bench running: its figures will be lower than on an idle machine`,
    );
  }
}

const shared: Shared = {};
for (const name of chosen.length > 0 ? chosen : Object.keys(scenarios)) {
  await checkIdle(name);
  await scenarios[name]!(options, shared);
}
const unused = options.unused();
if (unused.length > 0) console.warn(`\nnote: no scenario run used ${unused.map((n) => `--${n}`).join(', ')}`);
process.exit(0);
