import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import {
  allStoredMessages,
  api,
  eventually,
  login,
  newVisitorConversation,
  range,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { createSchema, IN_CI, postgresAvailable, type TestSchema } from './pg-schema.ts';
import { killAll, type ServerProcess, startProcess } from './process.ts';
import { REDIS_SERVER_BIN, type RedisServer, redisServerInstalled, startRedis } from './redis-server.ts';

/**
 * Three real server processes on one fresh PostgreSQL schema and a private redis-server, and
 * real faults: a node killed with SIGKILL, Redis killed and started again (empty) on the same
 * port. Every test starts its own cluster. In CI (CI=true) PostgreSQL and the redis-server
 * binary must be there: a missing one fails. Locally the suite is skipped without them.
 */

type Message = {
  id: string;
  conversationId: string;
  seq: number;
  author: { type: string; id: string | null; name: string | null };
  text: string;
  clientMessageId: string | null;
};
type Frame = { type: string; [key: string]: any };
type Login = Awaited<ReturnType<typeof login>>;

/** Failover takes a heartbeat TTL, reconnects take a Redis retry: generous bounds for a 2-core CI. */
const SLOW = 30_000;
const TEST_TIMEOUT = 90_000;

const hasRedisServer = redisServerInstalled();
if (!hasRedisServer && IN_CI) {
  throw new Error(`redis-server is required in CI: ${REDIS_SERVER_BIN} (apt-get install -y redis-server)`);
}
// Only touch PostgreSQL when the suite will run (in CI an unreachable one throws).
const available = hasRedisServer && (await postgresAvailable());

const dirs: string[] = [];
const schemas: TestSchema[] = [];
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  // Nodes first: the schema is dropped once nothing uses it.
  await killAll();
  for (const schema of schemas.splice(0)) await schema.drop();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Cluster {
  redis: RedisServer;
  nodes: [ServerProcess, ServerProcess, ServerProcess];
}

/**
 * A fresh schema, a private Redis and three nodes on them. The first node starts alone (it
 * applies the migrations and seeds the admin), then the other two together.
 */
async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const schema = await createSchema('cluster');
  schemas.push(schema);
  const redis = await startRedis();
  const start = () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'us-cluster-'));
    dirs.push(dataDir);
    return startProcess({
      dataDir,
      env: {
        DATABASE_URL: schema.url,
        REDIS_URL: redis.url,
        UPLOADS_DIR: path.join(dataDir, 'uploads'),
        ...env,
      },
    });
  };
  const first = await start();
  const [second, third] = await Promise.all([start(), start()]);
  const nodes: Cluster['nodes'] = [first, second, third];
  // On a failure, show what the nodes logged at warn or above.
  onTestFailed(() => {
    nodes.forEach((node, i) => {
      const lines = node.stdout.flatMap((line) => {
        try {
          const entry = JSON.parse(line);
          if (entry.level < 40) return [];
          const when = new Date(entry.time).toISOString().slice(11, 23);
          return [`${when} ${entry.level} ${entry.msg}${entry.err ? `: ${entry.err.message}` : ''}`];
        } catch {
          return [line];
        }
      });
      const tail = [...lines.slice(-30), ...node.stderr.slice(-10).map((l) => `stderr: ${l}`)];
      if (tail.length > 0)
        console.log(`--- node ${'ABC'[i]} (pid ${node.child.pid}) ---\n${tail.join('\n')}`);
    });
  });
  return { redis, nodes };
}

const connect = async (node: ServerProcess, token: string) => {
  const socket = await TestSocket.connect(node.wsUrl, token);
  sockets.push(socket);
  return socket;
};

/** Subscribes and waits for this subscription's `subscribed` frame (not an earlier one). */
async function subscribe(socket: TestSocket, conversationId: string, lastSeq = 0): Promise<Frame> {
  const from = socket.frames.length;
  socket.send({ type: 'subscribe', conversationId, lastSeq });
  return eventually(
    () =>
      socket.frames
        .slice(from)
        .find((f) => (f.type === 'subscribed' && f.conversationId === conversationId) || f.type === 'error'),
    SLOW,
  ).then((frame) => {
    expect(frame.type).toBe('subscribed');
    return frame;
  });
}

