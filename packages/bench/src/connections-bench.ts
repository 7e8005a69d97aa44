import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  type ClientStatus,
  emptyClientStatus,
  type FromClient,
  type ToClient,
} from './connection-messages.ts';
import { closeHttpAgents, httpJson, pooled } from './http-json.ts';
import { ADMIN } from './messages-bench.ts';
import type { Options } from './options.ts';
import { CpuMeter, childPids, machineCpu, openFiles, rssBytes } from './proc-stats.ts';
import { target, writeResults } from './results.ts';
import { freePort, READY_MESSAGE, REPO_ROOT, spawnServer } from './server-process.ts';
import { int, median, report } from './stats.ts';

const CONNECTION_CLIENT = fileURLToPath(new URL('./connection-client.ts', import.meta.url));
const PG_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const MB = 2 ** 20;

/** A forked connection client and its messages. */
class Client {
  readonly child: ChildProcess;
  latest: ClientStatus | null = null;
  done = false;
  private listeners: ((message: FromClient) => void)[] = [];

  constructor() {
    this.child = fork(CONNECTION_CLIENT, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromClient) => {
      if (message.type === 'progress' || message.type === 'ramp-done' || message.type === 'status') {
        this.latest = message;
      }
      if (message.type === 'ramp-done') this.done = true;
      for (const listener of [...this.listeners]) listener(message);
    });
  }

  send(message: ToClient): void {
    this.child.send(message);
  }

  next<T extends FromClient['type']>(
    type: T,
    timeoutMs = 120_000,
  ): Promise<Extract<FromClient, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection client: no ${type} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = () => reject(new Error('connection client exited'));
      this.child.once('exit', onExit);
      const listener = (message: FromClient) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(message as Extract<FromClient, { type: T }>);
      };
      this.listeners.push(listener);
    });
  }
}

async function pgQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Sends SIGUSR2 to each pid (memory-probe.mjs) and reads what each wrote: heap after a full GC. */
async function probeHeaps(dir: string, pids: number[]) {
  for (const pid of pids) {
    await rm(join(dir, `${pid}.json`), { force: true });
    process.kill(pid, 'SIGUSR2');
  }
  const deadline = performance.now() + 30_000;
  const result: { pid: number; before: NodeJS.MemoryUsage; after: NodeJS.MemoryUsage }[] = [];
  for (const pid of pids) {
    const file = join(dir, `${pid}.json`);
    while (!existsSync(file) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 20)); // written in one call, but let it finish
    if (existsSync(file)) result.push(JSON.parse(readFileSync(file, 'utf8')));
  }
  return result;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The primary's cluster workers (from sources, its other children are tsx's esbuild service). */
