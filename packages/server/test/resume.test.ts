import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

type Frame = { type: string; [key: string]: any };

let srv: TestServer;
let admin: Awaited<ReturnType<typeof login>>;
let widgetKey: string;
const sockets: TestSocket[] = [];
const connect = async (token: string) => {
  const socket = await TestSocket.connect(srv.wsUrl, token);
  sockets.push(socket);
  return socket;
};

beforeEach(async () => {
  srv = await startServer();
  admin = await login(srv.url);
  widgetKey = await widgetKeyOf(srv.url, admin.token);
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
});

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Pipelines `count` message.send frames without waiting; returns their clientMessageIds. */
function sendMany(socket: TestSocket, conversationId: string, prefix: string, count: number): string[] {
  const ids = range(1, count).map((i) => `${prefix}-${i}`);
  for (const clientMessageId of ids) {
    socket.send({
      type: 'message.send',
      conversationId,
      text: `${prefix} text ${clientMessageId}`,
      clientMessageId,
    });
  }
  return ids;
}

/**
 * Sends `count` messages keeping `window` of them in flight (one more per answer), so the
 * flood spans many group commits; `onSent(n)` runs after the n-th frame is sent.
 */
function flood(
  socket: TestSocket,
  conversationId: string,
  prefix: string,
  count: number,
  window: number,
  onSent?: (n: number) => void,
): string[] {
  const ids = range(1, count).map((i) => `${prefix}-${i}`);
  const pending = new Set(ids);
  let next = 0;
  const sendNext = () => {
    if (next >= ids.length) return;
    const clientMessageId = ids[next++]!;
    socket.send({
      type: 'message.send',
      conversationId,
      text: `${prefix} text ${clientMessageId}`,
      clientMessageId,
    });
    onSent?.(next);
  };
  socket.ws.on('message', (data) => {
    const ref = answerRef(JSON.parse(data.toString()));
    if (ref !== null && pending.delete(ref)) sendNext();
  });
  for (let i = 0; i < window; i++) sendNext();
  return ids;
}

/** Waits until every id is answered; fails on an error frame; returns the acked messages by id. */
async function acked(socket: TestSocket, ids: string[], timeoutMs = 10_000) {
  const wanted = new Set(ids);
  const answers = () => socket.frames.filter((f) => answerRef(f) !== null && wanted.has(answerRef(f)!));
  await eventually(() => new Set(answers().map(answerRef)).size === wanted.size, timeoutMs);
  const all = answers();
  expect(all.filter((f) => f.type === 'error')).toEqual([]);
  expect(all.length).toBe(wanted.size);
  return new Map(all.map((f) => [f.clientMessageId as string, f.message]));
}

function answerRef(frame: Frame): string | null {
  if (frame.type === 'message.ack') return frame.clientMessageId;
  if (frame.type === 'error' && typeof frame.ref === 'string') return frame.ref;
  return null;
}

async function subscribe(socket: TestSocket, conversationId: string, lastSeq: number) {
  const before = socket.frames.length;
  socket.send({ type: 'subscribe', conversationId, lastSeq });
  const subscribed = await socket.next(
    (f) =>
      f.type === 'subscribed' && f.conversationId === conversationId && socket.frames.indexOf(f) >= before,
  );
  return { frameIndex: socket.frames.indexOf(subscribed), frame: subscribed };
}

/** Waits until the socket has received the message with seq `final`, then until it has handled a ping. */
async function receivedUpTo(socket: TestSocket, conversationId: string, final: number, timeoutMs = 10_000) {
  try {
    await eventually(() => socket.messages(conversationId).some((m) => m.seq === final), timeoutMs);
  } catch {
    const seen = timeline(socket, conversationId).join(', ');
    throw new Error(`seq ${final} not received in ${timeoutMs} ms; received, in order: [${seen}]`);
  }
  await socket.roundTrip();
}

/** The message seqs and `subscribed` markers of one conversation, in arrival order, from `from` on. */
function timeline(socket: TestSocket, conversationId: string, from = 0): (number | 'subscribed')[] {
  return socket.frames
    .slice(from)
    .filter(
      (f) =>
        (f.type === 'subscribed' && f.conversationId === conversationId) ||
        ((f.type === 'message.created' || f.type === 'message.completed') &&
          f.message.conversationId === conversationId),
    )
    .map((f) => (f.type === 'subscribed' ? 'subscribed' : f.message.seq));
}

