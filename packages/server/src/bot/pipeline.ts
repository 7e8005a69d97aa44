import type { Conversation, Message, Workspace } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { BotActions, BotReply } from '../core/conversation-service.ts';
import { inSpan } from '../observability/tracing.ts';
import type { TurnRecord } from './bot-turn.ts';
import type { ChatMessage } from './providers/provider.ts';

/** A passage of the workspace's knowledge base found for the question. */
export interface RetrievedArticle {
  articleId: string;
  title: string;
  text: string;
  score: number;
}

/** How the turn was answered; set by the step that answered. */
export interface Answer {
  text: string;
  source: 'model' | 'cache' | 'rules' | 'knowledge' | 'no-answer' | 'handoff' | 'refusal';
  /** Whole (not cut by a failure or a takeover). */
  complete: boolean;
}

/** One bot turn: what a middleware reads and writes. */
export interface BotContext {
  readonly workspace: Workspace;
  readonly conversation: Conversation;
  /** The visitor message being answered. */
  readonly message: Message;
  readonly question: string;
  /** Aborts when an agent takes the conversation over (or the server stops): stop at once. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Earlier messages of the conversation, oldest first, as chat messages. */
  history: ChatMessage[];
  articles: RetrievedArticle[];
  answer: Answer | null;
  /** Free space for merchant middleware (order lookups, flags). */
  readonly state: Map<string, unknown>;
  /** What the turn did, for its timeline, metrics and reports: steps fill in what they did. */
  readonly record: TurnRecord;
  /** Starts a streamed answer (see BotReply). */
  openReply(): BotReply;
  /** Sends a whole answer and records it as `answer`. */
  say(text: string, source: Answer['source']): Promise<void>;
  /** Hands the conversation to a human (queue, then an agent). */
  handoff(): Promise<void>;
}

/**
 * A step of the pipeline, Koa-style: do something, `await next()` to run the rest, do
 * something after. A step that answers ends the turn by not calling `next()`.
 */
export type BotMiddleware = (ctx: BotContext, next: () => Promise<void>) => Promise<void>;

/** Runs the middleware in order; stops early (without error) once the turn is aborted. */
export function compose(middleware: readonly BotMiddleware[]): (ctx: BotContext) => Promise<void> {
  return (ctx) => {
    let last = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= last) throw new Error('next() called twice in one bot middleware');
      last = i;
      const step = middleware[i];
      if (!step || ctx.signal.aborted) return;
      await inSpan(`bot.step ${step.name || i}`, {}, () => step(ctx, () => dispatch(i + 1)));
    };
    return dispatch(0);
  };
}

export function createContext(input: {
  workspace: Workspace;
  conversation: Conversation;
  message: Message;
  history: ChatMessage[];
  signal: AbortSignal;
  log: Logger;
  actions: BotActions;
}): BotContext {
  const { conversation, actions, signal } = input;
  const record: TurnRecord = { failedProviders: [], handedOff: false, answerSeq: null };
  const stored = (message: Message | null) => {
    if (message) record.answerSeq = message.seq;
    return message;
  };
  const ctx: BotContext = {
    workspace: input.workspace,
    conversation,
    message: input.message,
    question: input.message.text,
    signal,
    log: input.log,
    history: input.history,
    articles: [],
    answer: null,
    state: new Map(),
    record,
    openReply() {
      const reply = actions.openReply(conversation, signal);
      return {
        get messageId() {
          return reply.messageId;
        },
        get text() {
          return reply.text;
        },
        push: (delta: string) => reply.push(delta),
        complete: async (text?: string) => stored(await reply.complete(text)),
      };
    },
    async say(text, source) {
      stored(await actions.reply(conversation, text, signal));
      ctx.answer = { text, source, complete: !signal.aborted };
    },
    async handoff() {
      await actions.handoffConversation(conversation);
      record.handedOff = true;
    },
  };
  return ctx;
}
