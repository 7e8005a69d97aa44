import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allStoredMessages,
  api,
  login,
  newVisitorConversation,
  range,
  TestSocket,
  widgetKeyOf,
} from './harness.ts';
import { killAll, startProcess } from './process.ts';

type Message = {
  id: string;
  conversationId: string;
  seq: number;
  author: { type: string; id: string | null; name: string | null };
  text: string;
  clientMessageId: string | null;
  createdAt: string;
};

const dirs: string[] = [];
const sockets: TestSocket[] = [];

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'us-'));
  dirs.push(dir);
  return dir;
};
const connect = async (wsUrl: string, token: string) => {
  const socket = await TestSocket.connect(wsUrl, token);
  sockets.push(socket);
  return socket;
};

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await killAll();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Planned {
  socket: TestSocket;
  conversationId: string;
  author: 'visitor' | 'agent';
  text: string;
  clientMessageId: string;
}

describe('R1: an acknowledged message survives kill -9', () => {
  it('keeps every acked message with its id, seq and text, gap-free and once; resends are acked again, stored once', async () => {
    const dataDir = tempDir();
    const first = await startProcess({ dataDir });
    const admin = await login(first.url);
    const widgetKey = await widgetKeyOf(first.url, admin.token);
    const visitors = await Promise.all(range(1, 4).map(() => newVisitorConversation(first.url, widgetKey)));
    const conversationIds = visitors.map((v) => v.conversation.id as string);
    const agentWs = await connect(first.wsUrl, admin.token);
    const visitorWs = await Promise.all(visitors.map((v) => connect(first.wsUrl, v.token)));
    const all = [agentWs, ...visitorWs];

    // 4 conversations × (60 visitor + 30 agent messages) = 360 frames, interleaved across 5 sockets.
    const plan: Planned[] = [];
    for (let round = 0; round < 60; round++) {
      visitors.forEach((_, i) => {
        const conversationId = conversationIds[i]!;
        plan.push({
          socket: visitorWs[i]!,
          conversationId,
          author: 'visitor',
          text: `visitor ${i} says ${round}`,
          clientMessageId: `v${i}-${round}`,
        });
        if (round % 2 === 0) {
          plan.push({
            socket: agentWs,
            conversationId,
            author: 'agent',
            text: `agent answers ${i}/${round}`,
            clientMessageId: `a${i}-${round}`,
          });
        }
      });
    }
    const planned = new Map(plan.map((p) => [p.clientMessageId, p]));
    expect(planned.size).toBe(plan.length);

    // Kill -9 the moment the last frame is answered: no grace period for anything still in memory.
    const answered = new Set<string>();
    const killedAfterLastAnswer = new Promise<void>((resolve) => {
      for (const socket of all) {
        socket.ws.on('message', (data) => {
          const frame = JSON.parse(data.toString());
          const ref =
            frame.type === 'message.ack' ? frame.clientMessageId : frame.type === 'error' ? frame.ref : null;
          if (typeof ref !== 'string' || !planned.has(ref)) return;
          answered.add(ref);
          if (
            answered.size === planned.size &&
            first.child.exitCode === null &&
            first.child.signalCode === null
          ) {
            first.child.kill('SIGKILL');
            resolve();
          }
        });
      }
    });
    for (const p of plan) {
      p.socket.send({
        type: 'message.send',
        conversationId: p.conversationId,
        text: p.text,
        clientMessageId: p.clientMessageId,
      });
    }
    await killedAfterLastAnswer;
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // What the clients were told before the kill.
    const acks = all.flatMap((s) =>
      s.frames.filter((f) => f.type === 'message.ack' && planned.has(f.clientMessageId)),
    );
    const errors = all.flatMap((s) => s.frames.filter((f) => f.type === 'error'));
    // Only a rate limit may refuse a well-formed message; anything else is a server fault.
    expect(errors.filter((f) => f.code !== 'RATE_LIMITED')).toEqual([]);
    const acked = new Map<string, Message>();
    for (const ack of acks) {
      expect(acked.has(ack.clientMessageId), `acked twice: ${ack.clientMessageId}`).toBe(false);
      acked.set(ack.clientMessageId, ack.message);
    }
    expect(acked.size + errors.length).toBe(plan.length);
    for (const [clientMessageId, message] of acked) {
      const p = planned.get(clientMessageId)!;
      expect(message).toMatchObject({
        conversationId: p.conversationId,
        text: p.text,
        clientMessageId,
        author: { type: p.author },
      });
    }
    for (const conversationId of conversationIds) {
      expect([...acked.values()].filter((m) => m.conversationId === conversationId).length).toBeGreaterThan(
        0,
      );
    }

    // Restart on the same data directory.
    const second = await startProcess({ dataDir });
    const admin2 = await login(second.url);
    const storedBefore = new Map<string, Message[]>();
    for (const conversationId of conversationIds) {
      const stored = await allStoredMessages(second.url, admin2.token, conversationId);
      storedBefore.set(conversationId, stored);
      // seq 1..n, no gap, no duplicate.
      expect(stored.map((m) => m.seq)).toEqual(range(1, stored.length));
      expect(new Set(stored.map((m) => m.id)).size).toBe(stored.length);
      const clientIds = stored.map((m) => m.clientMessageId).filter((id) => id !== null);
      expect(new Set(clientIds).size).toBe(clientIds.length);
      const { body } = await api(second.url, 'GET', `/api/v1/conversations/${conversationId}`, {
        token: admin2.token,
      });
      expect(body.conversation.lastSeq).toBe(stored.length);

      // Every acked message is there, exactly as acked.
      for (const message of acked.values()) {
        if (message.conversationId !== conversationId) continue;
        expect(stored[message.seq - 1]).toEqual(message);
      }
      // Nothing from a client is stored that was not acked (the bot's answers are the only extras).
      const fromClients = stored.filter((m) => m.author.type === 'visitor' || m.author.type === 'agent');
      expect(fromClients.map((m) => m.clientMessageId).sort()).toEqual(
        [...acked.values()]
          .filter((m) => m.conversationId === conversationId)
          .map((m) => m.clientMessageId)
          .sort(),
      );
    }

    // Resending acked clientMessageIds after the restart: acked again with the same message, stored once.
    const agentWs2 = await connect(second.wsUrl, admin2.token);
    const visitorWs2 = await Promise.all(visitors.map((v) => connect(second.wsUrl, v.token)));
    const resend = [...acked.keys()].filter((_, i) => i % 7 === 0);
    expect(resend.length).toBeGreaterThan(20);
    for (const clientMessageId of resend) {
      const p = planned.get(clientMessageId)!;
      const socket = p.author === 'agent' ? agentWs2 : visitorWs2[conversationIds.indexOf(p.conversationId)]!;
      socket.send({ type: 'message.send', conversationId: p.conversationId, text: p.text, clientMessageId });
    }
    for (const clientMessageId of resend) {
      const p = planned.get(clientMessageId)!;
      const socket = p.author === 'agent' ? agentWs2 : visitorWs2[conversationIds.indexOf(p.conversationId)]!;
      const ack = await socket.next(
        (f) => (f.type === 'message.ack' && f.clientMessageId === clientMessageId) || f.type === 'error',
      );
      expect(ack.type).toBe('message.ack');
      expect(ack.message).toEqual(acked.get(clientMessageId));
    }

    // A new message continues the sequence right after the last stored one.
    const firstConversation = conversationIds[0]!;
    agentWs2.send({
      type: 'message.send',
      conversationId: firstConversation,
      text: 'after the restart',
      clientMessageId: 'after-restart',
    });
    const fresh = await agentWs2.next(
      (f) => f.type === 'message.ack' && f.clientMessageId === 'after-restart',
    );
    expect(fresh.message.seq).toBe(storedBefore.get(firstConversation)!.length + 1);

    for (const conversationId of conversationIds) {
      const stored = await allStoredMessages(second.url, admin2.token, conversationId);
      const before = storedBefore.get(conversationId)!;
      const expected = conversationId === firstConversation ? [...before, fresh.message] : before;
      expect(stored).toEqual(expected);
    }
    // No error frame after the restart either.
    expect([agentWs2, ...visitorWs2].flatMap((s) => s.frames.filter((f) => f.type === 'error'))).toEqual([]);
  });
});
