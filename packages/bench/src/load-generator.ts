import WebSocket from 'ws';

/**
 * One load-generator process of the `messages` and `echo` scenarios (forked by ladder.ts with
 * an IPC channel). It holds some visitors and the agents their conversations are assigned to,
 * so one clock times each message from the visitor's `message.send` to the agent's socket.
 *
 * - mode `server` (the real server) and `relay` (the bare relay): a message is done when the
 *   sender got its `message.ack` AND the agent got its `message.created`;
 * - mode `echo`: a frame is done when it came back on the same socket.
 *
 * Frames are recognised by their first bytes and the message by its `clientMessageId`
 * (`<runId><index>`), without parsing the JSON, so the generator spends its CPU on sockets.
 */

export type Mode = 'server' | 'relay' | 'echo';

export interface AgentSpec {
  key: string;
  url: string;
}

export interface VisitorSpec {
  url: string;
  conversationId: string;
  /** The agent (AgentSpec.key) whose socket should receive its messages; null in echo mode. */
  agentKey: string | null;
}

export type ToGenerator =
  | { type: 'agents'; mode: Mode; agents: AgentSpec[]; localAddress?: string }
  | {
      type: 'visitors';
      visitors: VisitorSpec[];
      /** Visitors subscribe to their conversation, as the widget does (server mode). */
      subscribeVisitors: boolean;
      /** Most messages this process will send (the arrays are sized once). */
      capacity: number;
      runId: string;
    }
  | { type: 'step'; rate: number; durationMs: number; settleMs: number }
  | { type: 'close' };

export interface StepResult {
  type: 'step-result';
  sent: number;
  windowMs: number;
  /** Messages (of any step) done within this step's sending window. */
  completedInWindow: number;
  /** send → delivery (agent's socket, or the echo) of this step's messages, ms; Infinity: not delivered. */
  latencies: Float64Array;
  /** send → ack of this step's messages, ms; Infinity: no ack. */
  ackLatencies: Float64Array;
  /** Messages of this step not done when the settle time ran out. */
  undelivered: number;
  /** Error frames by code. */
  errors: Record<string, number>;
  /** Socket closes by code, and socket errors by message. */
  closes: Record<string, number>;
  /** Sends skipped: the visitor's socket was not open, or the arrays were full. */
  skipped: number;
  /** Largest lag of the pacing timer behind schedule, ms (the generator's own saturation). */
  maxPacingLagMs: number;
}

export type FromGenerator =
  | { type: 'agents-ready'; ms: number }
  | { type: 'ready'; ms: number }
  | { type: 'window-end' }
  | StepResult
  | { type: 'fatal'; error: string };

const send = (message: FromGenerator) => process.send!(message);

const prefix = (text: string) => Buffer.from(text);
const ACK = prefix('{"type":"message.ack"');
const CREATED = prefix('{"type":"message.created"');
const ECHOED = prefix('{"type":"message.send"');
const ERROR = prefix('{"type":"error"');
const HELLO = prefix('{"type":"hello"');
const SUBSCRIBED = prefix('{"type":"subscribed"');

const startsWith = (data: Buffer, head: Buffer) =>
  data.length >= head.length && head.compare(data, 0, head.length, 0, head.length) === 0;

let mode: Mode = 'server';
let localAddress: string | undefined;
const agents = new Map<string, Agent>();
let visitors: Visitor[] = [];
let runId = '';
let needle = Buffer.alloc(0);

// Per message, by index: when it was sent, acked, delivered (0: not yet), and whether it failed.
let sentAt = new Float64Array(0);
let ackAt = new Float64Array(0);
let deliveredAt = new Float64Array(0);
let failed = new Uint8Array(0);
let count = 0;

// The current step.
let sending = false;
let completedInWindow = 0;
let errors: Record<string, number> = {};
let closes: Record<string, number> = {};
let skipped = 0;

interface Agent {
  ws: WebSocket;
  subscribedCount: number;
}

interface Visitor {
  spec: VisitorSpec;
  ws: WebSocket;
  frameHead: string;
}

const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

function clientOptions(): WebSocket.ClientOptions {
  return {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    // A zero mask: ws skips the XOR on this side (the server unmasks as always).
    generateMask: (mask: Buffer) => {
      mask.fill(0);
    },
    handshakeTimeout: 30_000,
    ...(localAddress && { localAddress }),
  };
}

