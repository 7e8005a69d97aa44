import {
  type Article,
  type CannedReply,
  type Conversation,
  DEFAULT_WIDGET_SETTINGS,
  type Message,
  type Visitor,
  type Workspace,
} from '@unique-support/protocol';
import type { BotTurn } from '../bot/bot-turn.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type {
  AgentPatch,
  AgentRecord,
  AppendResult,
  ArticlePatch,
  AttachmentRecord,
  CannedReplyPatch,
  ConversationExpectation,
  ConversationFilter,
  ConversationPatch,
  ConversationTimeline,
  Delivery,
  MessageQuery,
  NewAgent,
  NewArticle,
  NewAttachment,
  NewCannedReply,
  NewConversation,
  NewConversationWithMessage,
  NewMessage,
  NewVisitor,
  NewWebhook,
  NewWorkspace,
  ReportRows,
  Store,
  VisitorPatch,
  WebhookRecord,
  WorkspacePatch,
} from './store.ts';
import {
  CONVERSATION_LIMIT,
  clampLimit,
  containsText,
  iso,
  isoOrNull,
  MESSAGE_LIMIT,
  pickDefined,
  toMs,
} from './store-helpers.ts';

const copy = <T>(value: T): T => structuredClone(value);
const nowIso = () => new Date().toISOString();

/** Never earlier than `previous`, even if the clock went back. */
const bumpIso = (previous: string) => new Date(Math.max(Date.now(), Date.parse(previous))).toISOString();

const WORKSPACE_PATCH_KEYS = ['name', 'botEnabled', 'widget'] as const;
const AGENT_PATCH_KEYS = ['name', 'role', 'maxConcurrent', 'passwordHash'] as const;
const VISITOR_PATCH_KEYS = ['name', 'email', 'attributes', 'pageUrl', 'ip', 'lastSeenAt', 'userId'] as const;
const CANNED_REPLY_PATCH_KEYS = ['shortcut', 'text'] as const;
const ARTICLE_PATCH_KEYS = ['title', 'body', 'tags'] as const;
const CONVERSATION_PATCH_KEYS = [
  'status',
  'assigneeId',
  'queuedAt',
  'firstResponseAt',
  'resolvedAt',
  'visitorReadSeq',
  'agentReadSeq',
  'rating',
  'labels',
] as const;

/** When a message was received and first delivered (ms), null when unknown. */
interface MessageTimes {
  receivedAt: number | null;
  deliveredAt: number | null;
}

interface ConversationLog {
  messages: Message[]; // index = seq - 1
  times: MessageTimes[]; // index = seq - 1
  byClientId: Map<string, Message>;
}

