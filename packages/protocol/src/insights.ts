import type { Author } from './objects.ts';

/**
 * What the server tells agents about how conversations went: the bot's turns and each
 * message's path (`GET /api/v1/conversations/:id/timeline`), and the reports
 * (`GET /api/v1/reports`). Plain types: the server produces them, the console reads them.
 */

/** How the turn ended. */
export type BotTurnOutcome =
  /** The model answered (whole or cut off). */
  | 'llm'
  /** An answer from the answer cache. */
  | 'cache'
  /** A rule (greeting, thanks...) answered. */
  | 'rules'
  /** No model answered in time: the best knowledge-base passage was sent instead. */
  | 'knowledge'
  /** Nothing relevant in the knowledge base: said so (and maybe handed off). */
  | 'no-answer'
  /** The visitor asked for a human. */
  | 'handoff'
  /** Refused (asked for the instructions, or the model repeated them). */
  | 'refusal'
  /** An agent took the conversation over (or the server stopped) before an answer. */
  | 'interrupted'
  /** The turn failed with an error. */
  | 'error';

export type CacheLookup = 'exact' | 'semantic' | 'miss';

/** One provider tried and failed before an answer (or before giving up). */
export interface ProviderAttempt {
  provider: string;
  /** Why: `circuit open`, `no first token in 300 ms`, `server 500: ...`. */
  reason: string;
}

/** The model call of a turn that reached a provider. */
export interface ModelCall {
  provider: string;
  model: string;
  /** From the start of the provider request to its first text delta. */
  firstTokenMs: number | null;
  /** From the start of the provider request to its end. */
  totalMs: number;
  /** As the provider reported them; estimated from characters (4 per token) when it did not. */
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  /** Estimated from the provider's prices in llm.toml; 0 when none are set. */
  costUsd: number;
  /** The whole answer streamed (false: cut off by a failure or a takeover). */
  complete: boolean;
}

export interface BotTurn {
  workspaceId: string;
  conversationId: string;
  /** The visitor message answered. */
  questionSeq: number;
  /** The bot's answer, when one was stored. */
  answerSeq: number | null;
  outcome: BotTurnOutcome;
  cache: CacheLookup | null;
  /** Knowledge-base articles retrieved for the question, best first. */
  articles: { articleId: string; title: string; score: number }[];
  model: ModelCall | null;
  failedProviders: ProviderAttempt[];
  handedOff: boolean;
  startedAt: string;
  /** From the visitor message's arrival at the bot to the end of the turn. */
  durationMs: number;
}

/** A message's path through the server, for the conversation timeline. ISO times. */
export interface MessageTiming {
  seq: number;
  messageId: string;
  author: Author;
  private: boolean;
  /** When the server received it; null for messages stored before timings were kept. */
  receivedAt: string | null;
  /** When it was stored (the message's createdAt). */
  storedAt: string;
  /** First delivered to someone other than its author; null: not (yet) delivered. */
  deliveredAt: string | null;
}

export interface ConversationTimeline {
  messages: MessageTiming[];
  /** Oldest first (by questionSeq). */
  botTurns: BotTurn[];
}

/** Median, 90th percentile and mean of a set of durations, in seconds; null when there are none. */
export interface DurationStats {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  averageSeconds: number | null;
}

export interface ReportFigures {
  /** Conversations created. */
  conversations: number;
  /** Of those, resolved (so far). */
  resolved: number;
  /** From the handoff (or the start) to an agent's first message. */
  firstResponse: DurationStats;
  /** From the start to the resolution. */
  resolution: DurationStats;
  csat: { count: number; average: number | null; scores: [number, number, number, number, number] };
  /** Conversations the bot answered in, and those of them no human ever had to touch. */
  bot: {
    conversations: number;
    deflected: number;
    /** deflected / conversations; null without bot conversations. */
    deflectionRate: number | null;
    turns: number;
    /** Model calls made (answers from the model). */
    llmCalls: number;
    /** Answers from the answer cache: model calls saved. */
    cacheHits: number;
    costUsd: number;
    /** Cache hits × the period's mean cost of a model answer. */
    costSavedUsd: number;
  };
}

export interface Report {
  from: string;
  to: string;
  totals: ReportFigures;
  /** One entry per UTC day from `from` to `to`, both included. */
  days: (ReportFigures & { date: string })[];
}