function workersOf(primary: number): number[] {
  return childPids(primary).filter((pid) => {
    try {
      return /main\.(ts|mjs)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/**
 * The `connections` scenario (P2): N idle visitor WebSockets (default 100,000) on the server's
 * cluster mode (CLUSTER_WORKERS, PostgreSQL + Redis: a fresh schema and Redis prefix, removed
 * afterwards), from several client processes each with its own source address 127.0.0.x.
 */
export async function runConnectionsBench(options: Options): Promise<void> {
  const total = options.number('connections', 100_000);
  const perProcess = options.number('per-process', 16_000);
  const workers = options.number('workers', Math.max(2, Math.ceil(total / perProcess)));
  const clientCount = options.number('clients', Math.max(1, Math.ceil(total / perProcess)));
  const inFlight = options.number('in-flight', 64);
  const tokenCount = options.number('visitor-tokens', 100);
  const holdMs = options.number('hold-seconds', 5) * 1000;
  const rampTimeoutMs = options.number('ramp-timeout-seconds', 120) * 1000;
  // `--cpu-prof`: every server process writes a V8 CPU profile into bench-results/profiles.
  const cpuProfileDir = options.flag('cpu-prof', false) ? join(REPO_ROOT, 'bench-results', 'profiles') : null;
  console.log(
    `\nconnections — ${int(total)} idle visitor WebSockets; server: CLUSTER_WORKERS=${workers} on PostgreSQL + Redis; ${clientCount} client processes (≤ ${int(Math.ceil(total / clientCount))} sockets each, from source addresses 127.0.<client>.<n>, ≤ 2,000 sockets per address), ${inFlight} handshakes in flight per client; all on the same machine`,
  );

  const schema = `bench_conn_${randomBytes(8).toString('hex')}`;
  const databaseUrl = new URL(PG_URL);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const redisPrefix = `bench${randomBytes(4).toString('hex')}:`;
  const probeDir = await mkdtemp(join(tmpdir(), 'us-bench-probe-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await pgQuery(`CREATE SCHEMA "${schema}"`);

  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const server = spawnServer({
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      CLUSTER_WORKERS: String(workers),
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      DEMO_CONTENT: 'false',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    },
    probeDir,
    ...(cpuProfileDir && { cpuProfileDir }),
    onLine: (line) => {
      if (line.includes(READY_MESSAGE)) ready();
    },
  });
  const clients: Client[] = [];
  const result: Record<string, unknown> = { total, workers, clients: clientCount, inFlight, tokenCount };
  try {
    const startedAt = performance.now();
    await Promise.race([
      isReady,
      server.exited.then(() => {
        throw new Error(`server exited before it was ready:\n${server.lines.slice(-30).join('\n')}`);
      }),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`cluster not ready in 120 s:\n${server.lines.slice(-30).join('\n')}`)),
          120_000,
        ),
      ),
    ]);
    const workerPids = workersOf(server.pid);
    console.log(
      `  ${workerPids.length} workers ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    );

    const admin = await httpJson<{ token: string }>(url, 'POST', '/api/v1/auth/login', { body: ADMIN });
    const { workspace } = await httpJson<{ workspace: { widgetKey: string } }>(url, 'GET', '/api/v1/me', {
      token: admin.token,
    });
    const tokens = await pooled(tokenCount, 8, async (i) => {
      const session = await httpJson<{ visitorToken: string }>(url, 'POST', '/api/v1/widget/session', {
        body: { widgetKey: workspace.widgetKey, name: `Idle ${i}` },
      });
      return session.visitorToken;
    });
    closeHttpAgents();
    const wsUrls = tokens.map((token) => `${url.replace('http', 'ws')}/ws?token=${token}`);

    // Idle, nothing connected.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssAt0NoGc = workerPids.map((pid) => rssBytes(pid) ?? 0);
    const heapAt0 = await probeHeaps(probeDir, workerPids);
    const rssAt0 = workerPids.map((pid) => rssBytes(pid) ?? 0);
    const primaryRssAt0 = rssBytes(server.pid) ?? 0;

    for (let i = 0; i < clientCount; i++) clients.push(new Client());
    await Promise.all(clients.map((client) => client.next('started', 60_000)));
    const share = (i: number) => Math.floor(total / clientCount) + (i < total % clientCount ? 1 : 0);
    const rampStart = performance.now();
    const cpu = {
      primary: new CpuMeter(() => [server.pid]),
      workers: new CpuMeter(() => workerPids),
      clients: new CpuMeter(() => clients.map((c) => c.child.pid!)),
    };
    for (const meter of Object.values(cpu)) meter.start();
    const machineBefore = machineCpu();
    // Source addresses 127.0.<client>.<n>, ≤ ~2,000 sockets each: bind(addr, 0) (ws's localAddress)
    // scans for a free port and gets slow (kernel time) as one address's ports fill up.
    const addressesPerClient = Math.max(1, Math.ceil(total / clientCount / 2000));
    for (const [i, client] of clients.entries()) {
      const localAddresses = Array.from({ length: addressesPerClient }, (_, n) => `127.0.${1 + i}.${1 + n}`);
      client.send({ type: 'connect', urls: wsUrls, count: share(i), localAddresses, inFlight });
    }
    // Progress every second until every client is done or the ramp stalls.
    let lastConnected = 0;
    let stalledSince = performance.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const connected = sum(clients.map((c) => c.latest?.connected ?? 0));
      const failed = sum(clients.map((c) => c.latest?.failed ?? 0));
      const seconds = (performance.now() - rampStart) / 1000;
      console.log(
        `    ${seconds.toFixed(0).padStart(4)} s: ${int(connected)} connected, ${int(failed)} failed`,
      );
      if (clients.every((c) => c.done)) break;
      if (connected > lastConnected) {
        lastConnected = connected;
        stalledSince = performance.now();
      } else if (performance.now() - stalledSince > 15_000) {
        console.log('    no progress for 15 s: stopping the ramp');
        break;
      }
      if (performance.now() - rampStart > rampTimeoutMs) {
        console.log(`    ramp not done in ${rampTimeoutMs / 1000} s: stopping it`);
        break;
      }
    }
    const rampCpu = {
      primary: cpu.primary.read(),
      workers: cpu.workers.read(),
      clients: cpu.clients.read(),
      machine: (() => {
        const after = machineCpu();
        return (100 * (after.busy - machineBefore.busy)) / Math.max(1, after.total - machineBefore.total);
      })(),
    };
    const statuses = clients.map((c) => c.latest ?? emptyClientStatus());
    const connected = sum(statuses.map((s) => s.connected));
    const failed = sum(statuses.map((s) => s.failed));
    const rampMs = Math.max(...statuses.map((s) => s.rampMs));
    const failures: Record<string, number> = {};
    for (const s of statuses)
      for (const [k, v] of Object.entries(s.failures)) failures[k] = (failures[k] ?? 0) + v;
    const perSecond: number[] = [];
    for (const s of statuses) {
      for (const [i, n] of s.perSecond.entries()) perSecond[i] = (perSecond[i] ?? 0) + n;
    }
    const fullSeconds = perSecond.slice(0, Math.max(1, Math.floor(rampMs / 1000)));

    // Held open and idle.
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    for (const client of clients) client.send({ type: 'status' });
    const held = await Promise.all(clients.map((client) => client.next('status', 30_000)));
    const openAtN = sum(held.map((s) => s.open));
    const dropped = sum(held.map((s) => s.droppedAfterHello));
    const alivePids = workersOf(server.pid);
    const rssAtNNoGc = alivePids.map((pid) => rssBytes(pid) ?? 0);
    const primaryRssAtN = rssBytes(server.pid) ?? 0;
    const filesAtN = alivePids.map((pid) => openFiles(pid) ?? 0);
    const heapAtN = await probeHeaps(probeDir, alivePids);
    const rssAtN = alivePids.map((pid) => rssBytes(pid) ?? 0);

    const closeStart = performance.now();
    for (const client of clients) client.send({ type: 'close' });
    const closed = await Promise.all(clients.map((client) => client.next('closed', 60_000)));
    const closeMs = performance.now() - closeStart;

    const rssPerConnection = openAtN > 0 ? (sum(rssAtN) - sum(rssAt0)) / openAtN : Number.NaN;
    const rssPerConnectionNoGc = openAtN > 0 ? (sum(rssAtNNoGc) - sum(rssAt0NoGc)) / openAtN : Number.NaN;
    const heapUsed = (h: typeof heapAt0) => sum(h.map((x) => x.after.heapUsed));
    const external = (h: typeof heapAt0) => sum(h.map((x) => x.after.external + x.after.arrayBuffers));
    const heapPerConnection = openAtN > 0 ? (heapUsed(heapAtN) - heapUsed(heapAt0)) / openAtN : Number.NaN;
    const connectsPerSec = rampMs > 0 ? (connected / rampMs) * 1000 : 0;
    const restarted = alivePids.filter((pid) => !workerPids.includes(pid));
    Object.assign(result, {
      connected,
      failed,
      failures,
      rampMs,
      connectsPerSec,
      connectsPerSecond: perSecond,
      medianConnectsPerSecond: median(fullSeconds),
      openAtN,
      droppedAfterHello: dropped,
      workerPids,
      workersReplaced: restarted,
      rssAt0NoGc,
      rssAtNNoGc,
      rssAt0,
      rssAtN,
      rampCpu,
      primaryRssAt0,
      primaryRssAtN,
      openFilesAtN: filesAtN,
      heapAt0,
      heapAtN,
      rssPerConnection,
      rssPerConnectionNoGc,
      heapPerConnection,
      closeMs,
      closed,
      serverLog: server.lines.filter((line) => !line.includes('"level":30')).slice(0, 30),
    });

    const reached = openAtN >= total;
    const why = Object.entries(failures)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${int(v)}× ${k}`)
      .join(', ');
    report(`connections — ${int(total)} asked, CLUSTER_WORKERS=${workers}, ${clientCount} client processes`, [
      [
        'connections open and idle (hello received)',
        `${int(openAtN)} of ${int(total)}`,
        `${target('≥ 100,000', openAtN, 100_000, true, int)}${!reached && why ? `; failures: ${why}` : ''}`,
      ],
      ['failed connects', int(failed)],
      ['dropped by the server while idle', int(dropped)],
      [
        'connects per second, whole ramp',
        `${int(connectsPerSec)}/s`,
        target('≥ 5,000/s', connectsPerSec, 5000, true, (n) => `${int(n)}/s`),
      ],
      ['connects per second, median second of the ramp', `${int(median(fullSeconds))}/s`],
      ['ramp time', `${(rampMs / 1000).toFixed(1)} s`],
      [
        'CPU during the ramp: primary / workers / clients (% of one core)',
        `${Math.round(rampCpu.primary)}% / ${Math.round(rampCpu.workers)}% / ${Math.round(rampCpu.clients)}%`,
      ],
      [
        'machine CPU during the ramp (% of all cores); the rest: PostgreSQL, Redis, kernel, others',
        `${Math.round(rampCpu.machine)}%; ${Math.round(Math.max(0, rampCpu.machine * cpus().length - rampCpu.primary - rampCpu.workers - rampCpu.clients))}%`,
      ],
      [
        'server memory per connection (Δ RSS of the workers / N, after a GC)',
        `${(rssPerConnection / 1024).toFixed(1)} KB`,
        target('≤ 10 KB', rssPerConnection / 1024, 10, false, (n) => `${n.toFixed(1)} KB`),
      ],
      ['the same without forcing a GC', `${(rssPerConnectionNoGc / 1024).toFixed(1)} KB`],
      ['JS heap per connection (Δ heapUsed after GC / N)', `${(heapPerConnection / 1024).toFixed(1)} KB`],
      [
        'external + array buffers per connection',
        `${((external(heapAtN) - external(heapAt0)) / Math.max(1, openAtN) / 1024).toFixed(1)} KB`,
      ],
      ['workers RSS at 0 / at N (sum, after a GC)', `${int(sum(rssAt0) / MB)} / ${int(sum(rssAtN) / MB)} MB`],
      ['primary RSS at 0 / at N', `${int(primaryRssAt0 / MB)} / ${int(primaryRssAtN / MB)} MB`],
      ['most open files in one worker at N', int(Math.max(...filesAtN)), '< 20,000 (ulimit -n)'],
      ['workers replaced during the run', String(restarted.length), '0'],
      ['closing every socket', `${(closeMs / 1000).toFixed(1)} s`],
    ]);
  } finally {
    for (const client of clients) client.child.kill('SIGKILL');
    const exit = await server.stop(30_000);
    result.serverExit = exit;
    await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((err) =>
      console.error(`could not drop schema ${schema}: ${err}`),
    );
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = nextCursor;
      } while (cursor !== '0');
    } catch (err) {
      console.error(`could not remove the Redis keys ${redisPrefix}*: ${err}`);
    } finally {
      redis.disconnect();
    }
    await rm(probeDir, { recursive: true, force: true });
  }
  const path = writeResults('connections', result);
  console.log(`  raw figures: ${path}`);
}