/** The message index in a frame that carries one of ours, else -1. */
function indexOf(data: Buffer): number {
  const at = data.indexOf(needle);
  if (at < 0) return -1;
  let index = 0;
  let i = at + needle.length;
  let digits = 0;
  for (; i < data.length; i++) {
    const c = data[i]!;
    if (c < 48 || c > 57) break;
    index = index * 10 + (c - 48);
    digits++;
  }
  return digits > 0 && index < count ? index : -1;
}

function onAck(index: number, now: number): void {
  if (ackAt[index] !== 0) return;
  ackAt[index] = now;
  if (deliveredAt[index] !== 0 && sending) completedInWindow++;
}

function onDelivered(index: number, now: number): void {
  if (deliveredAt[index] !== 0) return;
  deliveredAt[index] = now;
  if (ackAt[index] !== 0 && sending) completedInWindow++;
}

function onError(data: Buffer): void {
  let frame: { code?: string; ref?: string | null };
  try {
    frame = JSON.parse(data.toString());
  } catch {
    bump(errors, 'unparsable error frame');
    return;
  }
  bump(errors, frame.code ?? 'unknown');
  if (typeof frame.ref === 'string' && frame.ref.startsWith(runId)) {
    const index = Number(frame.ref.slice(runId.length));
    if (Number.isInteger(index) && index < count) failed[index] = 1;
  }
}

function watch(ws: WebSocket, who: string): void {
  ws.on('close', (code) => bump(closes, `${who} close ${code}`));
  ws.on('error', (err) => bump(closes, `${who} error ${err.message}`));
}

/** Opens a socket and resolves once the server said hello (echo: once open). */
function open(url: string, who: string, onFrame: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, clientOptions());
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new Error(`${who}: ${reason}`));
    };
    ws.once('error', (err) => fail(err.message));
    ws.once('close', (code) => fail(`closed with ${code} before hello`));
    if (mode === 'echo') {
      ws.once('open', () => {
        settled = true;
        watch(ws, who);
        ws.on('message', (data: Buffer) => onFrame(data));
        resolve(ws);
      });
      return;
    }
    ws.on('message', (data: Buffer) => {
      if (!settled) {
        if (startsWith(data, HELLO)) {
          settled = true;
          watch(ws, who);
          resolve(ws);
        }
        return;
      }
      onFrame(data);
    });
  });
}

/** Runs `task` over `items` with at most `concurrency` at once. */
async function pooled<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function connectAgents(specs: AgentSpec[]): Promise<void> {
  await pooled(specs, 50, async (spec) => {
    const agent: Agent = { ws: null as unknown as WebSocket, subscribedCount: 0 };
    agent.ws = await open(spec.url, 'agent', (data) => {
      if (startsWith(data, CREATED)) {
        const index = indexOf(data);
        if (index >= 0) onDelivered(index, performance.now());
      } else if (startsWith(data, SUBSCRIBED)) {
        agent.subscribedCount++;
      } else if (startsWith(data, ERROR)) {
        onError(data);
      }
    });
    agents.set(spec.key, agent);
  });
}

