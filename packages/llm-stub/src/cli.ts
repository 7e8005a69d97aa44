/**
 * npm run llm-stub -- --port 8089 --delay 200 --failure none
 *
 * A local OpenAI-compatible server to point the support server (or anything else) at.
 */
import { parseArgs } from 'node:util';
import { RECORDINGS } from './recordings.ts';
import { STUB_FAILURES, type StubFailure, startStubServer } from './stub-server.ts';

const USAGE = `Usage: npm run llm-stub -- [options]

  --port <n>               listen port (default 8089; 0 picks a free one)
  --host <addr>            listen address (default 127.0.0.1)
  --delay <ms>             delay before the first token and between tokens (default 0)
  --first-token-delay <ms> overrides --delay for the first token
  --token-delay <ms>       overrides --delay between tokens
  --chunk-size <n>         characters per delta (default 4)
  --reply <text>           fixed answer (default: quotes the first <article> of the system
                           prompt, else "Stub answer: <last user message>")
  --failure <mode>         ${STUB_FAILURES.join(' | ')}
  --fail-first <n>         fail only the first n requests, then behave
  --recording <name>       replay a recorded stream: ${RECORDINGS.map((r) => r.name).join(', ')}
  --byte-split             write the body in 1-3 byte pieces
  --keep-alive             send ": keep-alive" comments between events
  --dimensions <n>         embedding length (default 256)
  --quiet                  do not log requests
  -h, --help

Per request, the header "x-stub-failure: <mode>" overrides --failure.`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${value}`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8089' },
    host: { type: 'string', default: '127.0.0.1' },
    delay: { type: 'string' },
    'first-token-delay': { type: 'string' },
    'token-delay': { type: 'string' },
    'chunk-size': { type: 'string' },
    reply: { type: 'string' },
    failure: { type: 'string', default: 'none' },
    'fail-first': { type: 'string' },
    recording: { type: 'string' },
    'byte-split': { type: 'boolean', default: false },
    'keep-alive': { type: 'boolean', default: false },
    dimensions: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!STUB_FAILURES.includes(values.failure as StubFailure)) {
  console.error(`--failure must be one of ${STUB_FAILURES.join(', ')}\n\n${USAGE}`);
  process.exit(2);
}

const delay = number(values.delay, 'delay') ?? 0;
const stub = await startStubServer({
  port: number(values.port, 'port') ?? 8089,
  host: values.host,
  firstTokenDelayMs: number(values['first-token-delay'], 'first-token-delay') ?? delay,
  tokenDelayMs: number(values['token-delay'], 'token-delay') ?? delay,
  chunkSize: number(values['chunk-size'], 'chunk-size'),
  failure: values.failure as StubFailure,
  failFirst: number(values['fail-first'], 'fail-first') ?? null,
  byteSplit: values['byte-split'],
  keepAliveComments: values['keep-alive'],
  dimensions: number(values.dimensions, 'dimensions'),
  ...(values.reply !== undefined ? { reply: values.reply } : {}),
  ...(values.recording !== undefined ? { recording: values.recording } : {}),
});

console.log(`LLM stub listening on ${stub.url} (failure: ${values.failure}, delay: ${delay} ms)
Point the server at it:
  OPENAI_BASE_URL=${stub.url} OPENAI_KEY=stub npm start
Try it:
  curl -N ${stub.url}/chat/completions -H 'authorization: Bearer stub' -H 'content-type: application/json' \\
    -d '{"model":"stub","stream":true,"messages":[{"role":"user","content":"hello"}]}'`);

if (!values.quiet) {
  stub.events.on('settled', (request) => {
    const failure = request.failure === 'none' ? '' : ` failure=${request.failure}`;
    console.log(`#${request.id} POST ${request.path} -> ${request.status} ${request.state}${failure}`);
  });
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing`);
  await stub.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
