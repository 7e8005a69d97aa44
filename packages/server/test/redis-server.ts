import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { afterEach } from 'vitest';

/** `REDIS_SERVER_BIN`, else Debian's redis-server. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN || '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;

/** Whether the redis-server binary is there to run. */
export function redisServerInstalled(): boolean {
  try {
    accessSync(REDIS_SERVER_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A private `redis-server` child on a port of its own, for tests that stop and restart Redis
 * (never the shared one). Nothing is persisted: a restart on the same port is an empty Redis.
 */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The running child's pid; null while stopped. */
  readonly pid: number | null;
  /** Whether a child is running now. */
  readonly running: boolean;
  /** Starts a new redis-server on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILLs the child (a crash: no shutdown, all data lost) and waits for its exit. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function kill(child: ChildProcess): Promise<void> {
  children.delete(child);
  // No pid: it never started (spawn failed), so there is nothing to wait for.
  if (child.pid === undefined || !isRunning(child)) return;
  const gone = once(child, 'exit');
  child.kill('SIGKILL');
  await gone;
}

/** SIGKILLs every private redis-server still running. Registered as an afterEach hook. */
export async function killAllRedis(): Promise<void> {
  await Promise.all([...children].map(kill));
}

afterEach(killAllRedis);
process.once('exit', () => {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
});

/** A port nothing listens on now: bind port 0, note the number, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Whether a Redis answers PING on the port (one attempt). */
export function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Starts a private redis-server on a free port (`port` to choose one) and waits until it answers PING. */
export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | null = null;

  const start = async () => {
    if (child && isRunning(child)) throw new Error(`redis-server on port ${port} is already running`);
    const output: string[] = [];
    const current = spawn(
      REDIS_SERVER_BIN,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = current;
    children.add(current);
    current.stdout?.on('data', (d) => output.push(String(d)));
    current.stderr?.on('data', (d) => output.push(String(d)));
    const exited = new Promise<never>((_, reject) => {
      const fail = (why: string) =>
        reject(new Error(`redis-server on port ${port} ${why}\n--- output ---\n${output.join('')}`));
      current.once('error', (err) => fail(`failed to spawn: ${err.message}`));
      current.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
    });
    exited.catch(() => {});
    const deadline = Date.now() + START_TIMEOUT_MS;
    const answered = (async () => {
      for (;;) {
        if (!isRunning(current)) return exited;
        if (await pings(port)) return;
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} not answering PING`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    answered.catch(() => {});
    try {
      await Promise.race([answered, exited]);
    } catch (err) {
      await kill(current);
      throw err;
    }
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child && isRunning(child) ? (child.pid ?? null) : null;
    },
    get running() {
      return child !== null && isRunning(child);
    },
    start,
    async stop() {
      if (child) await kill(child);
    },
  };
}
