import cluster from 'node:cluster';
import { LlmConfigError, loadLlmConfig } from './bot/llm-config.ts';
import { runPrimary, type WorkerMessage } from './cluster.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './observability/logger.ts';
import { startTracing } from './observability/tracing.ts';
import { createServer } from './server.ts';

const startedAt = performance.now();
let config: ReturnType<typeof loadConfig>;
let llm: ReturnType<typeof loadLlmConfig>;
try {
  config = loadConfig();
  llm = loadLlmConfig();
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof LlmConfigError)) throw err;
  process.stderr.write(`configuration error: ${err.message}\n`);
  process.exit(2);
}

const log = createLogger(config.logLevel);
if (config.workers > 1 && cluster.isPrimary) {
  await runPrimary({ workers: config.workers, log, startedAt });
} else {
  await serve();
}

async function serve(): Promise<void> {
  const stopTracing = await startTracing();
  const server = await createServer({ config, log, llm });
  const url = await server.listen();
  const ready = { url, database: config.database.kind, readyMs: Math.round(performance.now() - startedAt) };
  if (cluster.isWorker) {
    log.info({ ...ready, pid: process.pid }, 'worker ready');
    process.send?.({ type: 'ready', url } satisfies WorkerMessage);
  } else {
    log.info(ready, 'unique-support is ready');
  }
  stopOnSignals(async () => {
    await server.close();
    await stopTracing?.(); // exports the spans still buffered
  });
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      stop().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
