/**
 * What one bot turn did and why, recorded as it happens: the pipeline's steps fill a
 * `TurnRecord` on the context, the bot completes it into a `BotTurn` when the turn ends.
 * Metrics count it, the store keeps it (the conversation's timeline, the reports).
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

/** Filled by the pipeline during a turn (see `BotContext.record`). */
export interface TurnRecord {
  /** Set by the cache step; absent when the cache was not consulted. */
  cache?: CacheLookup;
  /** Set by the generation step when a provider answered. */
  model?: ModelCall;
  /** Providers that failed, in order. */
  failedProviders: ProviderAttempt[];
  /** The conversation went to the queue during the turn. */
  handedOff: boolean;
  /** The seq of the answer stored, once stored. */
  answerSeq: number | null;
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
