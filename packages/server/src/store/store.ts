import type {
  Agent,
  Article,
  Attachment,
  Attributes,
  Author,
  BotTurn,
  CannedReply,
  Conversation,
  ConversationStatus,
  ConversationTimeline,
  Message,
  Role,
  Visitor,
  Webhook,
  WebhookEventType,
  WidgetSettings,
  Workspace,
} from '@unique-support/protocol';

export type { ConversationTimeline, MessageTiming } from '@unique-support/protocol';

/** An agent as stored, with the password hash that never leaves the server. */
export interface AgentRecord extends Omit<Agent, 'status'> {
  passwordHash: string;
}

export interface NewWorkspace {
  name: string;
  widgetKey: string;
  botEnabled: boolean;
  /** @default DEFAULT_WIDGET_SETTINGS */
  widget?: WidgetSettings;
}

export interface WorkspacePatch {
  name?: string;
  botEnabled?: boolean;
  /** Replaces the whole settings object (the caller merges). */
  widget?: WidgetSettings;
}

export interface NewAgent {
  workspaceId: string;
  name: string;
  /** Stored lower-cased; unique across all workspaces (login is by e-mail alone). */
  email: string;
  role: Role;
  maxConcurrent: number;
  passwordHash: string;
}

export interface AgentPatch {
  name?: string;
  role?: Role;
  maxConcurrent?: number;
  passwordHash?: string;
}

export interface NewVisitor {
  workspaceId: string;
  name: string | null;
  email: string | null;
  attributes: Attributes;
  pageUrl: string | null;
  ip: string | null;
  /** A verified user id; unique per workspace (CONFLICT when taken). @default null */
  userId?: string | null;
}

export interface VisitorPatch {
  name?: string | null;
  email?: string | null;
  /** Replaces the whole attribute map (the caller merges). */
  attributes?: Attributes;
  pageUrl?: string | null;
  ip?: string | null;
  lastSeenAt?: string;
  /** Unique per workspace: CONFLICT when another visitor has it. */
  userId?: string | null;
}

export interface NewConversation {
  workspaceId: string;
  visitorId: string;
  status: ConversationStatus;
  /** Set when the conversation starts `queued`. */
  queuedAt: string | null;
}

/** Fields a status change may set. `updatedAt` is set by the store on every update. */
export interface ConversationPatch {
  status?: ConversationStatus;
  assigneeId?: string | null;
  queuedAt?: string | null;
  firstResponseAt?: string | null;
  resolvedAt?: string | null;
  visitorReadSeq?: number;
  agentReadSeq?: number;
  rating?: { score: number; comment: string | null } | null;
  labels?: string[];
}

/** A precondition for an update: it applies only while the row still matches. */
export interface ConversationExpectation {
  status?: readonly ConversationStatus[];
  assigneeId?: string | null;
}

export interface ConversationFilter {
  workspaceId: string;
  status?: ConversationStatus;
  assigneeId?: string;
  visitorId?: string;
  /** Conversations whose labels include this one (exact match). */
  label?: string;
  /** Conversations with a message (notes included) containing this text, ASCII case-insensitively. */
  text?: string;
  /** Default 50, at most 200. */
  limit?: number;
}

export interface NewMessage {
  /** A message id chosen in advance (a bot answer announced by its deltas); generated when absent. */
  id?: string;
  workspaceId: string;
  conversationId: string;
  author: Author;
  text: string;
  clientMessageId: string | null;
  /** A bot answer cut short by a takeover. @default false */
  interrupted?: boolean;
  /** Stored with the message as they are. @default [] */
  attachments?: Attachment[];
  /** A private note (agents only). @default false */
  private?: boolean;
  /** When the server received it (ms since the epoch), for the timeline; absent: unknown. */
  receivedAt?: number;
}

/** The first delivery of a message to someone other than its author (ms since the epoch). */
export interface Delivery {
  conversationId: string;
  seq: number;
  at: number;
}

/** What the reports are computed from: a workspace's conversations and bot turns in a period. */
export interface ReportRows {
  /** Conversations created in the period. */
  conversations: Pick<
    Conversation,
    'id' | 'status' | 'assigneeId' | 'createdAt' | 'queuedAt' | 'firstResponseAt' | 'resolvedAt' | 'rating'
  >[];
  /** Bot turns started in the period. */
  botTurns: (Pick<BotTurn, 'conversationId' | 'outcome' | 'startedAt' | 'handedOff'> & { costUsd: number })[];
}

