import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** What a worker tells the primary. */
export type WorkerMessage = { type: 'ready'; url: string };

/**
 * The primary of cluster mode (CLUSTER_WORKERS > 1): forks the workers, which all serve one port
 * (node:cluster hands connections round robin) and share PostgreSQL and Redis like separate
 * nodes. It serves nothing itself.
 *
 * - The first worker starts alone (it migrates the database and seeds the first admin), then the
 *   others. "unique-support is ready" is logged once every worker is.
 * - A worker that dies is replaced; one that dies within 5 s of its start waits longer each time
 *   (1 s, 2 s, ... 30 s), so a broken configuration does not spin.
 * - SIGTERM/SIGINT: each worker shuts down gracefully (clients told to reconnect, writes drained),
 *   then the primary exits 0 (1 if a worker did not exit cleanly).
 */
export async function runPrimary(options: {
  workers: number;
  log: Logger;
  startedAt: number;
}): Promise<void> {
  const { workers, log, startedAt } = options;
  let stopping = false;
  let failedStarts = 0;
  const startedAtOf = new Map<Worker, number>();

  const fork = () =>
    new Promise<string>((resolve, reject) => {
      const worker = cluster.fork();
      startedAtOf.set(worker, Date.now());
      const onMessage = (message: WorkerMessage) => {
        if (message?.type !== 'ready') return;
        worker.off('message', onMessage);
        resolve(message.url);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) =>
        reject(new Error(`worker exited before it was ready (${signal ?? code})`)),
      );
    });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAtOf.get(worker) ?? 0);
    startedAtOf.delete(worker);
    if (stopping) return;
    failedStarts = lived < 5000 ? failedStarts + 1 : 0;
    const delay = failedStarts === 0 ? 0 : Math.min(30_000, 1000 * 2 ** (failedStarts - 1));
    log.error({ pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died, starting another');
    setTimeout(() => {
      if (!stopping) fork().catch((err) => log.error({ err }, 'replacement worker failed to start'));
    }, delay).unref();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down the workers');
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      let clean = true;
      let left = alive.length;
      if (left === 0) process.exit(0);
      for (const worker of alive) {
        worker.once('exit', (code) => {
          if (code !== 0) clean = false;
          if (--left === 0) process.exit(clean ? 0 : 1);
        });
        worker.process.kill('SIGTERM');
      }
    });
  }

  let url: string;
  try {
    url = await fork();
    await Promise.all(Array.from({ length: workers - 1 }, fork));
  } catch (err) {
    log.error({ err }, 'cluster failed to start');
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    process.exit(1);
  }
  log.info({ url, workers, readyMs: Math.round(performance.now() - startedAt) }, 'unique-support is ready');
}
