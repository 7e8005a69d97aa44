import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { createSchema, IN_CI, postgresAvailable, REDIS_URL, type TestSchema } from './pg-schema.ts';

/**
 * The shipped load-balancer config (deploy/nginx.conf) run by Debian's nginx in front of two
 * real nodes on PostgreSQL and Redis. Only the upstream addresses and the listen port are
 * replaced; pid, logs and temp paths go to a temporary prefix so no root-owned path is needed.
 * The proxy directives are the shipped ones, unchanged.
 * In CI (CI=true) nginx, PostgreSQL and Redis must be there: a missing one fails. Locally the
 * suite is skipped when nginx is not installed.
 */
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const SHIPPED_CONF = readFileSync(new URL('../../../deploy/nginx.conf', import.meta.url), 'utf8');
const run = promisify(execFile);

function nginxInstalled(): boolean {
  try {
    accessSync(NGINX, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const hasNginx = nginxInstalled();
if (!hasNginx && IN_CI) throw new Error(`nginx is required in CI: ${NGINX} (apt-get install -y nginx)`);
// Only touch PostgreSQL when the suite will run (in CI an unreachable one throws).
const hasPostgres = hasNginx && (await postgresAvailable());

async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  server.close();
  await once(server, 'close');
  return address.port;
}

function replaceOnce(text: string, from: string, to: string): string {
  const hits = text.split(from).length - 1;
  if (hits !== 1) throw new Error(`deploy/nginx.conf: expected "${from}" once, found ${hits} times`);
  return text.replace(from, to);
}

/**
 * deploy/nginx.conf made runnable here: upstream servers and listen port replaced, and a
 * temporary prefix for pid, logs and temp files (a non-root run cannot use /var/lib/nginx).
 */
function runnableConfig(dir: string, upstreams: [number, number], listenPort: number): string {
  let conf = SHIPPED_CONF;
  conf = replaceOnce(conf, 'server app1:8080 ', `server 127.0.0.1:${upstreams[0]} `);
  conf = replaceOnce(conf, 'server app2:8080 ', `server 127.0.0.1:${upstreams[1]} `);
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${listenPort};`);
  const main = [`pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`].join('\n');
  const http = [
    `access_log ${join(dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (kind) => `${kind}_temp_path ${join(dir, `${kind}_temp`)};`,
    ),
  ].join('\n  ');
  conf = replaceOnce(conf, 'events {}', `${main}\nevents {}`);
  conf = replaceOnce(conf, 'http {', `http {\n  ${http}`);
  return conf;
}

/** Requests each node served, from its own /metrics (the /metrics scrapes themselves excluded). */
async function requestsServed(node: TestServer): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('us_http_request_duration_seconds_count{')) continue;
    if (line.includes('route="/metrics"')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe.runIf(hasNginx && hasPostgres)('the shipped nginx config in front of two nodes', () => {
  const nodes: TestServer[] = [];
  const sockets: TestSocket[] = [];
  let schema: TestSchema | undefined;
  let dir = '';
  let confFile = '';
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  let lb = '';
  let lbWs = '';

  beforeAll(async () => {
    schema = await createSchema('nginx');
    const env = { DATABASE_URL: schema.url, REDIS_URL };
    // One after the other: the first applies migrations and seeds the admin.
    nodes.push(await startServer(env));
    nodes.push(await startServer(env));

    dir = mkdtempSync(join(tmpdir(), 'us-nginx-'));
    // When run as root, nginx's workers drop to an unprivileged user: let them reach the prefix.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const ports = nodes.map((n) => Number(new URL(n.url).port)) as [number, number];
    confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, runnableConfig(dir, ports, port));

    nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', confFile, '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx.stdout?.on('data', (d) => {
      nginxOutput += d;
    });
    nginx.stderr?.on('data', (d) => {
      nginxOutput += d;
    });
    const exited = once(nginx, 'exit').then(([code]) => {
      throw new Error(`nginx exited with ${code}: ${nginxOutput}`);
    });
    lb = `http://127.0.0.1:${port}`;
    lbWs = `ws://127.0.0.1:${port}`;
    const up = eventually(async () => (await fetch(`${lb}/healthz`)).status === 200, 10_000);
    await Promise.race([up, exited]);
    exited.catch(() => {});
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = once(nginx, 'exit');
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const node of nodes) await node.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await schema?.drop();
  });

  const connect = async (token: string) => {
    const socket = await TestSocket.connect(lbWs, token);
    sockets.push(socket);
    return socket;
  };

  it('is a valid nginx config (nginx -t)', async () => {
    const { stderr } = await run(NGINX, ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', confFile]);
    expect(stderr).toContain('syntax is ok');
    expect(stderr).toContain('test is successful');
  });

  it('serves REST through nginx, spread over both nodes', async () => {
    const before = await Promise.all(nodes.map(requestsServed));
    const admin = await login(lb);
    expect(admin.token).toBeTruthy();
    const me = await api(lb, 'GET', '/api/v1/me', { token: admin.token });
    expect(me.status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await fetch(`${lb}/healthz`)).status).toBe(200);
    // A node counts a request once its response is sent (onResponse): poll until all 12 are in.
    const served = await eventually(async () => {
      const after = await Promise.all(nodes.map(requestsServed));
      const delta = after.map((n, i) => n - before[i]!);
      return delta[0]! + delta[1]! === 12 ? delta : null;
    });
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
  });

  it('lets a visitor and an agent chat over WebSockets through nginx', async () => {
    const admin = await login(lb);
    const visitor = await newVisitorConversation(lb, await widgetKeyOf(lb, admin.token));
    const conversationId = visitor.conversation.id;
    await api(lb, 'POST', `/api/v1/conversations/${conversationId}/handoff`, { token: visitor.token });

    const visitorWs = await connect(visitor.token);
    const agentWs = await connect(admin.token);
    for (const ws of [visitorWs, agentWs]) {
      ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
      await ws.next((f) => f.type === 'subscribed');
    }
    agentWs.send({ type: 'message.send', conversationId, text: 'from the agent', clientMessageId: 'g1' });
    const atVisitor = await visitorWs.next(
      (f) => f.type === 'message.created' && f.message.text === 'from the agent',
    );
    visitorWs.send({ type: 'message.send', conversationId, text: 'from the visitor', clientMessageId: 'v1' });
    const atAgent = await agentWs.next(
      (f) => f.type === 'message.created' && f.message.text === 'from the visitor',
    );
    expect(atAgent.message.seq).toBe(atVisitor.message.seq + 1);
  });

  it('fails over to the other node when one stops, and resumes by lastSeq without gap', async () => {
    const admin = await login(lb);
    const visitor = await newVisitorConversation(lb, await widgetKeyOf(lb, admin.token));
    const conversationId = visitor.conversation.id;
    await api(lb, 'POST', `/api/v1/conversations/${conversationId}/handoff`, { token: visitor.token });

    const first = await connect(visitor.token);
    first.send({ type: 'subscribe', conversationId, lastSeq: 0 });
    await first.next((f) => f.type === 'subscribed');
    const agentBefore = await connect(admin.token);
    agentBefore.send({ type: 'message.send', conversationId, text: 'before', clientMessageId: 'p1' });
    const seen = await first.next((f) => f.type === 'message.created' && f.message.text === 'before');
    await first.close();

    // Stop node A: nginx must send every new connection to node B (proxy_next_upstream error).
    await nodes[0]!.close();
    const servedBefore = await requestsServed(nodes[1]!);

    const agentWs = await connect(admin.token);
    for (let i = 1; i <= 5; i++) {
      agentWs.send({ type: 'message.send', conversationId, text: `missed ${i}`, clientMessageId: `m${i}` });
      await agentWs.next((f) => f.type === 'message.ack' && f.clientMessageId === `m${i}`);
    }
    const second = await connect(visitor.token);
    second.send({ type: 'subscribe', conversationId, lastSeq: seen.message.seq });
    await second.next((f) => f.type === 'subscribed');
    agentWs.send({ type: 'message.send', conversationId, text: 'live', clientMessageId: 'l1' });
    await second.next((f) => f.type === 'message.created' && f.message.text === 'live');
    const messages = second.messages(conversationId);
    expect(messages.map((m) => m.text)).toEqual([
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
      'missed 5',
      'live',
    ]);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6].map((n) => seen.message.seq + n));

    // nginx did try the stopped node and moved on: the new sockets above are on node B, so
    // least_conn picks node A (fewer connections) for at least one of them.
    const stopped = new URL(nodes[0]!.url).host;
    const errorLog = readFileSync(join(dir, 'error.log'), 'utf8');
    expect(errorLog).toMatch(
      new RegExp(`connect\\(\\) failed \\(111: Connection refused\\).*upstream: "http://${stopped}/ws`),
    );
    // REST keeps working through nginx too, all on node B.
    for (let i = 0; i < 4; i++) expect((await fetch(`${lb}/healthz`)).status).toBe(200);
    await eventually(async () => (await requestsServed(nodes[1]!)) - servedBefore >= 4);
  });
});
