import type { StubFailure } from '@unique-support/llm-stub';
import { describe, expect, it } from 'vitest';
import {
  ask,
  botTestBed,
  breakerOf,
  chatRequests,
  joined,
  llmToml,
  readyz,
  storedMessages,
} from './bot-helpers.ts';
import { api, eventually, SHIPPED_LLM_TOML } from './harness.ts';

/**
 * The bot when its provider misbehaves (target R3): hanging, failing or garbage providers
 * fall back to the knowledge base in the same turn, the next provider takes over, the
 * breaker opens and closes again; and an agent taking over stops the stream at once.
 */

const bed = botTestBed();

const SHIPPING_QUESTION = 'How long does shipping take?';
const SHIPPING_TITLE = 'Shipping times and costs';
const SHIPPING_FIRST_SENTENCE =
  'Orders placed before 2 pm (Beijing time) on a working day leave our warehouse the same day.';
const MODEL_ANSWER = `According to "${SHIPPING_TITLE}": ${SHIPPING_FIRST_SENTENCE}`;

/** The shipped llm.toml with a short first-token deadline. */
function shippedWithDeadline(ms: number): string {
  const toml = SHIPPED_LLM_TOML.replace(/^first_token_timeout_ms = \d+$/m, `first_token_timeout_ms = ${ms}`);
  expect(toml).toContain(`first_token_timeout_ms = ${ms}\n`);
  return toml;
}

/** The knowledge base's answer to the shipping question (not the model's). */
function expectKnowledgeAnswer(text: string) {
  expect(text).toContain(SHIPPING_TITLE);
  expect(text).toContain(SHIPPING_FIRST_SENTENCE);
  expect(text).not.toMatch(/^According to /);
}

