import type { Conversation, Message } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Bot, BotActions } from '../core/conversation-service.ts';
import { inSpan } from '../observability/tracing.ts';
import type { Store } from '../store/store.ts';
import type { BotTurn, BotTurnOutcome } from './bot-turn.ts';
import { type Answer, type BotContext, type BotMiddleware, compose, createContext } from './pipeline.ts';
import type { ChatMessage } from './providers/provider.ts';

export interface AiBotOptions {
  store: Store;
  /** The pipeline, in order (see `createDefaultPipeline`). */
  middleware: readonly BotMiddleware[];
  /** Earlier messages given to the pipeline as history. @default 10 */
  historyMessages?: number;
  log: Logger;
  /** Every finished turn (answered, interrupted or failed), for metrics and the timeline. */
  onTurn?: (turn: BotTurn) => void;
}

/**
 * Runs the bot pipeline for each visitor message of a `bot` conversation. Turns of one
 * conversation run one after another; a turn is aborted the moment the conversation
 * leaves `bot` (an agent took it), so no delta follows a takeover.
 */
export class AiBot implements Bot {
  private readonly run: ReturnType<typeof compose>;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly options: AiBotOptions) {
    this.run = compose(options.middleware);
  }

  onVisitorMessage(conversation: Conversation, message: Message, actions: BotActions): Promise<void> {
    const previous = this.queues.get(conversation.id) ?? Promise.resolve();
    const turn = previous
      .then(() =>
        inSpan('bot.turn', { attributes: { 'us.conversation_id': conversation.id } }, () =>
          this.answer(conversation.id, conversation.workspaceId, message, actions),
        ),
      )
      .catch((err) => this.options.log.error({ err, conversationId: conversation.id }, 'bot turn failed'))
      .finally(() => {
        if (this.queues.get(conversation.id) === turn) this.queues.delete(conversation.id);
      });
    this.queues.set(conversation.id, turn);
    return turn;
  }

  onConversationChanged(conversation: Conversation): void {
    if (conversation.status !== 'bot') this.active.get(conversation.id)?.abort();
  }

  /** Aborts every running turn (shutdown). */
  abortAll(): void {
    for (const controller of this.active.values()) controller.abort();
  }

  private async answer(conversationId: string, workspaceId: string, message: Message, actions: BotActions) {
    const { store, log } = this.options;
    const [conversation, workspace] = await Promise.all([
      store.getConversation(workspaceId, conversationId),
      store.getWorkspace(workspaceId),
    ]);
    // Taken over while waiting for an earlier turn: a human answers now.
    if (!conversation || !workspace || conversation.status !== 'bot') return;
    const controller = new AbortController();
    this.active.set(conversationId, controller);
    const startedAt = new Date();
    const started = performance.now();
    let context: BotContext | null = null;
    let failed = false;
    try {
      context = createContext({
        workspace,
        conversation,
        message,
        history: await this.history(conversation, message),
        signal: controller.signal,
        log,
        actions,
      });
      await this.run(context);
      log.info(
        { conversationId, source: context.answer?.source ?? null, interrupted: controller.signal.aborted },
        'bot turn done',
      );
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (this.active.get(conversationId) === controller) this.active.delete(conversationId);
      if (context) {
        const turn = turnOf(context, {
          failed,
          aborted: controller.signal.aborted,
          startedAt,
          durationMs: Math.round(performance.now() - started),
        });
        try {
          this.options.onTurn?.(turn);
        } catch (err) {
          log.error({ err, conversationId }, 'bot turn listener failed');
        }
      }
    }
  }

  private async history(conversation: Conversation, message: Message): Promise<ChatMessage[]> {
    const count = this.options.historyMessages ?? 10;
    if (count === 0 || message.seq <= 1) return [];
    const earlier = await this.options.store.listMessages({
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      afterSeq: Math.max(0, message.seq - 1 - count),
      limit: count,
    });
    return earlier
      .filter((m) => m.seq < message.seq && m.author.type !== 'system')
      .map((m) => ({ role: m.author.type === 'visitor' ? 'user' : 'assistant', content: m.text }));
  }
}

const OUTCOMES: Record<Answer['source'], BotTurnOutcome> = {
  model: 'llm',
  cache: 'cache',
  rules: 'rules',
  knowledge: 'knowledge',
  'no-answer': 'no-answer',
  handoff: 'handoff',
  refusal: 'refusal',
};

function turnOf(
  ctx: BotContext,
  end: { failed: boolean; aborted: boolean; startedAt: Date; durationMs: number },
): BotTurn {
  const { record } = ctx;
  const outcome: BotTurnOutcome = end.failed
    ? 'error'
    : ctx.answer
      ? OUTCOMES[ctx.answer.source]
      : record.handedOff
        ? 'handoff'
        : 'interrupted';
  return {
    workspaceId: ctx.workspace.id,
    conversationId: ctx.conversation.id,
    questionSeq: ctx.message.seq,
    answerSeq: record.answerSeq,
    outcome: end.aborted && outcome !== 'error' && record.answerSeq === null ? 'interrupted' : outcome,
    cache: record.cache ?? null,
    articles: ctx.articles.map((a) => ({ articleId: a.articleId, title: a.title, score: a.score })),
    model: record.model ?? null,
    failedProviders: record.failedProviders,
    handedOff: record.handedOff,
    startedAt: end.startedAt.toISOString(),
    durationMs: end.durationMs,
  };
}