async function connectVisitors(specs: VisitorSpec[], subscribeVisitors: boolean): Promise<void> {
  const list: Visitor[] = [];
  await pooled(specs, 200, async (spec) => {
    const visitor: Visitor = {
      spec,
      ws: null as unknown as WebSocket,
      frameHead: `{"type":"message.send","conversationId":${JSON.stringify(spec.conversationId)},"text":"Hi! My order #`,
    };
    let subscribed: () => void = () => {};
    const isSubscribed = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    visitor.ws = await open(spec.url, 'visitor', (data) => {
      if (mode === 'echo') {
        if (startsWith(data, ECHOED)) {
          const index = indexOf(data);
          if (index >= 0) {
            const now = performance.now();
            onAck(index, now);
            onDelivered(index, now);
          }
        }
        return;
      }
      if (startsWith(data, ACK)) {
        const index = indexOf(data);
        if (index >= 0) onAck(index, performance.now());
      } else if (startsWith(data, ERROR)) {
        onError(data);
      } else if (startsWith(data, SUBSCRIBED)) {
        subscribed();
      }
    });
    if (subscribeVisitors && mode !== 'echo') {
      visitor.ws.send(JSON.stringify({ type: 'subscribe', conversationId: spec.conversationId, lastSeq: 0 }));
      await isSubscribed;
    }
    list.push(visitor);
  });
  // The agents follow the conversations of their visitors (the real server sends nothing otherwise).
  if (mode === 'server') {
    const expected = new Map<Agent, number>();
    for (const visitor of list) {
      const agent = agents.get(visitor.spec.agentKey!);
      if (!agent) throw new Error(`visitor's agent ${visitor.spec.agentKey} is not in this generator`);
      agent.ws.send(
        JSON.stringify({ type: 'subscribe', conversationId: visitor.spec.conversationId, lastSeq: 0 }),
      );
      expected.set(agent, (expected.get(agent) ?? 0) + 1);
    }
    const deadline = performance.now() + 60_000;
    while ([...expected].some(([agent, n]) => agent.subscribedCount < n)) {
      if (performance.now() > deadline)
        throw new Error('agents did not get `subscribed` for every conversation');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  // Interleave visitors of different agents, so each tick spreads over the agents.
  visitors = list.sort((a, b) => a.spec.conversationId.localeCompare(b.spec.conversationId));
}

function sendOne(visitor: Visitor): void {
  if (count >= sentAt.length || visitor.ws.readyState !== WebSocket.OPEN) {
    skipped++;
    return;
  }
  const index = count++;
  sentAt[index] = performance.now();
  visitor.ws.send(
    `${visitor.frameHead}${index} has not arrived yet, could you check where it is?","clientMessageId":"${runId}${index}"}`,
  );
}

/** Sends `rate` messages per second for `durationMs`, evenly: each tick sends what is due by then. */
async function step(rate: number, durationMs: number, settleMs: number): Promise<void> {
  const first = count;
  completedInWindow = 0;
  errors = {};
  closes = {};
  skipped = 0;
  let maxPacingLagMs = 0;
  let next = 0;
  const start = performance.now();
  sending = true;
  let sentInStep = 0;
  let lastTick = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      maxPacingLagMs = Math.max(maxPacingLagMs, now - lastTick - 1);
      lastTick = now;
      const elapsed = Math.min(now - start, durationMs);
      const due = Math.floor((elapsed * rate) / 1000);
      while (sentInStep < due) {
        sendOne(visitors[next]!);
        next = (next + 1) % visitors.length;
        sentInStep++;
      }
      if (now - start >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  sending = false;
  const windowMs = performance.now() - start;
  send({ type: 'window-end' });

  const last = count;
  const pending = () => {
    for (let i = first; i < last; i++) {
      if (failed[i] === 0 && (ackAt[i] === 0 || deliveredAt[i] === 0)) return true;
    }
    return false;
  };
  const deadline = performance.now() + settleMs;
  while (pending() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));

  const n = last - first;
  const latencies = new Float64Array(n);
  const ackLatencies = new Float64Array(n);
  let undelivered = 0;
  for (let i = 0; i < n; i++) {
    const sent = sentAt[first + i]!;
    const acked = ackAt[first + i]!;
    const delivered = deliveredAt[first + i]!;
    latencies[i] = delivered === 0 ? Number.POSITIVE_INFINITY : delivered - sent;
    ackLatencies[i] = acked === 0 ? Number.POSITIVE_INFINITY : acked - sent;
    if (acked === 0 || delivered === 0) undelivered++;
  }
  send({
    type: 'step-result',
    sent: n,
    windowMs,
    completedInWindow,
    latencies,
    ackLatencies,
    undelivered,
    errors,
    closes,
    skipped,
    maxPacingLagMs,
  });
}

process.on('message', (message: ToGenerator) => {
  const run = async () => {
    switch (message.type) {
      case 'agents': {
        const started = performance.now();
        mode = message.mode;
        localAddress = message.localAddress;
        await connectAgents(message.agents);
        send({ type: 'agents-ready', ms: performance.now() - started });
        return;
      }
      case 'visitors': {
        const started = performance.now();
        runId = message.runId;
        needle = Buffer.from(`"clientMessageId":"${runId}`);
        sentAt = new Float64Array(message.capacity);
        ackAt = new Float64Array(message.capacity);
        deliveredAt = new Float64Array(message.capacity);
        failed = new Uint8Array(message.capacity);
        await connectVisitors(message.visitors, message.subscribeVisitors);
        send({ type: 'ready', ms: performance.now() - started });
        return;
      }
      case 'step':
        await step(message.rate, message.durationMs, message.settleMs);
        return;
      case 'close':
        for (const { ws } of [...visitors, ...agents.values()]) ws.terminate();
        process.exit(0);
    }
  };
  run().catch((err: unknown) => {
    send({ type: 'fatal', error: err instanceof Error ? err.message : String(err) });
  });
});
