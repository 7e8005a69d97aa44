import {
  type Attachment,
  type Conversation,
  type ConversationStatus,
  MAX_ATTACHMENTS,
  type Message,
  type ServerFrame,
  type Workspace,
} from '@unique-support/protocol';
import type { Logger } from 'pino';
import { type Bus, topics } from '../bus/bus.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { inSpan } from '../observability/tracing.ts';
import type { AppendResult, ConversationTimeline, Store } from '../store/store.ts';
import type { MessageWriter } from './message-writer.ts';
import { authorOf, type Principal, requireAgent } from './principal.ts';
import type { Limiter } from './rate-limiter.ts';
import type { Router } from './router.ts';

/**
 * What the service announces besides the bus (which carries frames for sockets): the hook
 * for server-side listeners such as webhooks. Listeners run synchronously and must not block.
 */
export type ConversationEvent =
  | { type: 'conversation.created'; workspaceId: string; conversation: Conversation }
  | { type: 'conversation.updated'; workspaceId: string; conversation: Conversation }
  | { type: 'message.created'; workspaceId: string; message: Message };

/** Options of a message beyond its text. */
export interface SendOptions {
  /** Ids of uploads of the same principal (at most MAX_ATTACHMENTS). */
  attachments?: readonly string[];
  /** Agents only: a private note. */
  private?: boolean;
}

export interface ConversationListFilter {
  status?: ConversationStatus;
  /** `me`, or an agent id. */
  assignee?: string;
  visitorId?: string;
  label?: string;
  /** Text some message of the conversation contains (case-insensitive for ASCII). */
  q?: string;
  limit?: number;
}

/** Labels of a conversation: at most this many, each 1–32 characters after trimming. */
export const LABEL_LIMITS = { count: 20, length: 32 } as const;

/**
 * A bot answer being streamed: each `push` goes out as a `message.delta` at once; `complete`
 * stores the whole text as one message (`message.completed`, same id as the deltas).
 * Once `signal` aborts (an agent took over), pushes are dropped and `complete` stores what
 * was said so far marked `interrupted`.
 */
export interface BotReply {
  readonly messageId: string;
  /** The text pushed so far. */
  readonly text: string;
  push(delta: string): void;
  /** Stores the answer (`text` replaces what was pushed, e.g. after a guard cut it); null when empty. */
  complete(text?: string): Promise<Message | null>;
}

/** What a bot may do in a conversation: the "direct connection" of server-side participants. */
export interface BotActions {
  openReply(conversation: Conversation, signal?: AbortSignal): BotReply;
  /** A whole answer at once (a canned or cached one). */
  reply(conversation: Conversation, text: string, signal?: AbortSignal): Promise<Message | null>;
  handoffConversation(conversation: Conversation): Promise<Conversation>;
}

export interface Bot {
  /** Called after a visitor message is stored in a conversation whose status is `bot`. */
  onVisitorMessage(conversation: Conversation, message: Message, actions: BotActions): Promise<void>;
  /** Every change of a conversation: a bot stops answering one that is no longer `bot`. */
  onConversationChanged?(conversation: Conversation): void;
}

export interface ConversationServiceOptions {
  store: Store;
  bus: Bus;
  writer: MessageWriter;
  log: Logger;
  /** Longest message text in characters. */
  maxTextLength: number;
  /** Messages per visitor (REST and WebSocket together); null: unlimited. */
  /** Messages a visitor may send; null or absent: unlimited. */
  visitorLimiter?: Limiter | null;
}

/**
 * The conversation lifecycle (`bot` → `queued` → `assigned` → `resolved`, reopened by a
 * visitor message) and message posting. Knows nothing about sockets or HTTP: both
 * call it with a Principal, and it publishes what changed on the Bus.
 */
export class ConversationService implements BotActions {
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly writer: MessageWriter;
  private readonly log: Logger;
  private readonly maxTextLength: number;
  private router: Router | null = null;
  private bot: Bot | null = null;
  private readonly background = new Set<Promise<unknown>>();
  private readonly listeners: ((event: ConversationEvent) => void)[] = [];
  private readonly visitorLimiter: Limiter | null;