export interface NewArticle {
  workspaceId: string;
  title: string;
  body: string;
  tags: string[];
}

export interface ArticlePatch {
  title?: string;
  body?: string;
  tags?: string[];
}

export interface AppendResult {
  message: Message;
  /** false when `clientMessageId` had been stored before and this is that message. */
  created: boolean;
  /** The conversation's status and first response as the message was stored (what its effects depend on). */
  conversation: ConversationState;
}

export type ConversationState = Pick<Conversation, 'status' | 'firstResponseAt'>;

export interface MessageQuery {
  workspaceId: string;
  conversationId: string;
  afterSeq: number;
  /** Default 100, at most 1000. */
  limit?: number;
  /**
   * Include private notes (what agents see). When false (the default, what visitors and the
   * bot see) notes are skipped: the page holds up to `limit` other messages, with gaps in seq.
   */
  includePrivate?: boolean;
}

/** An uploaded file's metadata; the bytes are kept by the FileStorage. */
export interface AttachmentRecord extends Attachment {
  workspaceId: string;
  uploader: { type: 'agent' | 'visitor'; id: string };
  createdAt: string;
}

export interface NewAttachment {
  /** Chosen by the caller (random, unguessable): the file is stored under it first. */
  id: string;
  workspaceId: string;
  uploader: { type: 'agent' | 'visitor'; id: string };
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export interface NewCannedReply {
  workspaceId: string;
  shortcut: string;
  text: string;
}

export interface CannedReplyPatch {
  shortcut?: string;
  text?: string;
}

/** A webhook as stored, with its signing secret (never listed over the API). */
export interface WebhookRecord extends Webhook {
  secret: string;
}

export interface NewWebhook {
  workspaceId: string;
  url: string;
  events: WebhookEventType[];
  secret: string;
}

/** A new conversation that starts with a message (an offline message), in one transaction. */
export interface NewConversationWithMessage {
  conversation: NewConversation;
  message: Omit<NewMessage, 'workspaceId' | 'conversationId'>;
  /** Applied to the conversation's visitor in the same transaction. */
  visitorPatch?: VisitorPatch;
}

/**
 * Durable state. Shaped by what the app does, not by a backend: every
 * implementation (memory, SQLite, PostgreSQL) passes the same contract suite
 * (`store-contract.ts`). Reads scoped to a workspace return null for another
 * workspace's object, never the object.
 */
export interface Store {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** Opens the database and applies pending migrations. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** Returns the stored secret `name`, creating it with `create()` the first time (atomically). */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;

  createWorkspace(input: NewWorkspace): Promise<Workspace>;
  /** A workspace and its first agent, both or neither (CONFLICT when the e-mail is taken). */
  createWorkspaceWithAgent(
    workspace: NewWorkspace,
    agent: Omit<NewAgent, 'workspaceId'>,
  ): Promise<{ workspace: Workspace; agent: AgentRecord }>;
  getWorkspace(id: string): Promise<Workspace | null>;
  getWorkspaceByWidgetKey(widgetKey: string): Promise<Workspace | null>;
  updateWorkspace(id: string, patch: WorkspacePatch): Promise<Workspace | null>;
  /** The oldest workspace (the demo one on a fresh database), or null. */
  firstWorkspace(): Promise<Workspace | null>;

  /** Throws AppError CONFLICT when the e-mail is taken. */
  createAgent(input: NewAgent): Promise<AgentRecord>;
  getAgent(workspaceId: string, id: string): Promise<AgentRecord | null>;
  getAgentByEmail(email: string): Promise<AgentRecord | null>;
  /** Oldest first. */
  listAgents(workspaceId: string): Promise<AgentRecord[]>;
  updateAgent(workspaceId: string, id: string, patch: AgentPatch): Promise<AgentRecord | null>;
  countAgents(): Promise<number>;

  createVisitor(input: NewVisitor): Promise<Visitor>;
  getVisitor(workspaceId: string, id: string): Promise<Visitor | null>;
  /** Throws AppError CONFLICT when the patch sets a `userId` another visitor of the workspace has. */
  updateVisitor(workspaceId: string, id: string, patch: VisitorPatch): Promise<Visitor | null>;
  /** The visitor tied to a verified user id of the workspace, or null. */
  getVisitorByUserId(workspaceId: string, userId: string): Promise<Visitor | null>;

