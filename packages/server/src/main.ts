import { LlmConfigError, loadLlmConfig } from './bot/llm-config.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './observability/logger.ts';
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
const server = await createServer({ config, log, llm });
const url = await server.listen();
log.info(
  { url, database: config.database.kind, readyMs: Math.round(performance.now() - startedAt) },
  'unique-support is ready',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