/** Everything in Maps, lost on exit. The reference implementation: state is only reachable through copies. */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;

  private readonly secrets = new Map<string, string>();
  private readonly workspaces = new Map<string, Workspace>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly agentIdByEmail = new Map<string, string>();
  private readonly visitors = new Map<string, Visitor>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly logs = new Map<string, ConversationLog>();
  private readonly articles = new Map<string, Article>();
  private readonly attachments = new Map<string, AttachmentRecord>();
  private readonly cannedReplies = new Map<string, CannedReply>();
  private readonly webhooks = new Map<string, WebhookRecord>();
  /** In the order recorded (SQL: rowid / ord), startedAt normalised to milliseconds. */
  private readonly botTurns: BotTurn[] = [];

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async ping(): Promise<void> {}

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    let value = this.secrets.get(name);
    if (value === undefined) {
      value = create();
      this.secrets.set(name, value);
    }
    return value;
  }

  async createWorkspace(input: NewWorkspace): Promise<Workspace> {
    if (this.findWorkspaceByWidgetKey(input.widgetKey)) {
      throw new AppError('CONFLICT', 'widget key already in use');
    }
    const workspace: Workspace = {
      id: newId('ws'),
      name: input.name,
      widgetKey: input.widgetKey,
      botEnabled: input.botEnabled,
      widget: copy(input.widget ?? DEFAULT_WIDGET_SETTINGS),
      createdAt: nowIso(),
    };
    this.workspaces.set(workspace.id, workspace);
    return copy(workspace);
  }

  async createWorkspaceWithAgent(
    workspace: NewWorkspace,
    agent: Omit<NewAgent, 'workspaceId'>,
  ): Promise<{ workspace: Workspace; agent: AgentRecord }> {
    if (this.agentIdByEmail.has(agent.email.toLowerCase()))
      throw new AppError('CONFLICT', 'e-mail already in use');
    const created = await this.createWorkspace(workspace);
    return { workspace: created, agent: await this.createAgent({ ...agent, workspaceId: created.id }) };
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const workspace = this.workspaces.get(id);
    return workspace ? copy(workspace) : null;
  }

  async getWorkspaceByWidgetKey(widgetKey: string): Promise<Workspace | null> {
    const workspace = this.findWorkspaceByWidgetKey(widgetKey);
    return workspace ? copy(workspace) : null;
  }

  async updateWorkspace(id: string, patch: WorkspacePatch): Promise<Workspace | null> {
    const workspace = this.workspaces.get(id);
    if (!workspace) return null;
    const updated = { ...workspace, ...copy(pickDefined(patch, WORKSPACE_PATCH_KEYS)) };
    this.workspaces.set(id, updated);
    return copy(updated);
  }

  async firstWorkspace(): Promise<Workspace | null> {
    const oldest = oldestFirst([...this.workspaces.values()], (w) => w.createdAt)[0];
    return oldest ? copy(oldest) : null;
  }

  async createAgent(input: NewAgent): Promise<AgentRecord> {
    const email = input.email.toLowerCase();
    if (this.agentIdByEmail.has(email)) throw new AppError('CONFLICT', 'e-mail already in use');
    const agent: AgentRecord = {
      id: newId('ag'),
      workspaceId: input.workspaceId,
      name: input.name,
      email,
      role: input.role,
      maxConcurrent: input.maxConcurrent,
      passwordHash: input.passwordHash,
      createdAt: nowIso(),
    };
    this.agents.set(agent.id, agent);
    this.agentIdByEmail.set(email, agent.id);
    return copy(agent);
  }

  async getAgent(workspaceId: string, id: string): Promise<AgentRecord | null> {
    const agent = scoped(this.agents, workspaceId, id);
    return agent ? copy(agent) : null;
  }

  async getAgentByEmail(email: string): Promise<AgentRecord | null> {
    const id = this.agentIdByEmail.get(email.toLowerCase());
    const agent = id === undefined ? undefined : this.agents.get(id);
    return agent ? copy(agent) : null;
  }

  async listAgents(workspaceId: string): Promise<AgentRecord[]> {
    const agents = [...this.agents.values()].filter((a) => a.workspaceId === workspaceId);
    return oldestFirst(agents, (a) => a.createdAt).map(copy);
  }

  async updateAgent(workspaceId: string, id: string, patch: AgentPatch): Promise<AgentRecord | null> {
    const agent = scoped(this.agents, workspaceId, id);
    if (!agent) return null;
    const updated = { ...agent, ...copy(pickDefined(patch, AGENT_PATCH_KEYS)) };
    this.agents.set(id, updated);
    return copy(updated);
  }

  async countAgents(): Promise<number> {
    return this.agents.size;
  }

  async createVisitor(input: NewVisitor): Promise<Visitor> {
    this.checkUserIdFree(input.workspaceId, input.userId ?? null, null);
    const now = nowIso();
    const visitor: Visitor = {
      id: newId('vi'),
      workspaceId: input.workspaceId,
      name: input.name,
      email: input.email,
      attributes: copy(input.attributes),
      pageUrl: input.pageUrl,
      ip: input.ip,
      userId: input.userId ?? null,
      createdAt: now,
      lastSeenAt: now,
    };
    this.visitors.set(visitor.id, visitor);
    return copy(visitor);
  }

  async getVisitor(workspaceId: string, id: string): Promise<Visitor | null> {
    const visitor = scoped(this.visitors, workspaceId, id);
    return visitor ? copy(visitor) : null;
  }

  async updateVisitor(workspaceId: string, id: string, patch: VisitorPatch): Promise<Visitor | null> {
    const visitor = scoped(this.visitors, workspaceId, id);
    if (!visitor) return null;
    if (patch.userId !== undefined) this.checkUserIdFree(workspaceId, patch.userId, id);
    const updated = { ...visitor, ...copy(pickDefined(patch, VISITOR_PATCH_KEYS)) };
    this.visitors.set(id, updated);
    return copy(updated);
  }

  async getVisitorByUserId(workspaceId: string, userId: string): Promise<Visitor | null> {
    for (const visitor of this.visitors.values()) {
      if (visitor.workspaceId === workspaceId && visitor.userId === userId) return copy(visitor);
    }
    return null;
  }

  async createConversation(input: NewConversation): Promise<Conversation> {
    const now = nowIso();
    const conversation: Conversation = {
      id: newId('cv'),
      workspaceId: input.workspaceId,
      visitorId: input.visitorId,
      status: input.status,
      assigneeId: null,
      createdAt: now,
      updatedAt: now,
      lastSeq: 0,
      queuedAt: input.queuedAt,
      firstResponseAt: null,
      resolvedAt: null,
      visitorReadSeq: 0,
      agentReadSeq: 0,
      rating: null,
      labels: [],
    };
    this.conversations.set(conversation.id, conversation);
    this.logs.set(conversation.id, { messages: [], times: [], byClientId: new Map() });
    return copy(conversation);
  }

  async getConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    const conversation = scoped(this.conversations, workspaceId, id);
    return conversation ? copy(conversation) : null;
  }

  async listConversations(filter: ConversationFilter): Promise<Conversation[]> {
    const limit = clampLimit(filter.limit, CONVERSATION_LIMIT);
    return [...this.conversations.values()]
      .filter(
        (c) =>
          c.workspaceId === filter.workspaceId &&
          (filter.status === undefined || c.status === filter.status) &&
          (filter.assigneeId === undefined || c.assigneeId === filter.assigneeId) &&
          (filter.visitorId === undefined || c.visitorId === filter.visitorId) &&
          (filter.label === undefined || c.labels.includes(filter.label)) &&
          (filter.text === undefined ||
            this.logs.get(c.id)!.messages.some((m) => containsText(m.text, filter.text!))),
      )
      .sort((a, b) => compareDesc(a.updatedAt, b.updatedAt) || compareDesc(a.id, b.id))
      .slice(0, limit)
      .map(copy);
  }

  async updateConversation(
    workspaceId: string,
    id: string,
    patch: ConversationPatch,
    expect?: ConversationExpectation,
  ): Promise<Conversation | null> {
    const conversation = scoped(this.conversations, workspaceId, id);
    if (!conversation) return null;
    if (expect?.status !== undefined && !expect.status.includes(conversation.status)) return null;
    if (expect?.assigneeId !== undefined && conversation.assigneeId !== expect.assigneeId) return null;
    const updated: Conversation = {
      ...conversation,
      ...copy(pickDefined(patch, CONVERSATION_PATCH_KEYS)),
      updatedAt: bumpIso(conversation.updatedAt),
    };
    this.conversations.set(id, updated);
    return copy(updated);
  }

  async countAssignedByAgent(workspaceId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const c of this.conversations.values()) {
      if (c.workspaceId !== workspaceId || c.status !== 'assigned' || c.assigneeId === null) continue;
      counts.set(c.assigneeId, (counts.get(c.assigneeId) ?? 0) + 1);
    }
    return counts;
  }

  async listAssignees(): Promise<{ workspaceId: string; agentId: string }[]> {
    const pairs = new Map<string, { workspaceId: string; agentId: string }>();
    for (const c of this.conversations.values()) {
      if (c.status !== 'assigned' || c.assigneeId === null) continue;
      pairs.set(`${c.workspaceId}\n${c.assigneeId}`, { workspaceId: c.workspaceId, agentId: c.assigneeId });
    }
    return [...pairs.values()];
  }

  async listQueued(): Promise<Conversation[]> {
    const queued = [...this.conversations.values()].filter((c) => c.status === 'queued');
    // A missing queuedAt sorts first, as NULL does in SQL.
    return oldestFirst(queued, (c) => c.queuedAt ?? '').map(copy);
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    // Validate the whole batch before writing anything: all or nothing.
    for (const input of batch) {
      if (!scoped(this.conversations, input.workspaceId, input.conversationId))
        throw notFound('conversation');
    }
    const now = nowIso();
    const results: AppendResult[] = [];
    for (const input of batch) {
      const log = this.logs.get(input.conversationId)!;
      const clientMessageId = input.clientMessageId ?? null;
      const existing = clientMessageId === null ? undefined : log.byClientId.get(clientMessageId);
      const conversation = this.conversations.get(input.conversationId)!;
      const state = { status: conversation.status, firstResponseAt: conversation.firstResponseAt };
      if (existing) {
        results.push({ message: copy(existing), created: false, conversation: state });
        continue;
      }
      const message: Message = {
        id: input.id ?? newId('msg'),
        conversationId: input.conversationId,
        seq: conversation.lastSeq + 1,
        author: { type: input.author.type, id: input.author.id ?? null, name: input.author.name ?? null },
        text: input.text,
        clientMessageId,
        createdAt: now,
        ...(input.interrupted === true && { interrupted: true }),
        ...(input.attachments?.length && { attachments: copy(input.attachments) }),
        ...(input.private === true && { private: true }),
      };
      log.messages.push(message);
      log.times.push({ receivedAt: input.receivedAt ?? null, deliveredAt: null });
      if (clientMessageId !== null) log.byClientId.set(clientMessageId, message);
      this.conversations.set(conversation.id, {
        ...conversation,
        lastSeq: message.seq,
        updatedAt: bumpIso(conversation.updatedAt),
      });
      results.push({ message: copy(message), created: true, conversation: state });
    }
    return results;
  }

  async markDelivered(deliveries: readonly Delivery[]): Promise<void> {
    for (const delivery of deliveries) {
      const times = this.logs.get(delivery.conversationId)?.times[delivery.seq - 1];
      if (times && times.deliveredAt === null) times.deliveredAt = delivery.at;
    }
  }

  async recordBotTurn(turn: BotTurn): Promise<void> {
    if (!scoped(this.conversations, turn.workspaceId, turn.conversationId)) throw notFound('conversation');
    // Normalised as the SQL stores keep it (milliseconds); throws on an invalid time before storing.
    const startedAt = iso(toMs(turn.startedAt));
    this.botTurns.push({ ...copy(turn), startedAt });
  }

  async conversationTimeline(
    workspaceId: string,
    conversationId: string,
  ): Promise<ConversationTimeline | null> {
    if (!scoped(this.conversations, workspaceId, conversationId)) return null;
    const log = this.logs.get(conversationId)!;
    return {
      messages: log.messages.map((m, i) => ({
        seq: m.seq,
        messageId: m.id,
        author: copy(m.author),
        private: m.private === true,
        receivedAt: isoOrNull(log.times[i]!.receivedAt),
        storedAt: m.createdAt,
        deliveredAt: isoOrNull(log.times[i]!.deliveredAt),
      })),
      // Stable: equal (questionSeq, startedAt) keep the order recorded.
      botTurns: this.botTurns
        .filter((t) => t.conversationId === conversationId)
        .sort((a, b) => a.questionSeq - b.questionSeq || Date.parse(a.startedAt) - Date.parse(b.startedAt))
        .map(copy),
    };
  }

  async reportRows(workspaceId: string, from: string, to: string): Promise<ReportRows> {
    const [start, end] = [toMs(from), toMs(to)];
    const inPeriod = (at: string) => {
      const ms = Date.parse(at);
      return ms >= start && ms < end;
    };
    const rows: ReportRows = { conversations: [], botTurns: [] };
    const conversations = [...this.conversations.values()].filter((c) => c.workspaceId === workspaceId);
    for (const c of oldestFirst(conversations, (c) => c.createdAt)) {
      if (inPeriod(c.createdAt)) {
        rows.conversations.push({
          id: c.id,
          status: c.status,
          assigneeId: c.assigneeId,
          createdAt: c.createdAt,
          queuedAt: c.queuedAt,
          firstResponseAt: c.firstResponseAt,
          resolvedAt: c.resolvedAt,
          rating: copy(c.rating),
        });
      }
    }
    const turns = this.botTurns.filter((t) => t.workspaceId === workspaceId && inPeriod(t.startedAt));
    for (const t of turns.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))) {
      rows.botTurns.push({
        conversationId: t.conversationId,
        outcome: t.outcome,
        startedAt: t.startedAt,
        handedOff: t.handedOff,
        costUsd: t.model?.costUsd ?? 0,
      });
    }
    return rows;
  }

  async listMessages(query: MessageQuery): Promise<Message[]> {
    if (!scoped(this.conversations, query.workspaceId, query.conversationId)) return [];
    const messages = this.logs.get(query.conversationId)!.messages;
    const start = Math.max(0, Math.floor(query.afterSeq));
    const limit = clampLimit(query.limit, MESSAGE_LIMIT);
    if (query.includePrivate) return messages.slice(start, start + limit).map(copy);
    const page: Message[] = [];
    for (let i = start; i < messages.length && page.length < limit; i++) {
      if (!messages[i]!.private) page.push(copy(messages[i]!));
    }
    return page;
  }

  async createConversationWithMessage(input: NewConversationWithMessage) {
    const { conversation: newConversation, message: newMessage, visitorPatch } = input;
    const visitor = scoped(this.visitors, newConversation.workspaceId, newConversation.visitorId);
    if (!visitor) throw notFound('visitor');
    if (visitorPatch?.userId !== undefined) {
      this.checkUserIdFree(visitor.workspaceId, visitorPatch.userId, visitor.id);
    }
    // Nothing below can fail: the three writes happen together.
    const updatedVisitor = visitorPatch
      ? (await this.updateVisitor(visitor.workspaceId, visitor.id, visitorPatch))!
      : copy(visitor);
    const created = await this.createConversation(newConversation);
    const [result] = await this.appendMessages([
      { ...newMessage, workspaceId: created.workspaceId, conversationId: created.id },
    ]);
    const conversation = (await this.getConversation(created.workspaceId, created.id))!;
    return { conversation, message: result!.message, visitor: updatedVisitor };
  }

  async createArticle(input: NewArticle): Promise<Article> {
    const now = nowIso();
    const article: Article = {
      id: newId('art'),
      workspaceId: input.workspaceId,
      title: input.title,
      body: input.body,
      tags: copy(input.tags),
      createdAt: now,
      updatedAt: now,
    };
    this.articles.set(article.id, article);
    return copy(article);
  }

  async getArticle(workspaceId: string, id: string): Promise<Article | null> {
    const article = scoped(this.articles, workspaceId, id);
    return article ? copy(article) : null;
  }

  async listArticles(workspaceId: string): Promise<Article[]> {
    return [...this.articles.values()]
      .filter((a) => a.workspaceId === workspaceId)
      .sort((a, b) => compareDesc(a.updatedAt, b.updatedAt) || compareDesc(a.id, b.id))
      .map(copy);
  }

  async updateArticle(workspaceId: string, id: string, patch: ArticlePatch): Promise<Article | null> {
    const article = scoped(this.articles, workspaceId, id);
    if (!article) return null;
    const updated: Article = {
      ...article,
      ...copy(pickDefined(patch, ARTICLE_PATCH_KEYS)),
      updatedAt: bumpIso(article.updatedAt),
    };
    this.articles.set(id, updated);
    return copy(updated);
  }

  async deleteArticle(workspaceId: string, id: string): Promise<boolean> {
    if (!scoped(this.articles, workspaceId, id)) return false;
    return this.articles.delete(id);
  }

  async createAttachment(input: NewAttachment): Promise<AttachmentRecord> {
    if (this.attachments.has(input.id)) throw new AppError('CONFLICT', 'attachment id already in use');
    const attachment: AttachmentRecord = { ...copy(input), createdAt: nowIso() };
    this.attachments.set(attachment.id, attachment);
    return copy(attachment);
  }

  async getAttachment(workspaceId: string, id: string): Promise<AttachmentRecord | null> {
    const attachment = scoped(this.attachments, workspaceId, id);
    return attachment ? copy(attachment) : null;
  }

  async findAttachment(id: string): Promise<AttachmentRecord | null> {
    const attachment = this.attachments.get(id);
    return attachment ? copy(attachment) : null;
  }

  async createCannedReply(input: NewCannedReply): Promise<CannedReply> {
    this.checkShortcutFree(input.workspaceId, input.shortcut, null);
    const now = nowIso();
    const reply: CannedReply = {
      id: newId('cr'),
      workspaceId: input.workspaceId,
      shortcut: input.shortcut,
      text: input.text,
      createdAt: now,
      updatedAt: now,
    };
    this.cannedReplies.set(reply.id, reply);
    return copy(reply);
  }

  async getCannedReply(workspaceId: string, id: string): Promise<CannedReply | null> {
    const reply = scoped(this.cannedReplies, workspaceId, id);
    return reply ? copy(reply) : null;
  }

  async listCannedReplies(workspaceId: string): Promise<CannedReply[]> {
    return [...this.cannedReplies.values()]
      .filter((r) => r.workspaceId === workspaceId)
      .sort((a, b) => -compareDesc(a.shortcut, b.shortcut))
      .map(copy);
  }

  async updateCannedReply(
    workspaceId: string,
    id: string,
    patch: CannedReplyPatch,
  ): Promise<CannedReply | null> {
    const reply = scoped(this.cannedReplies, workspaceId, id);
    if (!reply) return null;
    if (patch.shortcut !== undefined) this.checkShortcutFree(workspaceId, patch.shortcut, id);
    const updated: CannedReply = {
      ...reply,
      ...pickDefined(patch, CANNED_REPLY_PATCH_KEYS),
      updatedAt: bumpIso(reply.updatedAt),
    };
    this.cannedReplies.set(id, updated);
    return copy(updated);
  }

  async deleteCannedReply(workspaceId: string, id: string): Promise<boolean> {
    if (!scoped(this.cannedReplies, workspaceId, id)) return false;
    return this.cannedReplies.delete(id);
  }

  async createWebhook(input: NewWebhook): Promise<WebhookRecord> {
    const webhook: WebhookRecord = {
      id: newId('wh'),
      workspaceId: input.workspaceId,
      url: input.url,
      events: copy(input.events),
      secret: input.secret,
      createdAt: nowIso(),
    };
    this.webhooks.set(webhook.id, webhook);
    return copy(webhook);
  }

  async listWebhooks(workspaceId: string): Promise<WebhookRecord[]> {
    const webhooks = [...this.webhooks.values()].filter((w) => w.workspaceId === workspaceId);
    return oldestFirst(webhooks, (w) => w.createdAt).map(copy);
  }

  async deleteWebhook(workspaceId: string, id: string): Promise<boolean> {
    if (!scoped(this.webhooks, workspaceId, id)) return false;
    return this.webhooks.delete(id);
  }

  private checkUserIdFree(workspaceId: string, userId: string | null, exceptId: string | null): void {
    if (userId === null) return;
    for (const visitor of this.visitors.values()) {
      if (visitor.workspaceId === workspaceId && visitor.userId === userId && visitor.id !== exceptId) {
        throw new AppError('CONFLICT', 'user id already tied to another visitor');
      }
    }
  }

  private checkShortcutFree(workspaceId: string, shortcut: string, exceptId: string | null): void {
    for (const reply of this.cannedReplies.values()) {
      if (reply.workspaceId === workspaceId && reply.shortcut === shortcut && reply.id !== exceptId) {
        throw new AppError('CONFLICT', 'a canned reply with this shortcut already exists');
      }
    }
  }

  private findWorkspaceByWidgetKey(widgetKey: string): Workspace | undefined {
    for (const workspace of this.workspaces.values()) {
      if (workspace.widgetKey === widgetKey) return workspace;
    }
    return undefined;
  }
}

function scoped<T extends { workspaceId: string }>(map: Map<string, T>, workspaceId: string, id: string) {
  const value = map.get(id);
  return value && value.workspaceId === workspaceId ? value : undefined;
}

const compareDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** Stable: equal keys keep insertion order (SQLite breaks the tie by rowid). */
function oldestFirst<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => -compareDesc(key(a), key(b)));
}