/** The `message.ack` of each id (waits for all of them); any error frame fails. */
async function acksFor(socket: TestSocket, ids: Iterable<string>, from = 0): Promise<Map<string, Message>> {
  const wanted = new Set(ids);
  const answers = () =>
    socket.frames
      .slice(from)
      .filter((f) => (f.type === 'message.ack' && wanted.has(f.clientMessageId)) || f.type === 'error');
  await eventually(() => answers().length >= wanted.size, SLOW);
  const frames = answers();
  expect(frames.filter((f) => f.type === 'error')).toEqual([]);
  const acks = new Map<string, Message>();
  for (const frame of frames) {
    expect(acks.has(frame.clientMessageId), `acked twice: ${frame.clientMessageId}`).toBe(false);
    acks.set(frame.clientMessageId, frame.message);
  }
  return acks;
}

async function conversation(base: string, token: string, conversationId: string) {
  const { status, body } = await api(base, 'GET', `/api/v1/conversations/${conversationId}`, { token });
  expect(status).toBe(200);
  return body.conversation as { id: string; status: string; assigneeId: string | null; lastSeq: number };
}

/** A new agent of the admin's workspace, logged in. */
async function createAgent(base: string, adminToken: string, name: string, maxConcurrent: number) {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@test.local`;
  const created = await api(base, 'POST', '/api/v1/agents', {
    token: adminToken,
    body: { name, email, password: 'agent-password', maxConcurrent },
  });
  expect(created.status).toBe(201);
  return login(base, email, 'agent-password');
}

/** A visitor's conversation, handed off to humans (queued, or assigned to an online agent). */
async function handedOff(base: string, widgetKey: string) {
  const visitor = await newVisitorConversation(base, widgetKey);
  const res = await api(base, 'POST', `/api/v1/conversations/${visitor.conversation.id}/handoff`, {
    token: visitor.token,
  });
  expect(res.status).toBe(200);
  return { ...visitor, conversationId: visitor.conversation.id as string };
}

/** Waits until each node lists the agents as online. */
const onlineOn = (nodes: ServerProcess[], adminToken: string, agentIds: string[]) =>
  eventually(async () => {
    for (const node of nodes) {
      const { body } = await api(node.url, 'GET', '/api/v1/agents', { token: adminToken });
      const online = new Set(
        body.agents.filter((x: { status: string }) => x.status === 'online').map((x: { id: string }) => x.id),
      );
      if (!agentIds.every((id) => online.has(id))) return false;
    }
    return true;
  }, SLOW);

/** Seqs of the stored messages a socket received for the conversation, in arrival order. */
const seqsOf = (socket: TestSocket, conversationId: string) =>
  socket.messages(conversationId).map((m) => m.seq as number);

const readyz = async (node: ServerProcess) => {
  const { status, body } = await api(node.url, 'GET', '/readyz');
  return { status, body };
};

describe.runIf(available)('three nodes on PostgreSQL and a private Redis, under faults', () => {
  it(
    'delivers messages and typing between a visitor on node A and an agent on node C',
    async () => {
      const {
        nodes: [a, b, c],
      } = await startCluster();
      const admin = await login(c.url);
      const visitor = await handedOff(b.url, await widgetKeyOf(b.url, admin.token));
      const { conversationId } = visitor;

      const visitorWs = await connect(a, visitor.token);
      const agentWs = await connect(c, admin.token);
      await subscribe(visitorWs, conversationId);
      await subscribe(agentWs, conversationId);

      agentWs.send({ type: 'message.send', conversationId, text: 'from node C', clientMessageId: 'c1' });
      const atVisitor = await visitorWs.next(
        (f) => f.type === 'message.created' && f.message.text === 'from node C',
        SLOW,
      );
      expect(atVisitor.message.author).toMatchObject({ type: 'agent', id: admin.agent.id });
      visitorWs.send({ type: 'message.send', conversationId, text: 'from node A', clientMessageId: 'a1' });
      const atAgent = await agentWs.next(
        (f) => f.type === 'message.created' && f.message.text === 'from node A',
        SLOW,
      );
      expect(atAgent.message.author).toMatchObject({ type: 'visitor', id: visitor.visitorId });
      expect(atAgent.message.seq).toBe(atVisitor.message.seq + 1);

      agentWs.send({ type: 'typing', conversationId, isTyping: true });
      const typing = await visitorWs.next((f) => f.type === 'typing' && f.isTyping === true, SLOW);
      expect(typing).toMatchObject({ conversationId, author: { type: 'agent', id: admin.agent.id } });
      visitorWs.send({ type: 'typing', conversationId, isTyping: true });
      const typed = await agentWs.next((f) => f.type === 'typing' && f.isTyping === true, SLOW);
      expect(typed).toMatchObject({ conversationId, author: { type: 'visitor', id: visitor.visitorId } });

      // Both ends saw the same stored messages, each once, in order; node B serves the same.
      const stored = await allStoredMessages(b.url, admin.token, conversationId);
      expect(stored.map((m) => m.seq)).toEqual(range(1, stored.length));
      expect(agentWs.messages(conversationId)).toEqual(stored);
      expect(visitorWs.messages(conversationId)).toEqual(stored);
      // Nobody got their own typing back.
      expect(agentWs.frames.filter((f) => f.type === 'typing' && f.author.type === 'agent')).toEqual([]);
      expect(visitorWs.frames.filter((f) => f.type === 'typing' && f.author.type === 'visitor')).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'stores concurrent senders on three nodes gap-free and duplicate-free, and each socket sees the same sequence',
    async () => {
      const {
        nodes: [a, b, c],
      } = await startCluster();
      const admin = await login(a.url);
      const second = await createAgent(a.url, admin.token, 'Second', 5);
      const visitor = await handedOff(a.url, await widgetKeyOf(a.url, admin.token));
      const { conversationId } = visitor;
      // Nobody is online yet: it waits in the queue until the admin assigns it to themself.
      expect((await conversation(a.url, admin.token, conversationId)).status).toBe('queued');
      const assigned = await api(a.url, 'POST', `/api/v1/conversations/${conversationId}/assign`, {
        token: admin.token,
        body: { agentId: admin.agent.id },
      });
      expect(assigned.body.conversation).toMatchObject({ status: 'assigned', assigneeId: admin.agent.id });

      const visitorWs = await connect(a, visitor.token);
      const adminWs = await connect(b, admin.token);
      const secondWs = await connect(c, second.token);
      const senders = [
        { name: 'visitor', ws: visitorWs },
        { name: 'admin', ws: adminWs },
        { name: 'second', ws: secondWs },
      ];
      for (const { ws } of senders) await subscribe(ws, conversationId);

      // 100 frames from each, all pipelined at once.
      const PER_SENDER = 100;
      const ids = new Map<string, string[]>(senders.map((s) => [s.name, []]));
      for (let i = 0; i < PER_SENDER; i++) {
        for (const { name, ws } of senders) {
          const clientMessageId = `${name}-${i}`;
          ids.get(name)!.push(clientMessageId);
          ws.send({ type: 'message.send', conversationId, text: `${name} says ${i}`, clientMessageId });
        }
      }
      const acks = new Map<string, Message>();
      for (const { name, ws } of senders) {
        for (const [id, message] of await acksFor(ws, ids.get(name)!)) acks.set(id, message);
      }
      const total = senders.length * PER_SENDER;
      expect(acks.size).toBe(total);

      const stored = await allStoredMessages(c.url, admin.token, conversationId);
      expect(stored.map((m) => m.seq)).toEqual(range(1, total));
      expect(new Set(stored.map((m) => m.id)).size).toBe(total);
      expect(stored.map((m) => m.clientMessageId).sort()).toEqual([...acks.keys()].sort());
      for (const [clientMessageId, message] of acks) {
        expect(stored[message.seq - 1]).toEqual(message);
        expect(message.text).toBe(`${clientMessageId.replace(/-(\d+)$/, ' says $1')}`);
      }
      // Each sender's own messages are stored in the order it sent them.
      for (const { name } of senders) {
        const own = stored.filter((m) => m.clientMessageId?.startsWith(`${name}-`));
        expect(own.map((m) => m.clientMessageId)).toEqual(ids.get(name));
      }
      expect((await conversation(b.url, admin.token, conversationId)).lastSeq).toBe(total);

      // Every subscribed socket, on every node, got every message once, in seq order.
      for (const { ws } of senders) {
        await eventually(() => ws.messages(conversationId).length >= total, SLOW);
        expect(ws.messages(conversationId)).toEqual(stored);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'loses nothing acked when a node is killed mid-conversation: the visitor resumes on another node and resends',
    async () => {
      const {
        nodes: [a, b, c],
      } = await startCluster();
      const admin = await login(c.url);
      const visitor = await handedOff(b.url, await widgetKeyOf(b.url, admin.token));
      const { conversationId } = visitor;
      const agentWs = await connect(c, admin.token);
      await subscribe(agentWs, conversationId);
      const first = await connect(a, visitor.token);
      await subscribe(first, conversationId);

      // A window of 25 sends in flight: each ack sends the next one. On the 100th ack, 25 more
      // go out at once and node A gets SIGKILL. An unacked send may or may not have been stored
      // by node A: resending with the same clientMessageId must be right either way.
      const WINDOW = 25;
      const KILL_AT = 100;
      const sent: string[] = [];
      const textOf = (clientMessageId: string) => `visitor message ${clientMessageId}`;
      const sendNext = () => {
        const clientMessageId = `k-${sent.length}`;
        sent.push(clientMessageId);
        first.send({ type: 'message.send', conversationId, text: textOf(clientMessageId), clientMessageId });
      };
      let acked = 0;
      let killed = false;
      const killedAt = new Promise<void>((resolve) => {
        first.ws.on('message', (data) => {
          const frame = JSON.parse(data.toString());
          if (killed || frame.type !== 'message.ack') return;
          acked++;
          if (acked === KILL_AT) {
            killed = true;
            for (let i = 0; i < WINDOW; i++) sendNext();
            a.child.kill('SIGKILL');
            resolve();
            return;
          }
          sendNext();
        });
      });
      for (let i = 0; i < WINDOW; i++) sendNext();
      await killedAt;
      expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await first.closed;

      // What the visitor knew when its node died.
      const firstAcks = new Map<string, Message>();
      for (const f of first.frames) if (f.type === 'message.ack') firstAcks.set(f.clientMessageId, f.message);
      expect(first.frames.filter((f) => f.type === 'error')).toEqual([]);
      expect(firstAcks.size).toBeGreaterThanOrEqual(KILL_AT);
      const unacked = sent.filter((id) => !firstAcks.has(id));
      // Sends were in flight when the node died.
      expect(unacked.length).toBeGreaterThan(0);
      const seen = first.messages(conversationId);
      const lastSeq = seen.at(-1)?.seq ?? 0;
      expect(seen.map((m) => m.seq)).toEqual(range(1, lastSeq));

      // Resume on node B from the last seq seen, then resend every unacked message as it was.
      const second = await connect(b, visitor.token);
      await subscribe(second, conversationId, lastSeq);
      const from = second.frames.length;
      for (const clientMessageId of unacked) {
        second.send({ type: 'message.send', conversationId, text: textOf(clientMessageId), clientMessageId });
      }
      const resendAcks = await acksFor(second, unacked, from);
      // A resend of an acked message (its ack lost, as far as the client knows) is acked again
      // with the message node A stored, and stores nothing.
      const ackedLast = [...firstAcks.keys()].slice(-5);
      const again = second.frames.length;
      for (const clientMessageId of ackedLast) {
        second.send({ type: 'message.send', conversationId, text: textOf(clientMessageId), clientMessageId });
      }
      for (const [clientMessageId, message] of await acksFor(second, ackedLast, again)) {
        expect(message).toEqual(firstAcks.get(clientMessageId));
      }
      second.send({
        type: 'message.send',
        conversationId,
        text: 'after the failover',
        clientMessageId: 'final',
      });
      const final = (await acksFor(second, ['final'], from)).get('final')!;

      // The store: each clientMessageId once, seq 1..n, every acked message exactly as acked.
      const stored = await allStoredMessages(b.url, admin.token, conversationId);
      expect(stored.map((m) => m.seq)).toEqual(range(1, stored.length));
      expect(stored.map((m) => m.clientMessageId).sort()).toEqual([...sent, 'final'].sort());
      expect(final.seq).toBe(stored.length);
      for (const message of [...firstAcks.values(), ...resendAcks.values()]) {
        expect(stored[message.seq - 1]).toEqual(message);
      }
      for (const message of stored) {
        if (message.clientMessageId !== 'final') expect(message.text).toBe(textOf(message.clientMessageId!));
      }

      // The agent on node C saw every message once, in seq order, gap-free.
      await agentWs.next((f) => f.type === 'message.created' && f.message.clientMessageId === 'final', SLOW);
      expect(agentWs.messages(conversationId)).toEqual(stored);
      // So did the visitor, over its two connections.
      await second.next((f) => f.type === 'message.created' && f.message.clientMessageId === 'final', SLOW);
      expect([...seen, ...second.messages(conversationId)]).toEqual(stored);
      expect(second.frames.filter((f) => f.type === 'error')).toEqual([]);
      // The other nodes never stopped.
      for (const node of [b, c]) expect(node.child.exitCode).toBeNull();
    },
    TEST_TIMEOUT,
  );

  it(
    "requeues a killed node's agent's conversations to an agent online elsewhere, but not those of an agent back in time",
    async () => {
      const {
        nodes: [a, b, c],
      } = await startCluster({ PRESENCE_TTL_MS: '1500', AGENT_REASSIGN_AFTER_MS: '1000' });
      const admin = await login(b.url);
      const widgetKey = await widgetKeyOf(b.url, admin.token);
      // Capacity 1 each, so who gets what is decided by who is online with room.
      const [first, second, third] = (await Promise.all(
        ['First', 'Second', 'Third'].map((name) => createAgent(b.url, admin.token, name, 1)),
      )) as [Login, Login, Login];

      // First (only on node A) takes conversation 1.
      await connect(a, first.token);
      await onlineOn([a, b, c], admin.token, [first.agent.id]);
      const visitor1 = await handedOff(c.url, widgetKey);
      const c1 = visitor1.conversationId;
      await eventually(
        async () => (await conversation(c.url, admin.token, c1)).assigneeId === first.agent.id,
      );
      // Third (also only on node A) takes conversation 3: First is full.
      const thirdOnA = await connect(a, third.token);
      await onlineOn([a, b, c], admin.token, [third.agent.id]);
      const visitor3 = await handedOff(c.url, widgetKey);
      const c3 = visitor3.conversationId;
      await eventually(
        async () => (await conversation(c.url, admin.token, c3)).assigneeId === third.agent.id,
      );
      // Second is online on node B with room; nothing is queued for them yet.
      const secondWs = await connect(b, second.token);
      await onlineOn([a, b, c], admin.token, [second.agent.id]);
      await subscribe(secondWs, c1);
      const visitorWs = await connect(c, visitor1.token);
      await subscribe(visitorWs, c1);
      expect(await conversation(b.url, admin.token, c1)).toMatchObject({
        status: 'assigned',
        assigneeId: first.agent.id,
      });

      // Node A dies; Third is back at once on node B, First never comes back.
      a.child.kill('SIGKILL');
      const [thirdOnB] = await Promise.all([connect(b, third.token), a.exited, thirdOnA.closed]);
      expect(thirdOnB.frames[0]).toMatchObject({ type: 'hello' });

      // Conversation 1 goes to Second, who is told.
      await eventually(async () => {
        const now = await conversation(c.url, admin.token, c1);
        return now.status === 'assigned' && now.assigneeId === second.agent.id;
      }, SLOW).catch(async (err) => {
        const now = await conversation(c.url, admin.token, c1);
        throw new Error(
          `conversation 1 not moved to Second (${second.agent.id}) after node A died: ${now.status}, assignee ${now.assigneeId} (First is ${first.agent.id}); ${err}`,
        );
      });
      await secondWs.next(
        (f) =>
          f.type === 'conversation.updated' &&
          f.conversation.id === c1 &&
          f.conversation.status === 'assigned' &&
          f.conversation.assigneeId === second.agent.id,
        SLOW,
      );
      // The visitor (node C) still reaches an agent (node B).
      visitorWs.send({
        type: 'message.send',
        conversationId: c1,
        text: 'anyone there?',
        clientMessageId: 'q1',
      });
      await acksFor(visitorWs, ['q1']);
      const atSecond = await secondWs.next(
        (f) => f.type === 'message.created' && f.message.clientMessageId === 'q1',
        SLOW,
      );
      expect(atSecond.message.text).toBe('anyone there?');

      // The sweep ran (conversation 1 moved): Third, back in time, kept conversation 3.
      for (const node of [b, c]) {
        expect(await conversation(node.url, admin.token, c3)).toMatchObject({
          status: 'assigned',
          assigneeId: third.agent.id,
        });
      }
      expect(
        secondWs.frames.filter(
          (f) =>
            f.type === 'conversation.updated' &&
            f.conversation.id === c3 &&
            f.conversation.assigneeId !== third.agent.id,
        ),
      ).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'keeps serving through a Redis restart and, once Redis is back, delivers what was sent meanwhile without a new message',
    async () => {
      const { redis, nodes } = await startCluster();
      const [a, b, c] = nodes;
      const pids = nodes.map((n) => n.child.pid);
      const admin = await login(b.url);
      const visitor = await handedOff(a.url, await widgetKeyOf(a.url, admin.token));
      const { conversationId } = visitor;
      const visitorWs = await connect(a, visitor.token);
      const agentWs = await connect(b, admin.token);
      await subscribe(visitorWs, conversationId);
      await subscribe(agentWs, conversationId);
      for (const node of nodes)
        expect((await readyz(node)).body).toMatchObject({ status: 'ready', redis: 'ok' });

      // Live both ways before the fault.
      agentWs.send({ type: 'message.send', conversationId, text: 'hello from B', clientMessageId: 'g0' });
      await visitorWs.next((f) => f.type === 'message.created' && f.message.clientMessageId === 'g0', SLOW);
      visitorWs.send({ type: 'message.send', conversationId, text: 'hello from A', clientMessageId: 'v0' });
      await agentWs.next((f) => f.type === 'message.created' && f.message.clientMessageId === 'v0', SLOW);

      await redis.stop();
      // Every node notices and says so; Redis down leaves the node ready (200): it still serves.
      for (const node of nodes) {
        const ready = await eventually(async () => {
          const r = await readyz(node);
          return r.body.redis === 'degraded' ? r : null;
        }, SLOW);
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ status: 'ready', down: [], redis: 'degraded' });
      }

      // Meanwhile the visitor (node A) and then the agent (over REST on node C) write, and are
      // acked: the store is PostgreSQL. Nothing is sent on node B, and nothing from node A
      // follows the agent's messages, so no live event shows anyone a gap to fill.
      const visitorIds = range(1, 20).map((i) => `outage-v${i}`);
      for (const clientMessageId of visitorIds) {
        visitorWs.send({ type: 'message.send', conversationId, text: clientMessageId, clientMessageId });
      }
      await acksFor(visitorWs, visitorIds);
      for (let i = 1; i <= 5; i++) {
        const clientMessageId = `outage-g${i}`;
        const res = await api(c.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
          token: admin.token,
          body: { text: clientMessageId, clientMessageId },
        });
        expect(res.status).toBe(201);
      }
      expect(redis.running).toBe(false);
      const lastDuringOutage = (await conversation(c.url, admin.token, conversationId)).lastSeq;

      await redis.start();
      // No new message: each node catches its subscribers up from the store once its bus is back.
      const stored = await allStoredMessages(b.url, admin.token, conversationId);
      expect(stored.map((m) => m.seq)).toEqual(range(1, lastDuringOutage));
      await eventually(() => seqsOf(agentWs, conversationId).length >= stored.length, SLOW).catch((err) => {
        throw new Error(
          `agent on node B did not catch up after Redis came back: has seqs [${seqsOf(agentWs, conversationId)}] of 1..${stored.length} (${err})`,
        );
      });
      await eventually(() => seqsOf(visitorWs, conversationId).length >= stored.length, SLOW).catch((err) => {
        throw new Error(
          `visitor on node A did not catch up after Redis came back: has seqs [${seqsOf(visitorWs, conversationId)}] of 1..${stored.length} (${err})`,
        );
      });
      expect(agentWs.messages(conversationId)).toEqual(stored);
      expect(visitorWs.messages(conversationId)).toEqual(stored);

      for (const node of nodes) {
        await eventually(async () => (await readyz(node)).body.redis === 'ok', SLOW);
        expect(await readyz(node)).toMatchObject({ status: 200, body: { status: 'ready', redis: 'ok' } });
      }

      // Live both ways again.
      agentWs.send({ type: 'message.send', conversationId, text: 'back from B', clientMessageId: 'g-after' });
      const back = await visitorWs.next(
        (f) => f.type === 'message.created' && f.message.clientMessageId === 'g-after',
        SLOW,
      );
      expect(back.message.seq).toBe(lastDuringOutage + 1);
      visitorWs.send({
        type: 'message.send',
        conversationId,
        text: 'back from A',
        clientMessageId: 'v-after',
      });
      const backAgain = await agentWs.next(
        (f) => f.type === 'message.created' && f.message.clientMessageId === 'v-after',
        SLOW,
      );
      expect(backAgain.message.seq).toBe(lastDuringOutage + 2);
      const final = await allStoredMessages(a.url, admin.token, conversationId);
      expect(agentWs.messages(conversationId)).toEqual(final);
      expect(visitorWs.messages(conversationId)).toEqual(final);

      // No node exited or was restarted.
      expect(nodes.map((n) => n.child.pid)).toEqual(pids);
      for (const node of nodes) {
        expect(node.child.exitCode).toBeNull();
        expect(node.child.signalCode).toBeNull();
        expect((await api(node.url, 'GET', '/healthz')).status).toBe(200);
      }
      expect(visitorWs.frames.filter((f) => f.type === 'error')).toEqual([]);
      expect(agentWs.frames.filter((f) => f.type === 'error')).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
