import os from 'node:os';
import { runBotBench } from './bot-bench.ts';
import { runCacheBench } from './cache-bench.ts';

/** `npm run bench [-- scenario ...]`: prints figures for docs/benchmarks.md. */
const scenarios: Record<string, () => Promise<void>> = {
  bot: runBotBench,
  cache: runCacheBench,
};

const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = chosen.filter((name) => !scenarios[name]);
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
console.log(
  `unique-support bench — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
for (const name of chosen.length > 0 ? chosen : Object.keys(scenarios)) await scenarios[name]!();
process.exit(0);
