import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * What the checkpointing thread runs (CommonJS, evaluated): its own connection to the database
 * file and a PASSIVE checkpoint every `intervalMs` (a no-op when the WAL holds nothing new). A
 * busy database is simply tried again next time.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try {
    // Each pass copies what was committed up to its start; passes repeat until one finds no
    // new commit since the pass before, so the WAL is copied to its end and the next commit
    // starts it over.
    let previous = -1;
    for (let pass = 0; pass < 20; pass++) {
      const [{ busy, log }] = db.pragma('wal_checkpoint(PASSIVE)');
      if (busy || log === previous) break;
      previous = log;
    }
  } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Copies the WAL back into the database file on a thread of its own. SQLite's automatic
 * checkpoint runs inside the commit that crosses its threshold, on the thread that commits —
 * here the event loop — and writes and syncs both files there: at a few thousand messages a
 * second that blocked the loop about as long as all the appends themselves (docs/benchmarks.md).
 * A PASSIVE checkpoint never blocks writers, so the main connection keeps committing meanwhile.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  constructor(
    path: string,
    synchronous: 'NORMAL' | 'FULL',
    onFailure: (err: unknown) => void,
    intervalMs = 100,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: driverPath, path, synchronous, intervalMs },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    this.worker.unref();
    this.exited = once(this.worker, 'exit').catch(() => {});
    this.worker.on('error', onFailure);
  }

  /** Stops the thread; resolves once its connection is closed. */
  async stop(): Promise<void> {
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