  createConversation(input: NewConversation): Promise<Conversation>;
  getConversation(workspaceId: string, id: string): Promise<Conversation | null>;
  /** Newest activity (`updatedAt`) first; every given filter applies (AND). */
  listConversations(filter: ConversationFilter): Promise<Conversation[]>;
  /**
   * Creates the conversation, updates its visitor and appends its first message (seq 1), all
   * or nothing. NOT_FOUND (and nothing written) when the visitor is not in the workspace.
   */
  createConversationWithMessage(
    input: NewConversationWithMessage,
  ): Promise<{ conversation: Conversation; message: Message; visitor: Visitor }>;
  /**
   * Applies `patch` and bumps `updatedAt`. Returns null when the conversation is not in
   * the workspace or no longer matches `expect` (then nothing is written).
   */
  updateConversation(
    workspaceId: string,
    id: string,
    patch: ConversationPatch,
    expect?: ConversationExpectation,
  ): Promise<Conversation | null>;
  /** Number of `assigned` conversations per agent of the workspace (agents with none are absent). */
  countAssignedByAgent(workspaceId: string): Promise<Map<string, number>>;
  /** Every (workspace, agent) pair with at least one `assigned` conversation, across all workspaces. */
  listAssignees(): Promise<{ workspaceId: string; agentId: string }[]>;
  /** Every conversation in `queued`, oldest `queuedAt` first, across all workspaces. */
  listQueued(): Promise<Conversation[]>;

  /**
   * Stores a batch in one transaction, in order. Each new message gets the
   * conversation's next `seq` (1, 2, 3... no gaps) and moves the conversation's
   * `lastSeq` and `updatedAt`. A `clientMessageId` already stored in the
   * conversation (earlier, or earlier in the same batch) returns that message with
   * `created: false` and stores nothing. Resolves only once the batch is durable.
   * A message whose conversation does not exist in its workspace rejects the whole batch.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  /**
   * Records first deliveries: a message's `deliveredAt` is set once (later ones are ignored,
   * also from other nodes). Unknown messages are ignored.
   */
  markDelivered(deliveries: readonly Delivery[]): Promise<void>;
  /** Keeps what a bot turn did (the timeline, the reports). */
  recordBotTurn(turn: BotTurn): Promise<void>;
  /** Timings of every message (notes included) and every bot turn; null when not in the workspace. */
  conversationTimeline(workspaceId: string, conversationId: string): Promise<ConversationTimeline | null>;
  /** Rows for the reports: `from` inclusive, `to` exclusive (ISO times). */
  reportRows(workspaceId: string, from: string, to: string): Promise<ReportRows>;
  /** Oldest first, `seq > afterSeq`. */
  listMessages(query: MessageQuery): Promise<Message[]>;

  createArticle(input: NewArticle): Promise<Article>;
  getArticle(workspaceId: string, id: string): Promise<Article | null>;
  /** Every article of the workspace, newest `updatedAt` first. */
  listArticles(workspaceId: string): Promise<Article[]>;
  updateArticle(workspaceId: string, id: string, patch: ArticlePatch): Promise<Article | null>;
  /** false when there was no such article in the workspace. */
  deleteArticle(workspaceId: string, id: string): Promise<boolean>;

  createAttachment(input: NewAttachment): Promise<AttachmentRecord>;
  getAttachment(workspaceId: string, id: string): Promise<AttachmentRecord | null>;
  /**
   * Unscoped on purpose: an upload's URL is a capability (its id is random), served to
   * whoever holds it, as an <img> cannot send a token.
   */
  findAttachment(id: string): Promise<AttachmentRecord | null>;

  /** CONFLICT when the shortcut is taken in the workspace. */
  createCannedReply(input: NewCannedReply): Promise<CannedReply>;
  getCannedReply(workspaceId: string, id: string): Promise<CannedReply | null>;
  /** By shortcut, ascending. */
  listCannedReplies(workspaceId: string): Promise<CannedReply[]>;
  /** CONFLICT when the new shortcut is taken; null (nothing written) for another workspace. */
  updateCannedReply(workspaceId: string, id: string, patch: CannedReplyPatch): Promise<CannedReply | null>;
  deleteCannedReply(workspaceId: string, id: string): Promise<boolean>;

  createWebhook(input: NewWebhook): Promise<WebhookRecord>;
  /** Oldest first, with their secrets. */
  listWebhooks(workspaceId: string): Promise<WebhookRecord[]>;
  deleteWebhook(workspaceId: string, id: string): Promise<boolean>;
}
