import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { ADMIN, JWT_SECRET, TEST_REDIS_PREFIX } from './harness.ts';

/** The repository root: `npm start` runs from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const READY_MESSAGE = 'unique-support is ready';
const START_TIMEOUT_MS = 20_000;

/** Inherited variables that would change what the child talks to; tests pass them explicitly when they want them. */
const SCRUBBED_ENV = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'REDIS_ADDR',
  'REDIS_URL',
  'OPENAI_KEY',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'NODE_OPTIONS',
];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Resolves once the child has exited and its output is closed. */
  exited: Promise<Exit>;
  /** Every stdout line so far (JSON log lines). */
  stdout: string[];
  /** Every stderr line so far. */
  stderr: string[];
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ChildProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILLs every child still running and waits until each is gone. Registered as an afterEach hook. */
export async function killAll(): Promise<void> {
  const children = [...running];
  running.clear();
  await Promise.all(
    children.map(async (child) => {
      if (!isRunning(child)) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    }),
  );
}

// Children never outlive a test, even when it fails or the worker goes away.
afterEach(killAll);
process.once('exit', () => {
  for (const child of running) if (isRunning(child)) child.kill('SIGKILL');
});

/**
 * Runs the real server (`node --import tsx packages/server/src/main.ts`) as a child process on a
 * free port with SQLite in `dataDir`, and resolves once it logs that it is ready.
 */
export function startProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
  /** Run the bundle `npm start` runs (packages/server/dist, built by `npm install`) instead of the sources. */
  bundle?: boolean;
}): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED_ENV) delete env[name];
  Object.assign(env, {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${options.dataDir}/db.sqlite`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    // These tests flood visitor messages: an error frame would count as an answer and hide a loss.
    VISITOR_MESSAGE_RATE: 'off',
    DEMO_CONTENT: 'false',
    REDIS_PREFIX: TEST_REDIS_PREFIX,
    ...options.env,
  });

  const args = options.bundle
    ? ['packages/server/dist/main.mjs']
    : ['--import', 'tsx', 'packages/server/src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const lines = createInterface({ input: child.stdout! });

  const output = () => [...stdout, ...stderr.map((line) => `stderr: ${line}`)].join('\n');

  return new Promise<ServerProcess>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isRunning(child)) child.kill('SIGKILL');
      reject(new Error(`${reason}\n--- output ---\n${output()}`));
    };
    const timer = setTimeout(() => fail(`server not ready in ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (err) => fail(`spawn failed: ${err.message}`));
    // Wait for 'close' (not 'exit') so the output of a failed start is complete.
    void exited.then(({ code, signal }) =>
      fail(`server exited before it was ready (code ${code}, signal ${signal})`),
    );

    lines.on('line', (line) => {
      stdout.push(line);
      if (settled) return;
      let entry: { msg?: unknown; url?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry?.msg !== READY_MESSAGE || typeof entry.url !== 'string') return;
      settled = true;
      clearTimeout(timer);
      const url = entry.url;
      resolve({
        url,
        wsUrl: url.replace(/^http/, 'ws'),
        child,
        exited,
        stdout,
        stderr,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (isRunning(child)) child.kill(signal);
          return exited;
        },
      });
    });
  });
}