/** A conversation an agent has claimed, so the bot adds no messages of its own. */
async function humanConversation(agentWs: TestSocket) {
  const visitor = await newVisitorConversation(srv.url, widgetKey);
  const conversationId: string = visitor.conversation.id;
  await acked(agentWs, sendMany(agentWs, conversationId, `claim-${conversationId}`, 1));
  await eventually(async () => {
    const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, {
      token: admin.token,
    });
    return body.conversation.status === 'assigned';
  });
  return { ...visitor, conversationId };
}

async function lastSeqOf(conversationId: string): Promise<number> {
  const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, {
    token: admin.token,
  });
  return body.conversation.lastSeq;
}

describe('R2: resume by lastSeq on one node', () => {
  it('replays exactly the messages missed while disconnected, in order, then goes live', async () => {
    const agentWs = await connect(admin.token);
    const { token, conversationId } = await humanConversation(agentWs);

    const first = await connect(token);
    await subscribe(first, conversationId, 0);
    expect(first.messages(conversationId).map((m) => m.seq)).toEqual([1]);
    await acked(agentWs, sendMany(agentWs, conversationId, 'seen', 2));
    await receivedUpTo(first, conversationId, 3);
    const lastSeen = Math.max(...first.messages(conversationId).map((m) => m.seq));
    expect(lastSeen).toBe(3);
    await first.close();

    const missed = await acked(agentWs, sendMany(agentWs, conversationId, 'missed', 5));
    const second = await connect(token);
    await subscribe(second, conversationId, lastSeen);
    const live = await acked(agentWs, sendMany(agentWs, conversationId, 'live', 3));
    await receivedUpTo(second, conversationId, 11);

    expect(timeline(second, conversationId)).toEqual([4, 5, 6, 7, 8, 'subscribed', 9, 10, 11]);
    const received = second.messages(conversationId);
    expect(received).toEqual([...missed.values(), ...live.values()]);
    const types = second.frames.filter((f) => f.type === 'message.created' || f.type === 'message.completed');
    expect(types.every((f) => f.type === 'message.created')).toBe(true);
  });

  it('is gap-free and duplicate-free when subscribing in the middle of a flood of messages', async () => {
    const agentWs = await connect(admin.token);
    const rounds = [
      // lastSeq of each subscriber, and after how many of the agent's flood acks it subscribes
      { prefill: 50, subscribers: [0, 20, 49, 120, 300, 440], after: [0, 10, 50, 100, 150, 190] },
      { prefill: 10, subscribers: [5, 10, 11, 200, 400, 409], after: [1, 5, 30, 60, 120, 199] },
      { prefill: 100, subscribers: [99, 100, 101, 150, 350, 499], after: [0, 0, 20, 20, 100, 180] },
    ];
    for (const round of rounds) {
      const { token, conversationId } = await humanConversation(agentWs);
      await acked(agentWs, sendMany(agentWs, conversationId, `pre-${conversationId}`, round.prefill - 1));
      expect(await lastSeqOf(conversationId)).toBe(round.prefill);

      const flooder = await connect(token);
      const subscribers = await Promise.all(round.subscribers.map(() => connect(token)));
      const final = round.prefill + 400;
      const inline = Math.floor(round.prefill / 2);

      // Agent and visitor flood concurrently; the visitor also subscribes between its own sends.
      const agentIds = flood(agentWs, conversationId, `flood-a-${conversationId}`, 200, 8);
      const visitorIds = flood(flooder, conversationId, `flood-v-${conversationId}`, 200, 8, (n) => {
        if (n === 100) flooder.send({ type: 'subscribe', conversationId, lastSeq: inline });
      });
      await Promise.all(
        subscribers.map(async (socket, i) => {
          const after = round.after[i]!;
          const lastSeq = round.subscribers[i]!;
          if (after > 0)
            await agentWs.next((f) => f.type === 'message.ack' && f.clientMessageId === agentIds[after - 1]);
          // A client can only have seen a stored message: wait until lastSeq is stored.
          const stored = (f: { type: string; message?: { seq: number; conversationId: string } }) =>
            f.type === 'message.ack' &&
            f.message!.conversationId === conversationId &&
            f.message!.seq >= lastSeq;
          if (lastSeq > round.prefill)
            await Promise.any([agentWs.next(stored, 20_000), flooder.next(stored, 20_000)]);
          socket.send({ type: 'subscribe', conversationId, lastSeq });
        }),
      );
      await acked(agentWs, agentIds);
      await acked(flooder, visitorIds);
      expect(await lastSeqOf(conversationId)).toBe(final);

      const everyone = [
        { socket: flooder, lastSeq: inline },
        ...subscribers.map((socket, i) => ({ socket, lastSeq: round.subscribers[i]! })),
      ];
      for (const { socket, lastSeq } of everyone) {
        await receivedUpTo(socket, conversationId, final);
        const seqs = socket.messages(conversationId).map((m) => m.seq);
        expect(seqs, `subscribed with lastSeq ${lastSeq}`).toEqual(range(lastSeq + 1, final));
        expect(socket.frames.filter((f) => f.type === 'subscribed')).toHaveLength(1);
      }
      // What they received is what is stored.
      const stored = await api(
        srv.url,
        'GET',
        `/api/v1/conversations/${conversationId}/messages?afterSeq=0&limit=1000`,
        {
          token: admin.token,
        },
      );
      expect(flooder.messages(conversationId)).toEqual(stored.body.messages.slice(inline));
    }
  });

  it('replays everything from lastSeq 0, across replay pages (more than 1000 messages)', async () => {
    const agentWs = await connect(admin.token);
    const { token, conversationId } = await humanConversation(agentWs);
    const sent = await acked(agentWs, sendMany(agentWs, conversationId, 'bulk', 1199), 20_000);
    expect(await lastSeqOf(conversationId)).toBe(1200);

    const fromZero = await connect(token);
    const { frameIndex } = await subscribe(fromZero, conversationId, 0);
    const replayed = fromZero.messages(conversationId);
    expect(replayed.map((m) => m.seq)).toEqual(range(1, 1200));
    expect(replayed.slice(1)).toEqual([...sent.values()]);
    expect(timeline(fromZero, conversationId).indexOf('subscribed')).toBe(1200);
    expect(frameIndex).toBe(fromZero.frames.length - 1);

    const fromMiddle = await connect(token);
    await subscribe(fromMiddle, conversationId, 1100);
    expect(timeline(fromMiddle, conversationId)).toEqual([...range(1101, 1200), 'subscribed']);

    // Both stay live afterwards.
    await acked(agentWs, sendMany(agentWs, conversationId, 'after', 2));
    await receivedUpTo(fromZero, conversationId, 1202);
    await receivedUpTo(fromMiddle, conversationId, 1202);
    expect(fromZero.messages(conversationId).map((m) => m.seq)).toEqual(range(1, 1202));
    expect(timeline(fromMiddle, conversationId)).toEqual([...range(1101, 1200), 'subscribed', 1201, 1202]);
  });

  it('replays nothing for a lastSeq at or beyond the end, then streams live messages', async () => {
    const agentWs = await connect(admin.token);
    const { token, conversationId } = await humanConversation(agentWs);
    await acked(agentWs, sendMany(agentWs, conversationId, 'some', 4));
    expect(await lastSeqOf(conversationId)).toBe(5);

    const atEnd = await connect(token);
    await subscribe(atEnd, conversationId, 5);
    const beyond = await connect(token);
    await subscribe(beyond, conversationId, 50);
    expect(timeline(atEnd, conversationId)).toEqual(['subscribed']);
    expect(timeline(beyond, conversationId)).toEqual(['subscribed']);

    await acked(agentWs, sendMany(agentWs, conversationId, 'live', 3));
    await receivedUpTo(atEnd, conversationId, 8);
    expect(timeline(atEnd, conversationId)).toEqual(['subscribed', 6, 7, 8]);
    await receivedUpTo(beyond, conversationId, 8, 3000);
    expect(timeline(beyond, conversationId)).toEqual(['subscribed', 6, 7, 8]);
  });

  it('replays again from a lower lastSeq when resubscribing on the same socket, and stays live', async () => {
    const agentWs = await connect(admin.token);
    const { token, conversationId } = await humanConversation(agentWs);
    await acked(agentWs, sendMany(agentWs, conversationId, 'early', 19));

    const visitorWs = await connect(token);
    await subscribe(visitorWs, conversationId, 0);
    expect(timeline(visitorWs, conversationId)).toEqual([...range(1, 20), 'subscribed']);

    const mark = visitorWs.frames.length;
    await subscribe(visitorWs, conversationId, 5);
    expect(timeline(visitorWs, conversationId, mark)).toEqual([...range(6, 20), 'subscribed']);

    // Live delivery continues once each, also under a flood.
    await acked(agentWs, sendMany(agentWs, conversationId, 'later', 100));
    await receivedUpTo(visitorWs, conversationId, 120);
    expect(timeline(visitorWs, conversationId, mark)).toEqual([
      ...range(6, 20),
      'subscribed',
      ...range(21, 120),
    ]);

    // Resubscribing with a lower lastSeq while messages are flowing: from its `subscribed` on, no gap, no duplicate.
    const mark2 = visitorWs.frames.length;
    const racing = flood(agentWs, conversationId, 'racing', 100, 5);
    await agentWs.next((f) => f.type === 'message.ack' && f.clientMessageId === racing[9]);
    await subscribe(visitorWs, conversationId, 100);
    await acked(agentWs, racing);
    await receivedUpTo(visitorWs, conversationId, 220);
    const afterResubscribe = timeline(visitorWs, conversationId, mark2);
    const replayStart = afterResubscribe.lastIndexOf(101);
    expect(replayStart).toBeGreaterThanOrEqual(0);
    expect(afterResubscribe.slice(replayStart).filter((x) => x !== 'subscribed')).toEqual(range(101, 220));
    expect(afterResubscribe.filter((x) => x === 'subscribed')).toHaveLength(1);
  });

  it('counts bot answers in the seq sequence and replays them as message.created', async () => {
    const visitor = await newVisitorConversation(srv.url, widgetKey);
    const conversationId: string = visitor.conversation.id;
    expect(visitor.conversation.status).toBe('bot');

    const first = await connect(visitor.token);
    await subscribe(first, conversationId, 0);
    first.send({ type: 'message.send', conversationId, text: 'Where is my order?', clientMessageId: 'q1' });
    const ack = await first.next((f) => f.type === 'message.ack' && f.clientMessageId === 'q1');
    expect(ack.message.seq).toBe(1);
    const answer = await first.next((f) => f.type === 'message.completed');
    expect(answer.message).toMatchObject({ seq: 2, author: { type: 'bot' } });
    await first.close();

    // While the visitor is away, another question (over REST) gets its bot answer.
    const posted = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: visitor.token,
      body: { text: 'And my invoice?', clientMessageId: 'q2' },
    });
    expect(posted.status).toBe(201);
    expect(posted.body.message.seq).toBe(3);
    await eventually(async () => (await lastSeqOf(conversationId)) === 4);

    const second = await connect(visitor.token);
    await subscribe(second, conversationId, 1);
    const replay = second.frames.filter(
      (f) => f.type === 'message.created' || f.type === 'message.completed',
    );
    expect(replay.map((f) => [f.type, f.message.seq, f.message.author.type])).toEqual([
      ['message.created', 2, 'bot'],
      ['message.created', 3, 'visitor'],
      ['message.created', 4, 'bot'],
    ]);
    expect(replay[0]!.message).toEqual(answer.message);
    expect(timeline(second, conversationId)).toEqual([2, 3, 4, 'subscribed']);

    // Live: the visitor's own message and then the bot's completed answer, each with the next seq.
    second.send({ type: 'message.send', conversationId, text: 'Thanks', clientMessageId: 'q3' });
    const completed = await second.next((f) => f.type === 'message.completed' && f.message.seq === 6);
    expect(completed.message.author.type).toBe('bot');
    await second.roundTrip();
    expect(timeline(second, conversationId)).toEqual([2, 3, 4, 'subscribed', 5, 6]);

    // An agent resuming from 0 gets all six as message.created.
    const agentWs = await connect(admin.token);
    await subscribe(agentWs, conversationId, 0);
    const forAgent = agentWs.frames.filter(
      (f) => f.type === 'message.created' || f.type === 'message.completed',
    );
    expect(forAgent.map((f) => f.type)).toEqual(Array(6).fill('message.created'));
    expect(forAgent.map((f) => f.message.author.type)).toEqual([
      'visitor',
      'bot',
      'visitor',
      'bot',
      'visitor',
      'bot',
    ]);
    expect(forAgent.map((f) => f.message.seq)).toEqual(range(1, 6));
  });
});
