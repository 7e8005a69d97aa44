/**
 * What one bot turn did and why, recorded as it happens: the pipeline's steps fill a
 * `TurnRecord` on the context, the bot completes it into a `BotTurn` when the turn ends.
 * Metrics count it, the store keeps it (the conversation's timeline, the reports).
 */

import type { CacheLookup, ModelCall, ProviderAttempt } from '@unique-support/protocol';

export type {
  BotTurn,
  BotTurnOutcome,
  CacheLookup,
  ModelCall,
  ProviderAttempt,
} from '@unique-support/protocol';

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