describe('fallback when the provider fails', () => {
  it.each<StubFailure>(['hang', 'status-500', 'status-429', 'status-401', 'garbage'])(
    'provider %s: one knowledge-base answer in the same turn, no model deltas',
    async (failure) => {
      const stub = await bed.stub({ failure, tokenDelayMs: 5 });
      const { srv, widgetKey } = await bed.worldWithStub(stub, { llmToml: shippedWithDeadline(300) });
      const visitor = await bed.visitor(srv, widgetKey);

      const { question, answer, deltas } = await ask(visitor, SHIPPING_QUESTION);

      expectKnowledgeAnswer(answer.text);
      expect(answer.seq).toBe(question.seq + 1);
      // The model was asked, and nothing it sent reached the visitor.
      expect(chatRequests(stub)).toHaveLength(1);
      const allDeltas = visitor.ws.frames.filter((f) => f.type === 'message.delta');
      expect(allDeltas.every((f) => f.messageId === answer.id)).toBe(true);
      expect(joined(deltas)).toBe(answer.text);
      expect(deltas.length).toBeLessThanOrEqual(1);
      if (failure === 'hang') await stub.waitFor(() => chatRequests(stub)[0]!.state === 'aborted');

      // One answer only: nothing else arrives or is stored once the turn is over.
      await srv.server.conversations.idle();
      await visitor.ws.roundTrip();
      expect(visitor.ws.messages(visitor.conversationId).map((m) => m.id)).toEqual([question.id, answer.id]);
      const stored = await storedMessages(srv, visitor.token, visitor.conversationId);
      expect(stored.map((m) => m.id)).toEqual([question.id, answer.id]);
      expect(stored[1]!.text).toBe(answer.text);
    },
  );

  it('answers from the built-in index when the provider also serves the embeddings and hangs', async () => {
    const stub = await bed.stub({ failure: 'hang' });
    const toml = shippedWithDeadline(300).replace('embeddings = "builtin"', 'embeddings = "provider"');
    expect(toml).toContain('embeddings = "provider"');
    const { srv, widgetKey } = await bed.worldWithStub(stub, { llmToml: toml });
    const visitor = await bed.visitor(srv, widgetKey);

    const { answer, deltas } = await ask(visitor, SHIPPING_QUESTION);

    expectKnowledgeAnswer(answer.text);
    expect(joined(deltas)).toBe(answer.text);
    expect(stub.stats.embeddings).toBeGreaterThan(0);
    expect(chatRequests(stub)).toHaveLength(1);
    await stub.waitFor(() => chatRequests(stub)[0]!.state === 'aborted');
  });

  it('keeps what the model said and says it was cut off when the provider fails mid-answer', async () => {
    const stub = await bed.stub({ failure: 'midstream-error', chunkSize: 8 });
    const { srv, widgetKey } = await bed.world(
      {},
      { llmToml: llmToml({ providers: [{ name: 'stub', url: stub.url }] }) },
    );
    const visitor = await bed.visitor(srv, widgetKey);

    const { answer, deltas } = await ask(visitor, SHIPPING_QUESTION);

    const partial = joined(deltas);
    expect(partial.length).toBeGreaterThan(0);
    expect(MODEL_ANSWER.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(MODEL_ANSWER.length);
    expect(answer.text.startsWith(partial)).toBe(true);
    expect(answer.text).toMatch(/cut off.*human/is);
    await srv.server.conversations.idle();
    expect(await storedMessages(srv, visitor.token, visitor.conversationId)).toHaveLength(2);
  });

  it('lets the second provider answer when the first one fails', async () => {
    const first = await bed.stub({ failure: 'status-500' });
    const second = await bed.stub({ chunkSize: 8 });
    const toml = llmToml({
      providers: [
        { name: 'primary', url: first.url },
        { name: 'secondary', url: second.url },
      ],
      firstTokenTimeoutMs: 2000,
    });
    const { srv, widgetKey } = await bed.world({}, { llmToml: toml });
    expect((await readyz(srv)).bot.providers.map((p) => p.name)).toEqual(['primary', 'secondary']);
    const visitor = await bed.visitor(srv, widgetKey);

    const { answer, deltas } = await ask(visitor, SHIPPING_QUESTION);

    expect(answer.text).toBe(MODEL_ANSWER);
    expect(joined(deltas)).toBe(MODEL_ANSWER);
    expect(chatRequests(first)).toHaveLength(1);
    expect(chatRequests(first)[0]!.status).toBe(500);
    expect(chatRequests(second)).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('opens after failures, stops calling the provider, then closes once it is back', async () => {
    const stub = await bed.stub({ failure: 'status-500' });
    const toml = llmToml({
      providers: [{ name: 'flaky', url: stub.url }],
      breaker: { failure_rate: 0.5, min_requests: 2, window: 4, open_ms: 1000 },
    });
    const { srv, widgetKey } = await bed.world({}, { llmToml: toml });
    expect(await breakerOf(srv, 'flaky')).toBe('closed');

    // Two failures: the breaker opens.
    for (let i = 0; i < 2; i++) {
      const { answer } = await ask(await bed.visitor(srv, widgetKey), SHIPPING_QUESTION);
      expectKnowledgeAnswer(answer.text);
    }
    expect(chatRequests(stub)).toHaveLength(2);
    expect(await breakerOf(srv, 'flaky')).toBe('open');
    // Operators see it in /metrics: the breaker open (2), two fallbacks, two provider failures.
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain('us_llm_breaker_state{provider="flaky"} 2');
    expect(metrics).toMatch(/us_bot_turns_total\{outcome="knowledge"\} 2\b/);
    expect(metrics).toMatch(/us_llm_provider_failures_total\{provider="flaky"\} 2\b/);

    // While it is open, questions are answered without calling the provider.
    const whileOpen = await ask(await bed.visitor(srv, widgetKey), SHIPPING_QUESTION);
    expectKnowledgeAnswer(whileOpen.answer.text);
    expect(chatRequests(stub)).toHaveLength(2);

    // The provider is back: after open_ms a probe goes through and the model answers again.
    stub.set({ failure: 'none' });
    const visitor = await bed.visitor(srv, widgetKey);
    await eventually(async () => {
      const { answer } = await ask(visitor, SHIPPING_QUESTION);
      return answer.text === MODEL_ANSWER;
    }, 6000);
    expect(await breakerOf(srv, 'flaky')).toBe('closed');
    expect(chatRequests(stub).at(-1)!.state).toBe('finished');
  });
});

describe('agent takeover while the bot streams', () => {
  it('stops the stream at once and stores the partial answer as interrupted', async () => {
    const reply = Array.from({ length: 60 }, (_, i) => `Step ${i + 1} of the long answer.`).join(' ');
    const stub = await bed.stub({ tokenDelayMs: 50, chunkSize: 6, reply });
    const { srv, admin, widgetKey } = await bed.worldWithStub(stub);
    const visitor = await bed.visitor(srv, widgetKey);
    const { ws, conversationId } = visitor;

    ws.send({ type: 'message.send', conversationId, text: SHIPPING_QUESTION, clientMessageId: 'long' });
    const firstDelta = await ws.next((f) => f.type === 'message.delta');
    const assigned = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/assign`, {
      token: admin.token,
      body: { agentId: admin.agent.id },
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body.conversation).toMatchObject({ status: 'assigned', assigneeId: admin.agent.id });

    const completed = await ws.next((f) => f.type === 'message.completed');
    expect(completed.message).toMatchObject({ id: firstDelta.messageId, interrupted: true });
    await stub.waitFor(() => chatRequests(stub)[0]?.state === 'aborted');
    await ws.roundTrip(); // every frame the server sent before the pong has arrived

    const deltas = ws.frames.filter((f) => f.type === 'message.delta');
    expect(deltas.every((f) => f.messageId === firstDelta.messageId)).toBe(true);
    expect(joined(deltas)).toBe(completed.message.text);
    expect(completed.message.text.length).toBeGreaterThan(0);
    expect(completed.message.text.length).toBeLessThan(reply.length);
    expect(reply.startsWith(completed.message.text)).toBe(true);
    const updatedAt = ws.frames.findIndex(
      (f) => f.type === 'conversation.updated' && f.conversation.status === 'assigned',
    );
    expect(updatedAt).toBeGreaterThan(-1);
    expect(ws.frames.slice(updatedAt).filter((f) => f.type === 'message.delta')).toEqual([]);
    expect(chatRequests(stub)[0]!.deltasSent).toBeLessThan(Math.ceil(reply.length / 6));

    await srv.server.conversations.idle();
    const stored = await storedMessages(srv, admin.token, conversationId);
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({
      id: completed.message.id,
      text: completed.message.text,
      interrupted: true,
      author: { type: 'bot' },
    });
  });
});
