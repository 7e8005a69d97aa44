import type {
  Agent,
  Article,
  Attributes,
  Author,
  Conversation,
  ConversationStatus,
  Message,
  Role,
  Visitor,
  Workspace,
} from '@unique-support/protocol';

/** An agent as stored, with the password hash that never leaves the server. */
export interface AgentRecord extends Omit<Agent, 'status'> {
  passwordHash: string;
}

export interface NewWorkspace {
  name: string;
  widgetKey: string;
  botEnabled: boolean;
}

export interface WorkspacePatch {
  name?: string;
  botEnabled?: boolean;
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
}

export interface VisitorPatch {
  name?: string | null;
  email?: string | null;
  /** Replaces the whole attribute map (the caller merges). */
  attributes?: Attributes;
  pageUrl?: string | null;
  ip?: string | null;
  lastSeenAt?: string;
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
}

export interface MessageQuery {
  workspaceId: string;
  conversationId: string;
  afterSeq: number;
  /** Default 100, at most 1000. */
  limit?: number;
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
  updateVisitor(workspaceId: string, id: string, patch: VisitorPatch): Promise<Visitor | null>;

  createConversation(input: NewConversation): Promise<Conversation>;
  getConversation(workspaceId: string, id: string): Promise<Conversation | null>;
  /** Newest activity (`updatedAt`) first. */
  listConversations(filter: ConversationFilter): Promise<Conversation[]>;
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
  /** Oldest first, `seq > afterSeq`. */
  listMessages(query: MessageQuery): Promise<Message[]>;

  createArticle(input: NewArticle): Promise<Article>;
  getArticle(workspaceId: string, id: string): Promise<Article | null>;
  /** Every article of the workspace, newest `updatedAt` first. */
  listArticles(workspaceId: string): Promise<Article[]>;
  updateArticle(workspaceId: string, id: string, patch: ArticlePatch): Promise<Article | null>;
  /** false when there was no such article in the workspace. */
  deleteArticle(workspaceId: string, id: string): Promise<boolean>;
}
