import { describe, expect, it } from 'vitest';
import { messageDelays, pending, timelineEntries, turnSteps, turnTone } from './timeline.ts';
import type { BotTurn, TimelineMessage } from './types.ts';

const at = (ms: number) => new Date(Date.parse('2026-03-10T12:00:00.000Z') + ms).toISOString();

function message(seq: number, type: TimelineMessage['author']['type'], more: Partial<TimelineMessage> = {}) {
  return {
    seq,
    messageId: `msg_${seq}`,
    author: { type, id: `${type}_1`, name: null },
    private: false,
    receivedAt: at(seq * 1000),
    storedAt: at(seq * 1000 + 3),
    deliveredAt: at(seq * 1000 + 20),
    ...more,
  } satisfies TimelineMessage;
}

function turn(more: Partial<BotTurn> = {}): BotTurn {
  return {
    workspaceId: 'ws_1',
    conversationId: 'cv_1',
    questionSeq: 1,
    answerSeq: 2,
    outcome: 'llm',
    cache: 'miss',
    articles: [{ articleId: 'kb_1', title: 'Shipping', score: 0.61 }],
    model: {
      provider: 'openai',
      model: 'gpt-4o-mini',
      firstTokenMs: 320,
      totalMs: 1400,
      promptTokens: 400,
      completionTokens: 90,
      tokensEstimated: false,
      costUsd: 0.0001,
      complete: true,
    },
    failedProviders: [],
    handedOff: false,
    startedAt: at(1005),
    durationMs: 1500,
    ...more,
  };
}

describe('timeline', () => {
  it('puts each bot turn right after its question', () => {
    const entries = timelineEntries({
      messages: [message(3, 'visitor'), message(1, 'visitor'), message(2, 'bot'), message(4, 'bot')],
      botTurns: [turn({ questionSeq: 3, answerSeq: 4 }), turn()],
    });
    expect(
      entries.map((e) => (e.kind === 'message' ? `m${e.message.seq}` : `t${e.turn.questionSeq}`)),
    ).toEqual(['m1', 't1', 'm2', 'm3', 't3', 'm4']);
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
  });

  it('keeps a turn whose question is missing where its seq would be', () => {
    const entries = timelineEntries({
      messages: [message(1, 'visitor'), message(5, 'agent')],
      botTurns: [turn({ questionSeq: 3, answerSeq: null }), turn({ questionSeq: 9, answerSeq: null })],
    });
    expect(
      entries.map((e) => (e.kind === 'message' ? `m${e.message.seq}` : `t${e.turn.questionSeq}`)),
    ).toEqual(['m1', 't3', 'm5', 't9']);
    expect(timelineEntries({ messages: [], botTurns: [] })).toEqual([]);
  });

  it('measures the path of a message from its reception', () => {
    expect(messageDelays(message(1, 'visitor'))).toEqual({ stored: 3, delivered: 20 });
    // No reception recorded (a bot answer): delivery counts from storage.
    expect(messageDelays(message(2, 'bot', { receivedAt: null }))).toEqual({ stored: null, delivered: 17 });
    expect(messageDelays(message(3, 'visitor', { deliveredAt: null }))).toEqual({
      stored: 3,
      delivered: null,
    });
  });

  it('lists the steps a turn went through, with their tones', () => {
    const steps = (t: BotTurn) => turnSteps(t).map((s) => `${s.kind}:${s.tone}`);
    expect(steps(turn())).toEqual(['cache:neutral', 'retrieval:neutral', 'model:neutral', 'outcome:neutral']);
    expect(turnTone(turn())).toBe('neutral');

    const cached = turn({ outcome: 'cache', cache: 'semantic', articles: [], model: null });
    expect(steps(cached)).toEqual(['cache:good', 'outcome:good']);
    expect(turnTone(cached)).toBe('good');

    const fallback = turn({
      outcome: 'knowledge',
      model: null,
      failedProviders: [{ provider: 'openai', reason: 'server 500: boom' }],
    });
    expect(steps(fallback)).toEqual(['cache:neutral', 'retrieval:neutral', 'fallback:bad', 'outcome:bad']);
    expect(turnTone(fallback)).toBe('bad');

    // No provider configured: the knowledge base answers, worth a look but no failure.
    const keyless = turn({ outcome: 'knowledge', model: null });
    expect(steps(keyless)).toEqual(['cache:neutral', 'retrieval:neutral', 'fallback:warn', 'outcome:warn']);

    const nothing = turn({ outcome: 'no-answer', articles: [], model: null, handedOff: true });
    expect(steps(nothing)).toEqual(['cache:neutral', 'retrieval:warn', 'outcome:warn']);

    const handoff = turn({ outcome: 'handoff', cache: null, articles: [], model: null, handedOff: true });
    expect(steps(handoff)).toEqual(['outcome:warn']);

    const cut = turn({ outcome: 'interrupted', model: { ...turn().model!, complete: false } });
    expect(steps(cut)).toEqual(['cache:neutral', 'retrieval:neutral', 'model:warn', 'outcome:warn']);
    expect(turnTone(turn({ outcome: 'error', model: null }))).toBe('bad');
  });

  it('knows when the timeline is still on its way', () => {
    const question = message(1, 'visitor');
    const answer = message(2, 'bot');
    expect(pending({ messages: [question, answer], botTurns: [turn()] }, true)).toBe(false);
    expect(pending({ messages: [{ ...question, deliveredAt: null }], botTurns: [] }, false)).toBe(true);
    // The bot has the conversation and has not recorded its turn for the last question yet.
    expect(pending({ messages: [question], botTurns: [] }, true)).toBe(true);
    expect(pending({ messages: [question], botTurns: [] }, false)).toBe(false);
    expect(pending({ messages: [], botTurns: [] }, true)).toBe(false);
  });
});
