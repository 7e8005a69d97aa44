/** The conversation timeline, as the console shows it: pure, no React. */
import type { BotTurn, Timeline, TimelineMessage } from './types.ts';

export type TimelineEntry =
  | { kind: 'message'; key: string; message: TimelineMessage }
  | { kind: 'turn'; key: string; turn: BotTurn };

/**
 * Messages in seq order, each bot turn right after the question it answered (`questionSeq`);
 * a turn whose question is not in the list comes where its seq would be.
 */
export function timelineEntries(timeline: Timeline): TimelineEntry[] {
  const messages = [...timeline.messages].sort((a, b) => a.seq - b.seq);
  const turns = [...timeline.botTurns].sort(
    (a, b) => a.questionSeq - b.questionSeq || Date.parse(a.startedAt) - Date.parse(b.startedAt),
  );
  const entries: TimelineEntry[] = [];
  let t = 0;
  const turnEntry = (turn: BotTurn, index: number): TimelineEntry => ({
    kind: 'turn',
    key: `turn:${turn.questionSeq}:${turn.startedAt}:${index}`,
    turn,
  });
  for (const message of messages) {
    while (t < turns.length && turns[t]!.questionSeq < message.seq) entries.push(turnEntry(turns[t]!, t++));
    entries.push({ kind: 'message', key: `message:${message.messageId}`, message });
    while (t < turns.length && turns[t]!.questionSeq === message.seq) entries.push(turnEntry(turns[t]!, t++));
  }
  while (t < turns.length) entries.push(turnEntry(turns[t]!, t++));
  return entries;
}

export interface MessageDelays {
  /** Received → stored, ms (null when the server did not record the reception). */
  stored: number | null;
  /** Received (or stored) → first delivered, ms (null: not delivered yet). */
  delivered: number | null;
}

/** How long a message took to be stored and delivered, from its reception. */
export function messageDelays(message: TimelineMessage): MessageDelays {
  const stored = Date.parse(message.storedAt);
  const received = message.receivedAt ? Date.parse(message.receivedAt) : Number.NaN;
  const start = Number.isFinite(received) ? received : stored;
  const delivered = message.deliveredAt ? Date.parse(message.deliveredAt) : Number.NaN;
  return {
    stored: Number.isFinite(received) && Number.isFinite(stored) ? Math.max(0, stored - received) : null,
    delivered: Number.isFinite(delivered) && Number.isFinite(start) ? Math.max(0, delivered - start) : null,
  };
}

/**
 * Whether the timeline will likely change without a new message: a message not delivered yet,
 * or (while the bot has the conversation) a visitor's last message without its bot turn.
 */
export function pending(timeline: Timeline, botActive: boolean): boolean {
  if (timeline.messages.some((m) => m.deliveredAt === null)) return true;
  if (!botActive) return false;
  const last = timeline.messages.reduce<TimelineMessage | null>(
    (latest, m) => (!latest || m.seq > latest.seq ? m : latest),
    null,
  );
  return last?.author.type === 'visitor' && !timeline.botTurns.some((t) => t.questionSeq === last.seq);
}

/** How a step of a turn looks: green (good), neutral, amber (worth a look), red (failure). */
export type StepTone = 'good' | 'neutral' | 'warn' | 'bad';

export interface TurnStep {
  kind: 'cache' | 'retrieval' | 'model' | 'fallback' | 'outcome';
  tone: StepTone;
}

export function outcomeTone(turn: BotTurn): StepTone {
  switch (turn.outcome) {
    case 'llm':
    case 'rules':
      return 'neutral';
    case 'cache':
      return 'good';
    case 'knowledge':
      return turn.failedProviders.length > 0 ? 'bad' : 'warn';
    case 'error':
      return 'bad';
    default:
      // no-answer, handoff, refusal, interrupted
      return 'warn';
  }
}

/**
 * The steps of a bot turn, in the order the pipeline ran them: the cache (when it was looked
 * at), retrieval (when it ran or found articles), the model or the fallback, and the outcome.
 */
export function turnSteps(turn: BotTurn): TurnStep[] {
  const steps: TurnStep[] = [];
  const hit = turn.cache === 'exact' || turn.cache === 'semantic';
  if (turn.cache !== null) steps.push({ kind: 'cache', tone: hit ? 'good' : 'neutral' });
  const searched =
    turn.articles.length > 0 ||
    (!hit && (turn.outcome === 'llm' || turn.outcome === 'knowledge' || turn.outcome === 'no-answer'));
  if (searched) steps.push({ kind: 'retrieval', tone: turn.articles.length > 0 ? 'neutral' : 'warn' });
  if (turn.model) {
    steps.push({ kind: 'model', tone: turn.model.complete ? 'neutral' : 'warn' });
  }
  if (turn.failedProviders.length > 0 || turn.outcome === 'knowledge') {
    steps.push({ kind: 'fallback', tone: turn.failedProviders.length > 0 ? 'bad' : 'warn' });
  }
  steps.push({ kind: 'outcome', tone: outcomeTone(turn) });
  return steps;
}

/** The worst tone of a turn's steps: the colour of its marker. */
export function turnTone(turn: BotTurn): StepTone {
  const order: StepTone[] = ['bad', 'warn', 'good', 'neutral'];
  const tones = new Set(turnSteps(turn).map((s) => s.tone));
  return order.find((tone) => tones.has(tone)) ?? 'neutral';
}