  constructor(options: ConversationServiceOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.writer = options.writer;
    this.log = options.log;
    this.maxTextLength = options.maxTextLength;
    this.visitorLimiter = options.visitorLimiter ?? null;
  }

  /** Adds a listener of created conversations and messages and of conversation changes. */
  onEvent(listener: (event: ConversationEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Whether new conversations of the workspace start with the bot. */
  botAnswers(workspace: Workspace): boolean {
    return workspace.botEnabled && this.bot !== null;
  }

  /** `bot` null: no bot answers; new conversations start `queued`. */
  attach(router: Router, bot: Bot | null): void {
    this.router = router;
    this.bot = bot;
  }

  async create(visitor: Principal): Promise<Conversation> {
    if (visitor.type !== 'visitor') throw new AppError('FORBIDDEN', 'only a visitor starts a conversation');
    const workspace = await this.store.getWorkspace(visitor.workspaceId);
    if (!workspace) throw notFound('workspace');
    const status: ConversationStatus = workspace.botEnabled && this.bot ? 'bot' : 'queued';
    const conversation = await this.store.createConversation({
      workspaceId: visitor.workspaceId,
      visitorId: visitor.id,
      status,
      queuedAt: status === 'queued' ? new Date().toISOString() : null,
    });
    this.changed(conversation, 'conversation.created');
    return conversation;
  }

  /**
   * An offline message: the visitor's name and e-mail, a new `queued` conversation and its
   * first message, stored in one transaction (nothing of it on any error).
   */
  async createOffline(
    visitor: Principal,
    input: { text: string; email: string; name?: string | undefined },
  ): Promise<Conversation> {
    if (visitor.type !== 'visitor') throw new AppError('FORBIDDEN', 'only a visitor leaves a message');
    this.checkText(input.text, false);
    const name = input.name?.trim() || null;
    await this.takeVisitorRate(visitor);
    const now = new Date().toISOString();
    const { conversation, message } = await this.store.createConversationWithMessage({
      conversation: {
        workspaceId: visitor.workspaceId,
        visitorId: visitor.id,
        status: 'queued',
        queuedAt: now,
      },
      message: {
        author: { type: 'visitor', id: visitor.id, name: name ?? visitor.name },
        text: input.text,
        clientMessageId: null,
        receivedAt: Date.parse(now),
      },
      visitorPatch: { email: input.email, ...(name !== null && { name }), lastSeenAt: now },
    });
    this.changed(conversation, 'conversation.created');
    this.publishMessage(conversation, message);
    await this.route(conversation.workspaceId);
    return (await this.store.getConversation(conversation.workspaceId, conversation.id)) ?? conversation;
  }

  /** The conversation if the principal may see it; NOT_FOUND otherwise (also for other workspaces). */
  async get(principal: Principal, conversationId: string): Promise<Conversation> {
    const conversation = await this.store.getConversation(principal.workspaceId, conversationId);
    if (!conversation || (principal.type === 'visitor' && conversation.visitorId !== principal.id)) {
      throw notFound('conversation');
    }
    return conversation;
  }

  /** What the principal may see of a conversation: visitors never see its labels. */
  viewFor(principal: Principal, conversation: Conversation): Conversation {
    return principal.type === 'visitor' ? visitorView(conversation) : conversation;
  }

  list(agent: Principal, filter: ConversationListFilter) {
    requireAgent(agent);
    const assigneeId = filter.assignee === 'me' ? agent.id : filter.assignee;
    const text = filter.q?.trim();
    return this.store.listConversations({
      workspaceId: agent.workspaceId,
      ...(filter.status && { status: filter.status }),
      ...(assigneeId && { assigneeId }),
      ...(filter.visitorId && { visitorId: filter.visitorId }),
      ...(filter.label !== undefined && { label: filter.label.trim() }),
      ...(text && { text }),
      ...(filter.limit && { limit: filter.limit }),
    });
  }

  /**
   * The visitor's own conversations, newest activity first (at most `limit`), as visitors see
   * them: what the widget resumes on a device that has not saved a conversation id.
   */
  async listOwn(visitor: Principal, limit = 20): Promise<Conversation[]> {
    if (visitor.type !== 'visitor')
      throw new AppError('FORBIDDEN', 'only a visitor lists its own conversations');
    const list = await this.store.listConversations({
      workspaceId: visitor.workspaceId,
      visitorId: visitor.id,
      limit,
    });
    return list.map(visitorView);
  }

  /** Stored messages after `afterSeq`; visitors get no private notes (so gaps in seq). */
  async messages(principal: Principal, conversationId: string, afterSeq: number, limit?: number) {
    await this.get(principal, conversationId);
    return this.store.listMessages({
      workspaceId: principal.workspaceId,
      conversationId,
      afterSeq,
      includePrivate: principal.type === 'agent',
      ...(limit && { limit }),
    });
  }

  /** The path of every message and what each bot turn did. Agents only. */
  async timeline(agent: Principal, conversationId: string): Promise<ConversationTimeline> {
    requireAgent(agent);
    const conversation = await this.get(agent, conversationId);
    const timeline = await this.store.conversationTimeline(agent.workspaceId, conversation.id);
    if (!timeline) throw notFound('conversation');
    return timeline;
  }

  /** Replaces the labels (trimmed, deduplicated, at most 20 of 1–32 characters). Agents only. */
  async setLabels(
    agent: Principal,
    conversationId: string,
    labels: readonly string[],
  ): Promise<Conversation> {
    requireAgent(agent);
    const normalized = normalizeLabels(labels);
    const conversation = await this.get(agent, conversationId);
    const updated = await this.store.updateConversation(agent.workspaceId, conversation.id, {
      labels: normalized,
    });
    if (!updated) throw notFound('conversation');
    this.changed(updated);
    return updated;
  }

  /**
   * Stores a message of the principal in a conversation it may access (check with `get`
   * first) and resolves once it is durable. A repeated `clientMessageId` resolves to the
   * stored message with `created: false`.
   */
  async send(
    principal: Principal,
    conversation: Conversation,
    text: string,
    clientMessageId: string | null,
    options: SendOptions = {},
  ): Promise<AppendResult> {
    const receivedAt = Date.now();
    const isPrivate = options.private === true;
    if (isPrivate && principal.type !== 'agent') {
      throw new AppError('FORBIDDEN', 'only agents write private notes');
    }
    const ids = options.attachments ?? [];
    this.checkText(text, ids.length > 0);
    const attachments = await this.resolveAttachments(principal, ids);
    await this.takeVisitorRate(principal);
    const result = await inSpan(
      'message.store',
      { attributes: { 'us.conversation_id': conversation.id } },
      () =>
        this.writer.append({
          workspaceId: conversation.workspaceId,
          conversationId: conversation.id,
          author: authorOf(principal),
          text,
          clientMessageId,
          receivedAt,
          ...(attachments.length > 0 && { attachments }),
          ...(isPrivate && { private: true }),
        }),
    );
    if (result.created) {
      this.publishMessage(conversation, result.message);
      // A note changes nothing: no first response, no claim, no reopen, no bot turn.
      if (!result.message.private) {
        this.track(this.afterMessage(principal, conversation.id, result));
      }
    }
    return result;
  }

  async handoff(principal: Principal, conversationId: string): Promise<Conversation> {
    return this.queue(await this.get(principal, conversationId));
  }

  async handoffConversation(conversation: Conversation): Promise<Conversation> {
    return this.queue(conversation);
  }

  async assign(agent: Principal, conversationId: string, agentId: string): Promise<Conversation> {
    requireAgent(agent);
    const conversation = await this.get(agent, conversationId);
    const assignee = await this.store.getAgent(agent.workspaceId, agentId);
    if (!assignee) throw notFound('agent');
    const updated = await this.store.updateConversation(agent.workspaceId, conversation.id, {
      status: 'assigned',
      assigneeId: assignee.id,
      resolvedAt: null,
    });
    if (!updated) throw notFound('conversation');
    this.changed(updated);
    // A transfer frees capacity of the previous assignee.
    if (conversation.assigneeId && conversation.assigneeId !== assignee.id) this.route(agent.workspaceId);
    return updated;
  }

  /**
   * Puts the agent's `assigned` conversations back in the queue (ahead of newer ones: they keep
   * their first queuedAt) and routes it. Each only if still assigned to that agent, so two nodes
   * doing this at once requeue each conversation once. Returns how many went back.
   */
  async requeueFromAgent(workspaceId: string, agentId: string): Promise<number> {
    let requeued = 0;
    for (;;) {
      const held = await this.store.listConversations({
        workspaceId,
        status: 'assigned',
        assigneeId: agentId,
        limit: 200,
      });
      let moved = 0;
      for (const conversation of held) {
        const updated = await this.store.updateConversation(
          workspaceId,
          conversation.id,
          { status: 'queued', assigneeId: null, queuedAt: conversation.queuedAt ?? new Date().toISOString() },
          { status: ['assigned'], assigneeId: agentId },
        );
        if (!updated) continue;
        moved++;
        this.changed(updated);
      }
      requeued += moved;
      if (held.length < 200 || moved === 0) break;
    }
    if (requeued > 0) await this.route(workspaceId);
    return requeued;
  }

  async resolve(agent: Principal, conversationId: string): Promise<Conversation> {
    requireAgent(agent);
    const conversation = await this.get(agent, conversationId);
    if (conversation.status === 'resolved') return conversation;
    const updated = await this.store.updateConversation(agent.workspaceId, conversation.id, {
      status: 'resolved',
      resolvedAt: new Date().toISOString(),
    });
    if (!updated) throw notFound('conversation');
    this.changed(updated);
    this.route(agent.workspaceId);
    return updated;
  }

  async rate(visitor: Principal, conversationId: string, score: number, comment: string | null) {
    if (visitor.type !== 'visitor') throw new AppError('FORBIDDEN', 'only the visitor rates a conversation');
    if (!Number.isInteger(score) || score < 1 || score > 5) {
      throw new AppError('BAD_REQUEST', 'score must be an integer from 1 to 5');
    }
    const conversation = await this.get(visitor, conversationId);
    const updated = await this.store.updateConversation(visitor.workspaceId, conversation.id, {
      rating: { score, comment },
    });
    if (!updated) throw notFound('conversation');
    this.changed(updated);
    return updated;
  }

  /** Records a read receipt (seq never moves backwards) and relays it. */
  async markRead(principal: Principal, conversationId: string, seq: number): Promise<void> {
    const conversation = await this.get(principal, conversationId);
    const upTo = Math.min(seq, conversation.lastSeq);
    const field = principal.type === 'visitor' ? 'visitorReadSeq' : 'agentReadSeq';
    if (upTo > conversation[field]) {
      await this.store.updateConversation(principal.workspaceId, conversation.id, { [field]: upTo });
    }
    this.publish(conversation.id, { type: 'read', conversationId, author: authorOf(principal), seq: upTo });
  }

  typing(principal: Principal, conversationId: string, isTyping: boolean): void {
    this.publish(conversationId, { type: 'typing', conversationId, author: authorOf(principal), isTyping });
  }

  openReply(conversation: Conversation, signal?: AbortSignal): BotReply {
    const messageId = newId('msg');
    const publish = (frame: ServerFrame) => this.publish(conversation.id, frame);
    const emit = (event: ConversationEvent) => this.emit(event);
    const writer = this.writer;
    const maxTextLength = this.maxTextLength;
    let text = '';
    let completed: Promise<Message | null> | null = null;
    return {
      messageId,
      get text() {
        return text;
      },
      push(delta: string) {
        if (!delta || completed || signal?.aborted) return;
        text += delta;
        publish({ type: 'message.delta', conversationId: conversation.id, messageId, delta });
      },
      complete(finalText?: string) {
        completed ??= (async () => {
          const whole = (finalText ?? text).slice(0, maxTextLength);
          if (!whole.trim()) return null;
          const interrupted = signal?.aborted === true;
          const { message } = await writer.append({
            id: messageId,
            workspaceId: conversation.workspaceId,
            conversationId: conversation.id,
            author: { type: 'bot', id: null, name: 'Assistant' },
            text: whole,
            clientMessageId: messageId,
            ...(interrupted && { interrupted }),
          });
          publish({ type: 'message.completed', message });
          emit({ type: 'message.created', workspaceId: conversation.workspaceId, message });
          return message;
        })();
        return completed;
      },
    };
  }

  reply(conversation: Conversation, text: string, signal?: AbortSignal): Promise<Message | null> {
    const reply = this.openReply(conversation, signal);
    reply.push(text);
    return reply.complete();
  }

  /** Resolves when background work started so far (bot turns, routing) is over. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await this.router?.idle();
  }

  /** Text may be empty only when the message carries attachments. */
  private checkText(text: string, hasAttachments: boolean): void {
    if (text.trim().length === 0 && !hasAttachments) {
      throw new AppError('BAD_REQUEST', 'text must not be empty');
    }
    if (text.length > this.maxTextLength) {
      throw new AppError('PAYLOAD_TOO_LARGE', `text is longer than ${this.maxTextLength} characters`);
    }
  }

  /** RATE_LIMITED when the visitor sent too many messages lately; agents are not limited. */
  private async takeVisitorRate(principal: Principal): Promise<void> {
    if (principal.type !== 'visitor' || !this.visitorLimiter) return;
    if (!(await this.visitorLimiter.take(principal.id))) {
      throw new AppError('RATE_LIMITED', 'too many messages, slow down');
    }
  }

  /** The uploads, in order; each must be the principal's own (else NOT_FOUND). */
  private async resolveAttachments(principal: Principal, ids: readonly string[]): Promise<Attachment[]> {
    if (ids.length === 0) return [];
    if (ids.length > MAX_ATTACHMENTS) {
      throw new AppError('BAD_REQUEST', `at most ${MAX_ATTACHMENTS} attachments per message`);
    }
    if (new Set(ids).size !== ids.length) throw new AppError('BAD_REQUEST', 'an attachment is listed twice');
    const records = await Promise.all(ids.map((id) => this.store.getAttachment(principal.workspaceId, id)));
    return records.map((record) => {
      if (!record || record.uploader.type !== principal.type || record.uploader.id !== principal.id) {
        throw notFound('attachment');
      }
      const { id, name, contentType, size, url } = record;
      return { id, name, contentType, size, url };
    });
  }

  private publishMessage(conversation: Conversation, message: Message): void {
    this.bus.publish(topics.conversation(conversation.id), { type: 'message.created', message });
    this.emit({ type: 'message.created', workspaceId: conversation.workspaceId, message });
  }

  private emit(event: ConversationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err, event: event.type }, 'conversation event listener failed');
      }
    }
  }

  /** Status effects of a new message: reopen, first response, claim, bot turn. */
  private async afterMessage(
    principal: Principal,
    conversationId: string,
    stored: AppendResult,
  ): Promise<void> {
    const { message, conversation: state } = stored;
    // Most messages change nothing (a conversation with a human, who has already answered):
    // decided from the state the store saw, without reading the conversation again.
    if (
      principal.type === 'visitor'
        ? state.status !== 'resolved' && state.status !== 'bot'
        : !!state.firstResponseAt && state.status !== 'bot' && state.status !== 'queued'
    )
      return;
    const conversation = await this.store.getConversation(principal.workspaceId, conversationId);
    if (!conversation) return;
    if (principal.type === 'visitor') {
      if (conversation.status === 'resolved') {
        await this.reopen(conversation, message);
      } else if (conversation.status === 'bot' && this.bot && message.text.trim()) {
        // Only files, no words: nothing for the bot to answer.
        await this.bot.onVisitorMessage(conversation, message, this);
      }
      return;
    }
    const claim = conversation.status === 'bot' || conversation.status === 'queued';
    if (!claim && conversation.firstResponseAt) return;
    const updated = await this.store.updateConversation(
      conversation.workspaceId,
      conversation.id,
      {
        ...(claim && { status: 'assigned' as const, assigneeId: principal.id }),
        ...(!conversation.firstResponseAt && { firstResponseAt: message.createdAt }),
      },
      { status: [conversation.status] },
    );
    if (updated) this.changed(updated);
  }

  /** A visitor wrote into a resolved conversation: back to a human if one had it, else to the bot. */
  private async reopen(conversation: Conversation, message: Message): Promise<void> {
    const workspace = await this.store.getWorkspace(conversation.workspaceId);
    const toBot =
      !conversation.assigneeId && !conversation.firstResponseAt && workspace?.botEnabled && this.bot;
    const updated = await this.store.updateConversation(
      conversation.workspaceId,
      conversation.id,
      toBot
        ? { status: 'bot', resolvedAt: null }
        : { status: 'queued', assigneeId: null, resolvedAt: null, queuedAt: new Date().toISOString() },
      { status: ['resolved'] },
    );
    if (!updated) return;
    this.changed(updated);
    if (updated.status === 'queued') this.route(updated.workspaceId);
    else if (this.bot && message.text.trim()) await this.bot.onVisitorMessage(updated, message, this);
  }

  private async queue(conversation: Conversation): Promise<Conversation> {
    if (conversation.status === 'queued' || conversation.status === 'assigned') return conversation;
    const updated = await this.store.updateConversation(
      conversation.workspaceId,
      conversation.id,
      { status: 'queued', assigneeId: null, resolvedAt: null, queuedAt: new Date().toISOString() },
      { status: [conversation.status] },
    );
    if (!updated) {
      // Changed meanwhile (e.g. an agent took it): report the current state.
      const current = await this.store.getConversation(conversation.workspaceId, conversation.id);
      if (!current) throw notFound('conversation');
      return current;
    }
    this.changed(updated);
    await this.route(updated.workspaceId);
    return (await this.store.getConversation(updated.workspaceId, updated.id)) ?? updated;
  }

  /**
   * Router callback and every status change: tell the conversation and the workspace's
   * agents (sessions show visitors their view), then the listeners.
   */
  changed(
    conversation: Conversation,
    kind: 'conversation.created' | 'conversation.updated' = 'conversation.updated',
  ): void {
    this.bot?.onConversationChanged?.(conversation);
    const frame: ServerFrame = { type: 'conversation.updated', conversation };
    this.bus.publish(topics.workspaceAgents(conversation.workspaceId), frame);
    this.bus.publish(topics.conversation(conversation.id), frame);
    this.emit({ type: kind, workspaceId: conversation.workspaceId, conversation });
  }

  private route(workspaceId: string): Promise<void> {
    return this.router ? this.router.route(workspaceId) : Promise.resolve();
  }

  private publish(conversationId: string, frame: ServerFrame): void {
    this.bus.publish(topics.conversation(conversationId), frame);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((err) => this.log.error({ err }, 'after-message work failed'))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}

/** A conversation as its visitor sees it: without the agents' labels. */
export function visitorView(conversation: Conversation): Conversation {
  return conversation.labels.length === 0 ? conversation : { ...conversation, labels: [] };
}

/** Trimmed, deduplicated (first spelling kept), checked labels; BAD_REQUEST when one breaks a rule. */
export function normalizeLabels(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of labels) {
    const label = raw.trim();
    const length = [...label].length;
    if (length === 0 || length > LABEL_LIMITS.length) {
      throw new AppError('BAD_REQUEST', `a label has 1 to ${LABEL_LIMITS.length} characters`);
    }
    seen.add(label);
  }
  if (seen.size > LABEL_LIMITS.count) {
    throw new AppError('BAD_REQUEST', `at most ${LABEL_LIMITS.count} labels`);
  }
  return [...seen];
}
