import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: `npm start` runs from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The preload that reports memory (and collects garbage) on SIGUSR2: memory-probe.mjs. */
export const MEMORY_PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

export const READY_MESSAGE = 'unique-support is ready';

/** Inherited variables that would change what the server talks to or how it runs. */
const SCRUBBED_ENV = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'REDIS_ADDR',
  'REDIS_URL',
  'REDIS_PREFIX',
  'CLUSTER_WORKERS',
  'OPENAI_KEY',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'NODE_OPTIONS',
  'LOG_LEVEL',
  'VISITOR_MESSAGE_RATE',
  'LOGIN_RATE_LIMIT',
  'DEMO_CONTENT',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'JWT_SECRET',
  'SQLITE_SYNCHRONOUS',
  'WS_HEARTBEAT_MS',
  'WS_MAX_BUFFERED_BYTES',
];

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  child: ChildProcess;
  pid: number;
  /** Every output line so far (stdout, then `stderr: ...`). */
  lines: string[];
  /** Resolves with the exit once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `node <nodeArgs...> <script> <args...>` from the repository root and keeps its output. */
export function spawnChild(options: {
  nodeArgs: string[];
  script: string;
  args?: string[];
  env?: Record<string, string>;
  /** Called with each stdout line as it arrives (with the time it arrived). */
  onLine?: (line: string, at: number) => void;
}): ChildServer {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED_ENV) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [...options.nodeArgs, options.script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const at = performance.now();
    if (lines.length < 10_000) lines.push(line);
    options.onLine?.(line, at);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (lines.length < 10_000) lines.push(`stderr: ${line}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
  };
}

let built = false;

/** The real server as `npm start` runs it: the bundle `packages/server/dist/main.mjs`, built once per bench run. */
export function spawnServer(options: {
  env: Record<string, string>;
  /** Adds the memory probe (SIGUSR2: GC, then memory usage to BENCH_PROBE_DIR) and --expose-gc. */
  probeDir?: string;
  /** Writes a V8 CPU profile of the server (`--cpu-prof`) into this directory when it exits. */
  cpuProfileDir?: string;
  onLine?: (line: string, at: number) => void;
}): ChildServer {
  if (!built) {
    execFileSync(process.execPath, ['packages/server/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
    built = true;
  }
  const nodeArgs: string[] = [];
  if (options.cpuProfileDir) nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  const env = { ...options.env };
  if (options.probeDir) {
    nodeArgs.unshift('--expose-gc');
    nodeArgs.push('--import', MEMORY_PROBE);
    env.BENCH_PROBE_DIR = options.probeDir;
  }
  return spawnChild({
    nodeArgs,
    script: 'packages/server/dist/main.mjs',
    env,
    ...(options.onLine && { onLine: options.onLine }),
  });
}

/** Polls `GET /readyz` until 200; throws with the server's output if it exits or takes too long. */
export async function waitReady(server: ChildServer, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let gone = false;
  void server.exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) throw new Error(`server exited before it was ready:\n${server.lines.slice(-30).join('\n')}`);
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {}
    if (performance.now() > deadline) {
      throw new Error(`server not ready in ${timeoutMs} ms:\n${server.lines.slice(-30).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
