import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Options } from './options.ts';
import { childPids, rssBytes, rssParts } from './proc-stats.ts';
import { target, writeResults } from './results.ts';
import { freePort, READY_MESSAGE, spawnServer } from './server-process.ts';
import { median, ms, report } from './stats.ts';

const MB = 2 ** 20;

/** One GET /readyz without keep-alive: its status, or 0 when the connection failed. */
function readyzStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(`${url}/readyz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

interface Start {
  /** spawn → the "unique-support is ready" log line, as the bench received it. */
  readyLineMs: number;
  /** What the server logs as its own readyMs (from its first line of code). */
  serverReadyMs: number;
  /** spawn → the first 200 on /readyz. */
  readyzMs: number;
}

/** Spawns the server on `dataDir` and measures until /readyz answers 200. */
async function start(dataDir: string, probeDir: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let readyLineMs = Number.NaN;
  let serverReadyMs = Number.NaN;
  const spawnedAt = performance.now();
  const server = spawnServer({
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dataDir, 'unique-support.db')}`,
    },
    probeDir,
    onLine: (line, at) => {
      if (!Number.isNaN(readyLineMs) || !line.includes(READY_MESSAGE)) return;
      readyLineMs = at - spawnedAt;
      try {
        serverReadyMs = JSON.parse(line).readyMs;
      } catch {}
    },
  });
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  let readyzMs = Number.NaN;
  const deadline = spawnedAt + 30_000;
  while (performance.now() < deadline && !exited) {
    if ((await readyzStatus(url)) === 200) {
      readyzMs = performance.now() - spawnedAt;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (Number.isNaN(readyzMs)) {
    await server.stop();
    throw new Error(
      `the server did not answer /readyz with 200 in 30 s:\n${server.lines.slice(-20).join('\n')}`,
    );
  }
  // The ready line may come just after /readyz answers.
  while (Number.isNaN(readyLineMs) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  const figures: Start = { readyLineMs, serverReadyMs, readyzMs };
  return { server, figures };
}

/**
 * The `startup` scenario (P6): `npm start`'s command (`node packages/server/dist/main.mjs`,
 * the default SQLite in a fresh data directory, the default configuration) — time to the
 * "unique-support is ready" line and to the first 200 on /readyz, RSS when idle, and again
 * after a forced GC (memory-probe.mjs, loaded with --expose-gc); then a restart on the same data.
 */
export async function runStartupBench(options: Options): Promise<void> {
  const runs = options.number('startups', 5);
  const idleMs = options.number('idle-seconds', 3) * 1000;
  console.log(
    `\nstartup — ${runs} starts in a fresh data directory (first start: migrations, first admin, demo content), then a restart on the same data`,
  );
  const results: (Start & {
    idleRssMb: number;
    idleRssAfterGcMb: number;
    heapUsedAfterGcMb: number;
    heapTotalAfterGcMb: number;
    externalAfterGcMb: number;
    rssAnonMb: number;
    rssFileMb: number;
    childrenRssMb: number;
    restart: Start;
  })[] = [];
  for (let run = 0; run < runs; run++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'us-bench-start-'));
    const probeDir = await mkdtemp(join(tmpdir(), 'us-bench-probe-'));
    try {
      const first = await start(dataDir, probeDir);
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      const { pid } = first.server;
      const idleRss = rssBytes(pid) ?? Number.NaN;
      const parts = rssParts(pid);
      // Child processes of the server (none expected; tsx transpiles in-process), kept in the JSON.
      const childrenRss = childPids(pid).reduce((sum, child) => sum + (rssBytes(child) ?? 0), 0);
      const probeFile = join(probeDir, `${pid}.json`);
      process.kill(pid, 'SIGUSR2');
      const deadline = performance.now() + 10_000;
      while (!existsSync(probeFile) && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const afterGc = rssBytes(pid) ?? Number.NaN;
      const probe = existsSync(probeFile)
        ? (JSON.parse(readFileSync(probeFile, 'utf8')) as { after: NodeJS.MemoryUsage })
        : null;
      await first.server.stop();
      const again = await start(dataDir, probeDir);
      await again.server.stop();
      const row = {
        ...first.figures,
        idleRssMb: idleRss / MB,
        idleRssAfterGcMb: afterGc / MB,
        heapUsedAfterGcMb: probe ? probe.after.heapUsed / MB : Number.NaN,
        heapTotalAfterGcMb: probe ? probe.after.heapTotal / MB : Number.NaN,
        externalAfterGcMb: probe ? (probe.after.external + probe.after.arrayBuffers) / MB : Number.NaN,
        rssAnonMb: (parts?.anon ?? Number.NaN) / MB,
        rssFileMb: (parts?.file ?? Number.NaN) / MB,
        childrenRssMb: childrenRss / MB,
        restart: again.figures,
      };
      results.push(row);
      console.log(
        `    run ${run + 1}: ready line ${ms(row.readyLineMs)}, /readyz 200 ${ms(row.readyzMs)}, idle RSS ${row.idleRssMb.toFixed(1)} MB (after GC ${row.idleRssAfterGcMb.toFixed(1)} MB); restart: /readyz ${ms(row.restart.readyzMs)}`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(probeDir, { recursive: true, force: true });
    }
  }
  const pick = (f: (r: (typeof results)[number]) => number) => median(results.map(f));
  const readyLine = pick((r) => r.readyLineMs);
  const readyz = pick((r) => r.readyzMs);
  const idle = pick((r) => r.idleRssMb);
  const mb = (n: number) => `${n.toFixed(1)} MB`;
  report(`startup — medians of ${runs} starts`, [
    [
      'first start: spawn → "unique-support is ready"',
      ms(readyLine),
      target('≤ 2 s', readyLine, 2000, false, ms),
    ],
    ['first start: spawn → first 200 on /readyz', ms(readyz), target('≤ 2 s', readyz, 2000, false, ms)],
    ['first start: readyMs the server logs (from its first line)', ms(pick((r) => r.serverReadyMs))],
    ['restart on the same data: spawn → ready line', ms(pick((r) => r.restart.readyLineMs))],
    ['restart on the same data: spawn → first 200 on /readyz', ms(pick((r) => r.restart.readyzMs))],
    [`RSS idle ${idleMs / 1000} s after ready`, mb(idle), target('≤ 120 MB', idle, 120, false, mb)],
    ['RSS after a forced GC', mb(pick((r) => r.idleRssAfterGcMb))],
    [
      'of the idle RSS: anonymous / file-backed (binary, libraries)',
      `${mb(pick((r) => r.rssAnonMb))} / ${mb(pick((r) => r.rssFileMb))}`,
    ],
    [
      'JS heap used / heap total after a forced GC',
      `${mb(pick((r) => r.heapUsedAfterGcMb))} / ${mb(pick((r) => r.heapTotalAfterGcMb))}`,
    ],
    ['external + array buffers after a forced GC', mb(pick((r) => r.externalAfterGcMb))],
  ]);
  const path = writeResults('startup', { runs: results });
  console.log(`  raw figures: ${path}`);
}
