import { describe, expect, it } from 'vitest';
import { ask, botTestBed, subscribe } from './bot-helpers.ts';
import { api, eventually, login, type TestServer } from './harness.ts';

/**
 * The conversation timeline (`GET /api/v1/conversations/:id/timeline`): each message's path and
 * what each bot turn did, from what the server recorded — through real servers, the local
 * OpenAI-compatible stub and real WebSockets.
 */
const bed = botTestBed();
const SHIPPING_QUESTION = 'How long does shipping take?';

async function timelineOf(srv: TestServer, token: string, conversationId: string) {
  const res = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}/timeline`, { token });
  expect(res.status).toBe(200);
  return res.body.timeline;
}

/**
 * The timeline once it holds `turns` bot turns, each answer delivered, and the messages of
 * `deliveredSeqs` delivered too (delivery times are written in batches).
 */
async function settledTimeline(
  srv: TestServer,
  token: string,
  conversationId: string,
  turns: number,
  deliveredSeqs: number[] = [],
) {
  return eventually(async () => {
    const timeline = await timelineOf(srv, token, conversationId);
    const answers = timeline.botTurns.map((t: { answerSeq: number | null }) => t.answerSeq).filter(Boolean);
    const delivered = [...answers, ...deliveredSeqs].every(
      (seq) => timeline.messages.find((m: { seq: number }) => m.seq === seq)?.deliveredAt,
    );
    return timeline.botTurns.length === turns && delivered ? timeline : null;
  });
}

describe('the conversation timeline', () => {
  it('shows each message received, stored and delivered, and a model turn with its articles, provider and first token', async () => {
    const stub = await bed.stub({ tokenDelayMs: 2, chunkSize: 8 });
    const { srv, admin, widgetKey } = await bed.worldWithStub(stub);
    const visitor = await bed.visitor(srv, widgetKey);
    const agentWs = await bed.connect(srv, admin.token); // so the visitor's message is delivered too
    await subscribe(agentWs, visitor.conversationId);

    const { question, answer } = await ask(visitor, SHIPPING_QUESTION);
    const timeline = await settledTimeline(srv, admin.token, visitor.conversationId, 1, [question.seq]);

    expect(timeline.messages.map((m: any) => [m.seq, m.messageId, m.author.type])).toEqual([
      [question.seq, question.id, 'visitor'],
      [answer.seq, answer.id, 'bot'],
    ]);
    const [asked, answered] = timeline.messages;
    expect(Date.parse(asked.receivedAt)).toBeLessThanOrEqual(Date.parse(asked.storedAt));
    expect(Date.parse(asked.storedAt)).toBeLessThanOrEqual(Date.parse(asked.deliveredAt));
    expect(Date.parse(answered.storedAt)).toBeLessThanOrEqual(Date.parse(answered.deliveredAt));

    const [turn] = timeline.botTurns;
    expect(turn).toMatchObject({
      conversationId: visitor.conversationId,
      questionSeq: question.seq,
      answerSeq: answer.seq,
      outcome: 'llm',
      cache: 'miss',
      failedProviders: [],
      handedOff: false,
      model: { provider: 'openai', complete: true },
    });
    expect(turn.articles[0].title).toMatch(/shipping/i);
    expect(turn.model.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(turn.model.firstTokenMs).toBeLessThanOrEqual(turn.model.totalMs);
    expect(turn.model.promptTokens).toBeGreaterThan(0);
    expect(turn.model.completionTokens).toBeGreaterThan(0);
    // The shipped llm.toml prices gpt-4o-mini: a model answer has a cost.
    expect(turn.model.costUsd).toBeGreaterThan(0);

    // The same question again, from another visitor: a cache hit, no model call.
    const again = await bed.visitor(srv, widgetKey);
    await ask(again, SHIPPING_QUESTION);
    const cached = await settledTimeline(srv, admin.token, again.conversationId, 1);
    expect(cached.botTurns[0]).toMatchObject({ outcome: 'cache', cache: 'exact', model: null });
  });

  it('shows the fallback when the provider is down, with the reason', async () => {
    const stub = await bed.stub({ failure: 'status-500' });
    const { srv, admin, widgetKey } = await bed.worldWithStub(stub);
    const visitor = await bed.visitor(srv, widgetKey);
    await ask(visitor, SHIPPING_QUESTION);

    const timeline = await settledTimeline(srv, admin.token, visitor.conversationId, 1);
    const [turn] = timeline.botTurns;
    expect(turn).toMatchObject({ outcome: 'knowledge', cache: 'miss', model: null, handedOff: false });
    expect(turn.failedProviders).toHaveLength(1);
    expect(turn.failedProviders[0].provider).toBe('openai');
    expect(turn.failedProviders[0].reason).toMatch(/500/);
  });

  it('shows a handoff, and is for agents of the workspace only', async () => {
    const { srv, admin, widgetKey } = await bed.world();
    const visitor = await bed.visitor(srv, widgetKey);
    await ask(visitor, '转人工');
    const timeline = await settledTimeline(srv, admin.token, visitor.conversationId, 1);
    expect(timeline.botTurns[0]).toMatchObject({ outcome: 'handoff', handedOff: true, model: null });

    const asVisitor = await api(srv.url, 'GET', `/api/v1/conversations/${visitor.conversationId}/timeline`, {
      token: visitor.token,
    });
    expect(asVisitor.status).toBe(403);
    const other = await api(srv.url, 'POST', '/api/v1/signup', {
      body: { workspaceName: 'Other', name: 'O', email: 'o@other.test', password: 'other-password' },
    });
    expect(other.status).toBe(201);
    const stranger = await login(srv.url, 'o@other.test', 'other-password');
    const hidden = await api(srv.url, 'GET', `/api/v1/conversations/${visitor.conversationId}/timeline`, {
      token: stranger.token,
    });
    expect(hidden.status).toBe(404);
  });
});
