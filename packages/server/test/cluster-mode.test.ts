import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  type TestServer,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { createSchema, postgresAvailable, REDIS_URL, type TestSchema } from './pg-schema.ts';
import { startProcess } from './process.ts';

/**
 * Cluster mode: `CLUSTER_WORKERS=2 npm start` runs two worker processes on one port, sharing
 * PostgreSQL and Redis as separate nodes do. In CI (CI=true) both services must be there.
 */
const available = await postgresAvailable();
const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const schema of schemas) await schema.drop();
});

/** The pid of the worker that answers `/healthz` on a new connection (no keep-alive). */
function healthzPid(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve((JSON.parse(body) as { pid: number }).pid));
    });
    req.on('error', reject);
    // A connection handed to a worker as it is killed gets no answer.
    req.setTimeout(2000, () => req.destroy(new Error('no answer in 2 s')));
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('CLUSTER_WORKERS', () => {
  it('needs PostgreSQL and Redis above 1, and accepts "auto"', () => {
    expect(() => loadConfig({ CLUSTER_WORKERS: '2' })).toThrow(/postgres:\/\/.*REDIS_URL/);
    expect(() => loadConfig({ CLUSTER_WORKERS: '2', DATABASE_URL: 'postgres://h/db' })).toThrow(/REDIS_URL/);
    expect(
      loadConfig({ CLUSTER_WORKERS: '2', DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379' })
        .workers,
    ).toBe(2);
    expect(loadConfig({ CLUSTER_WORKERS: '1' }).workers).toBe(1);
    expect(() => loadConfig({ CLUSTER_WORKERS: 'many' })).toThrow(/CLUSTER_WORKERS must be an integer/);
    expect(
      loadConfig({ CLUSTER_WORKERS: 'auto', DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379' })
        .workers,
    ).toBeGreaterThanOrEqual(1);
  });
});

describe.runIf(available)('cluster mode on PostgreSQL and Redis', () => {
  it('serves one port from two workers, chats across them, replaces a killed worker, and stops cleanly', async () => {
    const schema = await createSchema('cluster_mode');
    schemas.push(schema);
    const proc = await startProcess({
      dataDir: await mkdtemp(join(tmpdir(), 'us-cluster-')),
      env: { CLUSTER_WORKERS: '2', DATABASE_URL: schema.url, REDIS_URL },
    });
    const node: TestServer = { url: proc.url, wsUrl: proc.wsUrl } as TestServer;

    // New connections are handed to the workers in turn.
    const pids = new Set<number>();
    await eventually(async () => {
      pids.add(await healthzPid(proc.url));
      return pids.size === 2;
    });
    expect(pids.has(proc.child.pid!)).toBe(false); // the primary serves nothing itself

    // A conversation whose two sockets land on the workers in turn.
    const admin = await login(node.url);
    const visitor = await newVisitorConversation(node.url, await widgetKeyOf(node.url, admin.token));
    const conversationId = visitor.conversation.id;
    await api(node.url, 'POST', `/api/v1/conversations/${conversationId}/handoff`, { token: visitor.token });
    const visitorWs = await TestSocket.connect(node.wsUrl, visitor.token);
    const agentWs = await TestSocket.connect(node.wsUrl, admin.token);
    try {
      for (const ws of [visitorWs, agentWs]) {
        ws.send({ type: 'subscribe', conversationId, lastSeq: 0 });
        await ws.next((f) => f.type === 'subscribed');
      }
      visitorWs.send({
        type: 'message.send',
        conversationId,
        text: 'hello from the visitor',
        clientMessageId: 'v1',
      });
      await agentWs.next((f) => f.type === 'message.created' && f.message.text === 'hello from the visitor');
      agentWs.send({
        type: 'message.send',
        conversationId,
        text: 'hello from the agent',
        clientMessageId: 'a1',
      });
      await visitorWs.next((f) => f.type === 'message.created' && f.message.text === 'hello from the agent');
    } finally {
      await Promise.all([visitorWs.close(), agentWs.close()]);
    }

    // kill -9 of a worker: the primary starts another; the port keeps answering meanwhile.
    const [killed, survivor] = [...pids] as [number, number];
    process.kill(killed, 'SIGKILL');
    const seen = new Set<number>();
    await eventually(async () => {
      const pid = await healthzPid(proc.url).catch(() => null); // one handed to the dying worker
      if (pid !== null) seen.add(pid);
      return [...seen].some((p) => !pids.has(p));
    }, 30_000);
    expect(seen.has(killed)).toBe(false);
    const replacement = [...seen].find((pid) => !pids.has(pid))!;
    expect(proc.stdout.some((line) => line.includes('worker died, starting another'))).toBe(true);

    // SIGTERM to the primary: every worker shuts down gracefully, exit 0.
    const exit = await proc.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await eventually(() => !alive(survivor) && !alive(replacement));
  }, 90_000);
});
