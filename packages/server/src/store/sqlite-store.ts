import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type Article,
  type Attachment,
  type AuthorType,
  type CannedReply,
  type Conversation,
  type ConversationStatus,
  DEFAULT_WIDGET_SETTINGS,
  type Message,
  type Role,
  type Visitor,
  type WebhookEventType,
  type Workspace,
} from '@unique-support/protocol';
import Database from 'better-sqlite3';
import type { BotTurn } from '../bot/bot-turn.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { migrateSqlite } from './sqlite-migrations.ts';
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
  ConversationState,
  ConversationTimeline,
  Delivery,
  MessageQuery,
  MessageTiming,
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
  CONVERSATION_STATUSES,
  clampLimit,
  escapeLike,
  iso,
  isoOrNull,
  MESSAGE_LIMIT,
  toMs,
} from './store-helpers.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. The parent directory is created if missing. */
  path: string;
  /** NORMAL (default) survives a process crash; FULL also survives power loss. See ADR 0003. */
  synchronous?: 'NORMAL' | 'FULL';
}

type SqlValue = string | number | null;

interface WorkspaceRow {
  id: string;
  name: string;
  widget_key: string;
  bot_enabled: number;
  widget: string;
  created_at: number;
}

interface AgentRow {
  id: string;
  workspace_id: string;
  name: string;
  email: string;
  role: Role;
  max_concurrent: number;
  password_hash: string;
  created_at: number;
}

interface VisitorRow {
  id: string;
  workspace_id: string;
  name: string | null;
  email: string | null;
  attributes: string;
  page_url: string | null;
  ip: string | null;
  user_id: string | null;
  created_at: number;
  last_seen_at: number;
}

interface ConversationRow {
  id: string;
  workspace_id: string;
  visitor_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  created_at: number;
  updated_at: number;
  last_seq: number;
  queued_at: number | null;
  first_response_at: number | null;
  resolved_at: number | null;
  visitor_read_seq: number;
  agent_read_seq: number;
  rating: string | null;
  labels: string;
}

interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  author_type: AuthorType;
  author_id: string | null;
  author_name: string | null;
  text: string;
  client_message_id: string | null;
  created_at: number;
  interrupted: number;
  attachments: string | null;
  is_private: number;
}

/** A message as inserted: with the time the server received it (not read back with the message). */
interface NewMessageRow extends MessageRow {
  received_at: number | null;
}

interface MessageTimingRow {
  id: string;
  seq: number;
  author_type: AuthorType;
  author_id: string | null;
  author_name: string | null;
  is_private: number;
  received_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

interface BotTurnRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  question_seq: number;
  answer_seq: number | null;
  outcome: BotTurn['outcome'];
  cache: BotTurn['cache'];
  handed_off: number;
  provider: string | null;
  cost_usd: number;
  started_at: number;
  duration_ms: number;
  /** JSON of `BotTurnDetails`. */
  details: string;
}

/** What a bot turn keeps in its `details` JSON column. */
type BotTurnDetails = Pick<BotTurn, 'articles' | 'model' | 'failedProviders'>;

type ReportConversationRow = Pick<
  ConversationRow,
  | 'id'
  | 'status'
  | 'assignee_id'
  | 'created_at'
  | 'queued_at'
  | 'first_response_at'
  | 'resolved_at'
  | 'rating'
>;

type ReportBotTurnRow = Pick<
  BotTurnRow,
  'conversation_id' | 'outcome' | 'started_at' | 'handed_off' | 'cost_usd'
>;

interface AttachmentRow {
  id: string;
  workspace_id: string;
  uploader_type: 'agent' | 'visitor';
  uploader_id: string;
  name: string;
  content_type: string;
  size: number;
  url: string;
  created_at: number;
}

interface CannedReplyRow {
  id: string;
  workspace_id: string;
  shortcut: string;
  text: string;
  created_at: number;
  updated_at: number;
}

interface WebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string;
  secret: string;
  created_at: number;
}

interface ArticleRow {
  id: string;
  workspace_id: string;
  title: string;
  body: string;
  tags: string;
  created_at: number;
  updated_at: number;
}

const toWorkspace = (r: WorkspaceRow): Workspace => ({
  id: r.id,
  name: r.name,
  widgetKey: r.widget_key,
  botEnabled: r.bot_enabled === 1,
  widget: { ...DEFAULT_WIDGET_SETTINGS, ...JSON.parse(r.widget) },
  createdAt: iso(r.created_at),
});

const toAgent = (r: AgentRow): AgentRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  email: r.email,
  role: r.role,
  maxConcurrent: r.max_concurrent,
  passwordHash: r.password_hash,
  createdAt: iso(r.created_at),
});

const toVisitor = (r: VisitorRow): Visitor => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  email: r.email,
  attributes: JSON.parse(r.attributes),
  pageUrl: r.page_url,
  ip: r.ip,
  userId: r.user_id,
  createdAt: iso(r.created_at),
  lastSeenAt: iso(r.last_seen_at),
});

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  workspaceId: r.workspace_id,
  visitorId: r.visitor_id,
  status: r.status,
  assigneeId: r.assignee_id,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  lastSeq: r.last_seq,
  queuedAt: isoOrNull(r.queued_at),
  firstResponseAt: isoOrNull(r.first_response_at),
  resolvedAt: isoOrNull(r.resolved_at),
  visitorReadSeq: r.visitor_read_seq,
  agentReadSeq: r.agent_read_seq,
  rating: r.rating === null ? null : JSON.parse(r.rating),
  labels: JSON.parse(r.labels),
});

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  seq: r.seq,
  author: { type: r.author_type, id: r.author_id, name: r.author_name },
  text: r.text,
  clientMessageId: r.client_message_id,
  createdAt: iso(r.created_at),
  ...(r.interrupted === 1 && { interrupted: true }),
  ...(r.attachments !== null && { attachments: JSON.parse(r.attachments) as Attachment[] }),
  ...(r.is_private === 1 && { private: true }),
});

const toMessageTiming = (r: MessageTimingRow): MessageTiming => ({
  seq: r.seq,
  messageId: r.id,
  author: { type: r.author_type, id: r.author_id, name: r.author_name },
  private: r.is_private === 1,
  receivedAt: isoOrNull(r.received_at),
  storedAt: iso(r.created_at),
  deliveredAt: isoOrNull(r.delivered_at),
});

const toBotTurn = (r: BotTurnRow): BotTurn => {
  const details = JSON.parse(r.details) as BotTurnDetails;
  return {
    workspaceId: r.workspace_id,
    conversationId: r.conversation_id,
    questionSeq: r.question_seq,
    answerSeq: r.answer_seq,
    outcome: r.outcome,
    cache: r.cache,
    articles: details.articles,
    model: details.model,
    failedProviders: details.failedProviders,
    handedOff: r.handed_off === 1,
    startedAt: iso(r.started_at),
    durationMs: r.duration_ms,
  };
};

const toAttachment = (r: AttachmentRow): AttachmentRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  uploader: { type: r.uploader_type, id: r.uploader_id },
  name: r.name,
  contentType: r.content_type,
  size: r.size,
  url: r.url,
  createdAt: iso(r.created_at),
});

const toCannedReply = (r: CannedReplyRow): CannedReply => ({
  id: r.id,
  workspaceId: r.workspace_id,
  shortcut: r.shortcut,
  text: r.text,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const toWebhook = (r: WebhookRow): WebhookRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  secret: r.secret,
  createdAt: iso(r.created_at),
});

const toArticle = (r: ArticleRow): Article => ({
  id: r.id,
  workspaceId: r.workspace_id,
  title: r.title,
  body: r.body,
  tags: JSON.parse(r.tags),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const WORKSPACE_PATCH_COLUMNS = ['name', 'bot_enabled', 'widget'] as const;
const AGENT_PATCH_COLUMNS = ['name', 'role', 'max_concurrent', 'password_hash'] as const;
const VISITOR_PATCH_COLUMNS = [
  'name',
  'email',
  'attributes',
  'page_url',
  'ip',
  'last_seen_at',
  'user_id',
] as const;
const CANNED_REPLY_PATCH_COLUMNS = ['shortcut', 'text'] as const;
const ARTICLE_PATCH_COLUMNS = ['title', 'body', 'tags'] as const;
const CONVERSATION_PATCH_COLUMNS = [
  'status',
  'assignee_id',
  'queued_at',
  'first_response_at',
  'resolved_at',
  'visitor_read_seq',
  'agent_read_seq',
  'rating',
  'labels',
] as const;

/**
 * Partial updates with one prepared statement: `@set_<col>` (0/1) says whether
 * `@<col>` replaces the column, so an explicit null is distinguishable from "unchanged".
 */
const setClause = (columns: readonly string[]) =>
  columns.map((c) => `${c} = CASE WHEN @set_${c} THEN @${c} ELSE ${c} END`).join(', ');

function patchParams<C extends string>(values: Record<C, SqlValue | undefined>): Record<string, SqlValue> {
  const params: Record<string, SqlValue> = {};
  for (const [column, value] of Object.entries<SqlValue | undefined>(values)) {
    params[`set_${column}`] = value === undefined ? 0 : 1;
    params[column] = value ?? null;
  }
  return params;
}

const MESSAGE_COLUMNS =
  'm.id, m.conversation_id, m.seq, m.author_type, m.author_id, m.author_name, m.text, m.client_message_id, m.created_at, m.interrupted, m.attachments, m.is_private';

function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    getSecret: db.prepare<[string]>('SELECT value FROM secrets WHERE name = ?').pluck(),
    insertSecret: db.prepare<[string, string]>('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)'),

    insertWorkspace: db.prepare<WorkspaceRow>(
      `INSERT INTO workspaces (id, name, widget_key, bot_enabled, widget, created_at)
       VALUES (@id, @name, @widget_key, @bot_enabled, @widget, @created_at)`,
    ),
    getWorkspace: db.prepare<[string], WorkspaceRow>('SELECT * FROM workspaces WHERE id = ?'),
    getWorkspaceByWidgetKey: db.prepare<[string], WorkspaceRow>(
      'SELECT * FROM workspaces WHERE widget_key = ?',
    ),
    updateWorkspace: db.prepare<Record<string, SqlValue>, WorkspaceRow>(
      `UPDATE workspaces SET ${setClause(WORKSPACE_PATCH_COLUMNS)} WHERE id = @id RETURNING *`,
    ),
    firstWorkspace: db.prepare<[], WorkspaceRow>(
      'SELECT * FROM workspaces ORDER BY created_at, rowid LIMIT 1',
    ),

    insertAgent: db.prepare<AgentRow>(
      `INSERT INTO agents (id, workspace_id, name, email, role, max_concurrent, password_hash, created_at)
       VALUES (@id, @workspace_id, @name, @email, @role, @max_concurrent, @password_hash, @created_at)`,
    ),
    getAgent: db.prepare<[string, string], AgentRow>(
      'SELECT * FROM agents WHERE id = ? AND workspace_id = ?',
    ),
    getAgentByEmail: db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE email = ?'),
    listAgents: db.prepare<[string], AgentRow>(
      'SELECT * FROM agents WHERE workspace_id = ? ORDER BY created_at, rowid',
    ),
    updateAgent: db.prepare<Record<string, SqlValue>, AgentRow>(
      `UPDATE agents SET ${setClause(AGENT_PATCH_COLUMNS)}
       WHERE id = @id AND workspace_id = @workspace_id RETURNING *`,
    ),
    countAgents: db.prepare<[]>('SELECT COUNT(*) FROM agents').pluck(),

    insertVisitor: db.prepare<VisitorRow>(
      `INSERT INTO visitors (id, workspace_id, name, email, attributes, page_url, ip, user_id, created_at,
         last_seen_at)
       VALUES (@id, @workspace_id, @name, @email, @attributes, @page_url, @ip, @user_id, @created_at,
         @last_seen_at)`,
    ),
    getVisitor: db.prepare<[string, string], VisitorRow>(
      'SELECT * FROM visitors WHERE id = ? AND workspace_id = ?',
    ),
    updateVisitor: db.prepare<Record<string, SqlValue>, VisitorRow>(
      `UPDATE visitors SET ${setClause(VISITOR_PATCH_COLUMNS)}
       WHERE id = @id AND workspace_id = @workspace_id RETURNING *`,
    ),
    getVisitorByUserId: db.prepare<[string, string], VisitorRow>(
      'SELECT * FROM visitors WHERE workspace_id = ? AND user_id = ?',
    ),

    insertConversation: db.prepare<ConversationRow>(
      `INSERT INTO conversations (id, workspace_id, visitor_id, status, assignee_id, created_at, updated_at,
         last_seq, queued_at, first_response_at, resolved_at, visitor_read_seq, agent_read_seq, rating, labels)
       VALUES (@id, @workspace_id, @visitor_id, @status, @assignee_id, @created_at, @updated_at,
         @last_seq, @queued_at, @first_response_at, @resolved_at, @visitor_read_seq, @agent_read_seq, @rating,
         @labels)`,
    ),
    getConversation: db.prepare<[string, string], ConversationRow>(
      'SELECT * FROM conversations WHERE id = ? AND workspace_id = ?',
    ),
    // The preconditions are part of the WHERE clause, so check-and-write is one atomic statement.
    updateConversation: db.prepare<Record<string, SqlValue>, ConversationRow>(
      `UPDATE conversations SET ${setClause(CONVERSATION_PATCH_COLUMNS)}, updated_at = MAX(updated_at, @now)
       WHERE id = @id AND workspace_id = @workspace_id
         AND (@check_status = 0 OR status IN (SELECT value FROM json_each(@expect_status)))
         AND (@check_assignee = 0 OR assignee_id IS @expect_assignee)
       RETURNING *`,
    ),
    countAssignedByAgent: db.prepare<[string], { assignee_id: string; n: number }>(
      `SELECT assignee_id, COUNT(*) AS n FROM conversations
       WHERE workspace_id = ? AND status = 'assigned' AND assignee_id IS NOT NULL
       GROUP BY assignee_id`,
    ),
    listAssignees: db.prepare<[], { workspace_id: string; assignee_id: string }>(
      `SELECT DISTINCT workspace_id, assignee_id FROM conversations
       WHERE status = 'assigned' AND assignee_id IS NOT NULL`,
    ),
    listQueued: db.prepare<[], ConversationRow>(
      `SELECT * FROM conversations WHERE status = 'queued' ORDER BY queued_at, rowid`,
    ),

    conversationSeq: db.prepare<
      [string, string],
      { last_seq: number; status: ConversationStatus; first_response_at: number | null }
    >('SELECT last_seq, status, first_response_at FROM conversations WHERE id = ? AND workspace_id = ?'),
    messageByClientId: db.prepare<[string, string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ? AND m.client_message_id = ?`,
    ),
    insertMessage: db.prepare<NewMessageRow>(
      `INSERT INTO messages (id, conversation_id, seq, author_type, author_id, author_name, text,
         client_message_id, created_at, interrupted, attachments, is_private, received_at)
       VALUES (@id, @conversation_id, @seq, @author_type, @author_id, @author_name, @text,
         @client_message_id, @created_at, @interrupted, @attachments, @is_private, @received_at)`,
    ),
    advanceConversation: db.prepare<[number, number, string]>(
      'UPDATE conversations SET last_seq = ?, updated_at = MAX(updated_at, ?) WHERE id = ?',
    ),
    listMessages: db.prepare<
      {
        workspace_id: string;
        conversation_id: string;
        after_seq: number;
        limit: number;
        include_private: number;
      },
      MessageRow
    >(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.id = @conversation_id AND c.workspace_id = @workspace_id AND m.seq > @after_seq
         AND (@include_private = 1 OR m.is_private = 0)
       ORDER BY m.seq LIMIT @limit`,
    ),
    // Through the unique index messages_seq; a delivery time once set is kept.
    markDelivered: db.prepare<[number, string, number]>(
      `UPDATE messages SET delivered_at = ?
       WHERE conversation_id = ? AND seq = ? AND delivered_at IS NULL`,
    ),
    // Only for a conversation of the turn's workspace: 0 rows inserted otherwise.
    insertBotTurn: db.prepare<BotTurnRow>(
      `INSERT INTO bot_turns (id, workspace_id, conversation_id, question_seq, answer_seq, outcome, cache,
         handed_off, provider, cost_usd, started_at, duration_ms, details)
       SELECT @id, @workspace_id, @conversation_id, @question_seq, @answer_seq, @outcome, @cache,
         @handed_off, @provider, @cost_usd, @started_at, @duration_ms, @details
       FROM conversations WHERE id = @conversation_id AND workspace_id = @workspace_id`,
    ),
    timelineMessages: db.prepare<[string], MessageTimingRow>(
      `SELECT id, seq, author_type, author_id, author_name, is_private, received_at, created_at, delivered_at
       FROM messages WHERE conversation_id = ? ORDER BY seq`,
    ),
    timelineBotTurns: db.prepare<[string], BotTurnRow>(
      `SELECT id, workspace_id, conversation_id, question_seq, answer_seq, outcome, cache, handed_off, provider,
         cost_usd, started_at, duration_ms, details
       FROM bot_turns WHERE conversation_id = ? ORDER BY question_seq, started_at, rowid`,
    ),
    reportConversations: db.prepare<[string, number, number], ReportConversationRow>(
      `SELECT id, status, assignee_id, created_at, queued_at, first_response_at, resolved_at, rating
       FROM conversations WHERE workspace_id = ? AND created_at >= ? AND created_at < ?
       ORDER BY created_at, rowid`,
    ),
    reportBotTurns: db.prepare<[string, number, number], ReportBotTurnRow>(
      `SELECT conversation_id, outcome, started_at, handed_off, cost_usd
       FROM bot_turns WHERE workspace_id = ? AND started_at >= ? AND started_at < ?
       ORDER BY started_at, rowid`,
    ),

    insertArticle: db.prepare<ArticleRow>(
      `INSERT INTO articles (id, workspace_id, title, body, tags, created_at, updated_at)
       VALUES (@id, @workspace_id, @title, @body, @tags, @created_at, @updated_at)`,
    ),
    getArticle: db.prepare<[string, string], ArticleRow>(
      'SELECT * FROM articles WHERE id = ? AND workspace_id = ?',
    ),
    listArticles: db.prepare<[string], ArticleRow>(
      'SELECT * FROM articles WHERE workspace_id = ? ORDER BY updated_at DESC, id DESC',
    ),
    updateArticle: db.prepare<Record<string, SqlValue>, ArticleRow>(
      `UPDATE articles SET ${setClause(ARTICLE_PATCH_COLUMNS)}, updated_at = MAX(updated_at, @now)
       WHERE id = @id AND workspace_id = @workspace_id RETURNING *`,
    ),
    deleteArticle: db.prepare<[string, string]>('DELETE FROM articles WHERE id = ? AND workspace_id = ?'),

    insertAttachment: db.prepare<AttachmentRow>(
      `INSERT INTO attachments (id, workspace_id, uploader_type, uploader_id, name, content_type, size, url,
         created_at)
       VALUES (@id, @workspace_id, @uploader_type, @uploader_id, @name, @content_type, @size, @url,
         @created_at)`,
    ),
    getAttachment: db.prepare<[string, string], AttachmentRow>(
      'SELECT * FROM attachments WHERE id = ? AND workspace_id = ?',
    ),
    findAttachment: db.prepare<[string], AttachmentRow>('SELECT * FROM attachments WHERE id = ?'),

    insertCannedReply: db.prepare<CannedReplyRow>(
      `INSERT INTO canned_replies (id, workspace_id, shortcut, text, created_at, updated_at)
       VALUES (@id, @workspace_id, @shortcut, @text, @created_at, @updated_at)`,
    ),
    getCannedReply: db.prepare<[string, string], CannedReplyRow>(
      'SELECT * FROM canned_replies WHERE id = ? AND workspace_id = ?',
    ),
    listCannedReplies: db.prepare<[string], CannedReplyRow>(
      'SELECT * FROM canned_replies WHERE workspace_id = ? ORDER BY shortcut',
    ),
    updateCannedReply: db.prepare<Record<string, SqlValue>, CannedReplyRow>(
      `UPDATE canned_replies SET ${setClause(CANNED_REPLY_PATCH_COLUMNS)}, updated_at = MAX(updated_at, @now)
       WHERE id = @id AND workspace_id = @workspace_id RETURNING *`,
    ),
    deleteCannedReply: db.prepare<[string, string]>(
      'DELETE FROM canned_replies WHERE id = ? AND workspace_id = ?',
    ),

    insertWebhook: db.prepare<WebhookRow>(
      `INSERT INTO webhooks (id, workspace_id, url, events, secret, created_at)
       VALUES (@id, @workspace_id, @url, @events, @secret, @created_at)`,
    ),
    listWebhooks: db.prepare<[string], WebhookRow>(
      'SELECT * FROM webhooks WHERE workspace_id = ? ORDER BY created_at, rowid',
    ),
    deleteWebhook: db.prepare<[string, string]>('DELETE FROM webhooks WHERE id = ? AND workspace_id = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

interface Open {
  db: Database.Database;
  /** Started with the first message append, for a database file (not in memory). */
  checkpointer: SqliteCheckpointer | null;
  st: Statements;
  appendTx: Database.Transaction<(batch: readonly NewMessage[]) => AppendResult[]>;
  markDeliveredTx: Database.Transaction<(deliveries: readonly Delivery[]) => void>;
  timelineTx: Database.Transaction<
    (workspaceId: string, conversationId: string) => ConversationTimeline | null
  >;
  listConversations: Map<string, Database.Statement<[Record<string, SqlValue>], ConversationRow>>;
}

/** The newest first, `@limit` of them, by the index that serves `filter` (`where` its conditions). */
function listConversationsSql(filter: ConversationFilter, where: string): string {
  const newest = 'ORDER BY updated_at DESC, id DESC LIMIT @limit';
  // Left alone, SQLite walks a status's recency index for a visitor's few conversations.
  if (filter.visitorId !== undefined) {
    return `SELECT * FROM conversations INDEXED BY conversations_visitor WHERE ${where} ${newest}`;
  }
  if (filter.status !== undefined) return `SELECT * FROM conversations WHERE ${where} ${newest}`;
  // Every status: each one's newest from conversations_status, merged (migration 7).
  const perStatus = CONVERSATION_STATUSES.map(
    (status) =>
      `SELECT * FROM (SELECT * FROM conversations WHERE ${where} AND status = '${status}' ${newest})`,
  );
  return `${perStatus.join(' UNION ALL ')} ${newest}`;
}

/** SQLite's default `wal_autocheckpoint`, in pages. */
const DEFAULT_WAL_AUTOCHECKPOINT = 1000;
/** The main connection's `wal_autocheckpoint` while the checkpoint thread runs. */
const WAL_BACKSTOP = 50_000;

const isUniqueViolation = (err: unknown) =>
  err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
const userIdTaken = () => new AppError('CONFLICT', 'user id already tied to another visitor');
const shortcutTaken = () => new AppError('CONFLICT', 'a canned reply with this shortcut already exists');

/** SQLite through better-sqlite3: synchronous calls, statements prepared once in `init()`. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly path: string;
  private readonly synchronous: 'NORMAL' | 'FULL';
  private open?: Open;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.synchronous = options.synchronous ?? 'NORMAL';
    if (this.synchronous !== 'NORMAL' && this.synchronous !== 'FULL') {
      throw new Error(`invalid synchronous mode: ${String(this.synchronous)}`);
    }
  }

  /** The underlying connection, for diagnostics and tests. */
  get database(): Database.Database {
    return this.conn.db;
  }

  async init(): Promise<void> {
    if (this.open) return;
    if (this.onDisk) mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.synchronous}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrateSqlite(db);
      const st = prepareStatements(db);
      this.open = {
        db,
        checkpointer: null,
        st,
        appendTx: db.transaction((batch) => this.append(st, batch)),
        markDeliveredTx: db.transaction((deliveries) => {
          for (const d of deliveries) st.markDelivered.run(d.at, d.conversationId, d.seq);
        }),
        // A read transaction: the messages and the turns from one snapshot.
        timelineTx: db.transaction((workspaceId, conversationId) => {
          if (!st.conversationSeq.get(conversationId, workspaceId)) return null;
          return {
            messages: st.timelineMessages.all(conversationId).map(toMessageTiming),
            botTurns: st.timelineBotTurns.all(conversationId).map(toBotTurn),
          };
        }),
        listConversations: new Map(),
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.checkpointer?.stop();
    open?.db.close();
  }

  async ping(): Promise<void> {
    this.conn.st.ping.get();
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const { st } = this.conn;
    const existing = st.getSecret.get(name) as string | undefined;
    if (existing !== undefined) return existing;
    // Another process may insert between our SELECT and INSERT: the first value stored wins.
    st.insertSecret.run(name, create());
    return st.getSecret.get(name) as string;
  }

  async createWorkspace(input: NewWorkspace): Promise<Workspace> {
    return this.insertWorkspace(input);
  }

  private insertWorkspace(input: NewWorkspace): Workspace {
    const row: WorkspaceRow = {
      id: newId('ws'),
      name: input.name,
      widget_key: input.widgetKey,
      bot_enabled: input.botEnabled ? 1 : 0,
      widget: JSON.stringify(input.widget ?? DEFAULT_WIDGET_SETTINGS),
      created_at: Date.now(),
    };
    try {
      this.conn.st.insertWorkspace.run(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'widget key already in use');
      throw err;
    }
    return toWorkspace(row);
  }

  async createWorkspaceWithAgent(
    workspace: NewWorkspace,
    agent: Omit<NewAgent, 'workspaceId'>,
  ): Promise<{ workspace: Workspace; agent: AgentRecord }> {
    const both = this.conn.db.transaction(() => {
      const created = this.insertWorkspace(workspace);
      return { workspace: created, agent: this.insertAgent({ ...agent, workspaceId: created.id }) };
    });
    return both.immediate();
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const row = this.conn.st.getWorkspace.get(id);
    return row ? toWorkspace(row) : null;
  }

  async getWorkspaceByWidgetKey(widgetKey: string): Promise<Workspace | null> {
    const row = this.conn.st.getWorkspaceByWidgetKey.get(widgetKey);
    return row ? toWorkspace(row) : null;
  }

  async updateWorkspace(id: string, patch: WorkspacePatch): Promise<Workspace | null> {
    const row = this.conn.st.updateWorkspace.get({
      id,
      ...patchParams<(typeof WORKSPACE_PATCH_COLUMNS)[number]>({
        name: patch.name,
        bot_enabled: patch.botEnabled === undefined ? undefined : patch.botEnabled ? 1 : 0,
        widget: patch.widget === undefined ? undefined : JSON.stringify(patch.widget),
      }),
    });
    return row ? toWorkspace(row) : null;
  }

  async firstWorkspace(): Promise<Workspace | null> {
    const row = this.conn.st.firstWorkspace.get();
    return row ? toWorkspace(row) : null;
  }

  async createAgent(input: NewAgent): Promise<AgentRecord> {
    return this.insertAgent(input);
  }

  private insertAgent(input: NewAgent): AgentRecord {
    const row: AgentRow = {
      id: newId('ag'),
      workspace_id: input.workspaceId,
      name: input.name,
      email: input.email.toLowerCase(),
      role: input.role,
      max_concurrent: input.maxConcurrent,
      password_hash: input.passwordHash,
      created_at: Date.now(),
    };
    try {
      this.conn.st.insertAgent.run(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'e-mail already in use');
      throw err;
    }
    return toAgent(row);
  }

  async getAgent(workspaceId: string, id: string): Promise<AgentRecord | null> {
    const row = this.conn.st.getAgent.get(id, workspaceId);
    return row ? toAgent(row) : null;
  }

  async getAgentByEmail(email: string): Promise<AgentRecord | null> {
    const row = this.conn.st.getAgentByEmail.get(email.toLowerCase());
    return row ? toAgent(row) : null;
  }

  async listAgents(workspaceId: string): Promise<AgentRecord[]> {
    return this.conn.st.listAgents.all(workspaceId).map(toAgent);
  }

  async updateAgent(workspaceId: string, id: string, patch: AgentPatch): Promise<AgentRecord | null> {
    const row = this.conn.st.updateAgent.get({
      id,
      workspace_id: workspaceId,
      ...patchParams<(typeof AGENT_PATCH_COLUMNS)[number]>({
        name: patch.name,
        role: patch.role,
        max_concurrent: patch.maxConcurrent,
        password_hash: patch.passwordHash,
      }),
    });
    return row ? toAgent(row) : null;
  }

  async countAgents(): Promise<number> {
    return this.conn.st.countAgents.get() as number;
  }

  async createVisitor(input: NewVisitor): Promise<Visitor> {
    return this.insertVisitor(input);
  }

  private insertVisitor(input: NewVisitor): Visitor {
    const now = Date.now();
    const row: VisitorRow = {
      id: newId('vi'),
      workspace_id: input.workspaceId,
      name: input.name,
      email: input.email,
      attributes: JSON.stringify(input.attributes),
      page_url: input.pageUrl,
      ip: input.ip,
      user_id: input.userId ?? null,
      created_at: now,
      last_seen_at: now,
    };
    try {
      this.conn.st.insertVisitor.run(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw userIdTaken();
      throw err;
    }
    return toVisitor(row);
  }

  async getVisitor(workspaceId: string, id: string): Promise<Visitor | null> {
    const row = this.conn.st.getVisitor.get(id, workspaceId);
    return row ? toVisitor(row) : null;
  }

  async updateVisitor(workspaceId: string, id: string, patch: VisitorPatch): Promise<Visitor | null> {
    return this.patchVisitor(workspaceId, id, patch);
  }

  async getVisitorByUserId(workspaceId: string, userId: string): Promise<Visitor | null> {
    const row = this.conn.st.getVisitorByUserId.get(workspaceId, userId);
    return row ? toVisitor(row) : null;
  }

  private patchVisitor(workspaceId: string, id: string, patch: VisitorPatch): Visitor | null {
    let row: VisitorRow | undefined;
    try {
      row = this.conn.st.updateVisitor.get({
        id,
        workspace_id: workspaceId,
        ...patchParams<(typeof VISITOR_PATCH_COLUMNS)[number]>({
          name: patch.name,
          email: patch.email,
          attributes: patch.attributes === undefined ? undefined : JSON.stringify(patch.attributes),
          page_url: patch.pageUrl,
          ip: patch.ip,
          last_seen_at: toMs(patch.lastSeenAt),
          user_id: patch.userId,
        }),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw userIdTaken();
      throw err;
    }
    return row ? toVisitor(row) : null;
  }

  async createConversation(input: NewConversation): Promise<Conversation> {
    return this.insertConversation(input);
  }

  private insertConversation(input: NewConversation): Conversation {
    const now = Date.now();
    const row: ConversationRow = {
      id: newId('cv'),
      workspace_id: input.workspaceId,
      visitor_id: input.visitorId,
      status: input.status,
      assignee_id: null,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      queued_at: toMs(input.queuedAt),
      first_response_at: null,
      resolved_at: null,
      visitor_read_seq: 0,
      agent_read_seq: 0,
      rating: null,
      labels: '[]',
    };
    this.conn.st.insertConversation.run(row);
    return toConversation(row);
  }

  async getConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    const row = this.conn.st.getConversation.get(id, workspaceId);
    return row ? toConversation(row) : null;
  }

  async listConversations(filter: ConversationFilter): Promise<Conversation[]> {
    const params: Record<string, SqlValue> = {
      workspace_id: filter.workspaceId,
      limit: clampLimit(filter.limit, CONVERSATION_LIMIT),
    };
    const conditions = ['workspace_id = @workspace_id'];
    for (const [column, value] of [
      ['status', filter.status],
      ['assignee_id', filter.assigneeId],
      ['visitor_id', filter.visitorId],
    ] as const) {
      if (value === undefined) continue;
      conditions.push(`${column} = @${column}`);
      params[column] = value;
    }
    if (filter.label !== undefined) {
      conditions.push('EXISTS (SELECT 1 FROM json_each(conversations.labels) l WHERE l.value = @label)');
      params.label = filter.label;
    }
    if (filter.text !== undefined) {
      conditions.push(
        `EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
           AND m.text LIKE @text ESCAPE '\\')`,
      );
      params.text = `%${escapeLike(filter.text)}%`;
    }
    // One statement per combination of filters, prepared on first use.
    const key = conditions.join(' AND ');
    const { db, listConversations } = this.conn;
    let stmt = listConversations.get(key);
    if (!stmt) {
      stmt = db.prepare<Record<string, SqlValue>, ConversationRow>(listConversationsSql(filter, key));
      listConversations.set(key, stmt);
    }
    return stmt.all(params).map(toConversation);
  }

  async updateConversation(
    workspaceId: string,
    id: string,
    patch: ConversationPatch,
    expect?: ConversationExpectation,
  ): Promise<Conversation | null> {
    const row = this.conn.st.updateConversation.get({
      id,
      workspace_id: workspaceId,
      now: Date.now(),
      check_status: expect?.status === undefined ? 0 : 1,
      expect_status: JSON.stringify(expect?.status ?? []),
      check_assignee: expect?.assigneeId === undefined ? 0 : 1,
      expect_assignee: expect?.assigneeId ?? null,
      ...patchParams<(typeof CONVERSATION_PATCH_COLUMNS)[number]>({
        status: patch.status,
        assignee_id: patch.assigneeId,
        queued_at: toMs(patch.queuedAt),
        first_response_at: toMs(patch.firstResponseAt),
        resolved_at: toMs(patch.resolvedAt),
        visitor_read_seq: patch.visitorReadSeq,
        agent_read_seq: patch.agentReadSeq,
        rating: patch.rating === undefined ? undefined : JSON.stringify(patch.rating),
        labels: patch.labels === undefined ? undefined : JSON.stringify(patch.labels),
      }),
    });
    return row ? toConversation(row) : null;
  }

  async countAssignedByAgent(workspaceId: string): Promise<Map<string, number>> {
    const rows = this.conn.st.countAssignedByAgent.all(workspaceId);
    return new Map(rows.map((r) => [r.assignee_id, r.n]));
  }

  async listAssignees(): Promise<{ workspaceId: string; agentId: string }[]> {
    return this.conn.st.listAssignees
      .all()
      .map((r) => ({ workspaceId: r.workspace_id, agentId: r.assignee_id }));
  }

  async listQueued(): Promise<Conversation[]> {
    return this.conn.st.listQueued.all().map(toConversation);
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    if (this.conn.checkpointer === null && this.onDisk) this.startCheckpointer();
    // IMMEDIATE: take the write lock up front, so a concurrent writer waits (busy_timeout) instead of failing.
    return this.conn.appendTx.immediate(batch);
  }

  async markDelivered(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // One write transaction per batch, the write lock taken up front (as appendMessages).
    this.conn.markDeliveredTx.immediate(deliveries);
  }

  async recordBotTurn(turn: BotTurn): Promise<void> {
    const details: BotTurnDetails = {
      articles: turn.articles,
      model: turn.model,
      failedProviders: turn.failedProviders,
    };
    const { changes } = this.conn.st.insertBotTurn.run({
      id: newId('bt'),
      workspace_id: turn.workspaceId,
      conversation_id: turn.conversationId,
      question_seq: turn.questionSeq,
      answer_seq: turn.answerSeq,
      outcome: turn.outcome,
      cache: turn.cache,
      handed_off: turn.handedOff ? 1 : 0,
      provider: turn.model?.provider ?? null,
      cost_usd: turn.model?.costUsd ?? 0,
      started_at: toMs(turn.startedAt),
      duration_ms: turn.durationMs,
      details: JSON.stringify(details),
    });
    if (changes === 0) throw notFound('conversation');
  }

  async conversationTimeline(
    workspaceId: string,
    conversationId: string,
  ): Promise<ConversationTimeline | null> {
    return this.conn.timelineTx(workspaceId, conversationId);
  }

  async reportRows(workspaceId: string, from: string, to: string): Promise<ReportRows> {
    const { st } = this.conn;
    const [start, end] = [toMs(from), toMs(to)];
    return {
      conversations: st.reportConversations.all(workspaceId, start, end).map((r) => ({
        id: r.id,
        status: r.status,
        assigneeId: r.assignee_id,
        createdAt: iso(r.created_at),
        queuedAt: isoOrNull(r.queued_at),
        firstResponseAt: isoOrNull(r.first_response_at),
        resolvedAt: isoOrNull(r.resolved_at),
        rating: r.rating === null ? null : JSON.parse(r.rating),
      })),
      botTurns: st.reportBotTurns.all(workspaceId, start, end).map((r) => ({
        conversationId: r.conversation_id,
        outcome: r.outcome,
        startedAt: iso(r.started_at),
        handedOff: r.handed_off === 1,
        costUsd: r.cost_usd,
      })),
    };
  }

  async listMessages(query: MessageQuery): Promise<Message[]> {
    const rows = this.conn.st.listMessages.all({
      workspace_id: query.workspaceId,
      conversation_id: query.conversationId,
      after_seq: query.afterSeq,
      limit: clampLimit(query.limit, MESSAGE_LIMIT),
      include_private: query.includePrivate ? 1 : 0,
    });
    return rows.map(toMessage);
  }

  async createConversationWithMessage(input: NewConversationWithMessage) {
    const { conversation: newConversation, message, visitorPatch } = input;
    const { db, st } = this.conn;
    const all = db.transaction(() => {
      const { workspaceId, visitorId } = newConversation;
      const visitor = visitorPatch
        ? this.patchVisitor(workspaceId, visitorId, visitorPatch)
        : (() => {
            const row = st.getVisitor.get(visitorId, workspaceId);
            return row ? toVisitor(row) : null;
          })();
      if (!visitor) throw notFound('visitor');
      const created = this.insertConversation(newConversation);
      const [result] = this.append(st, [{ ...message, workspaceId, conversationId: created.id }]);
      const row = st.getConversation.get(created.id, workspaceId)!;
      return { conversation: toConversation(row), message: result!.message, visitor };
    });
    return all.immediate();
  }

  async createAttachment(input: NewAttachment): Promise<AttachmentRecord> {
    const row: AttachmentRow = {
      id: input.id,
      workspace_id: input.workspaceId,
      uploader_type: input.uploader.type,
      uploader_id: input.uploader.id,
      name: input.name,
      content_type: input.contentType,
      size: input.size,
      url: input.url,
      created_at: Date.now(),
    };
    try {
      this.conn.st.insertAttachment.run(row);
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new AppError('CONFLICT', 'attachment id already in use');
      }
      throw err;
    }
    return toAttachment(row);
  }

  async getAttachment(workspaceId: string, id: string): Promise<AttachmentRecord | null> {
    const row = this.conn.st.getAttachment.get(id, workspaceId);
    return row ? toAttachment(row) : null;
  }

  async findAttachment(id: string): Promise<AttachmentRecord | null> {
    const row = this.conn.st.findAttachment.get(id);
    return row ? toAttachment(row) : null;
  }

  async createCannedReply(input: NewCannedReply): Promise<CannedReply> {
    const now = Date.now();
    const row: CannedReplyRow = {
      id: newId('cr'),
      workspace_id: input.workspaceId,
      shortcut: input.shortcut,
      text: input.text,
      created_at: now,
      updated_at: now,
    };
    try {
      this.conn.st.insertCannedReply.run(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken();
      throw err;
    }
    return toCannedReply(row);
  }

  async getCannedReply(workspaceId: string, id: string): Promise<CannedReply | null> {
    const row = this.conn.st.getCannedReply.get(id, workspaceId);
    return row ? toCannedReply(row) : null;
  }

  async listCannedReplies(workspaceId: string): Promise<CannedReply[]> {
    return this.conn.st.listCannedReplies.all(workspaceId).map(toCannedReply);
  }

  async updateCannedReply(
    workspaceId: string,
    id: string,
    patch: CannedReplyPatch,
  ): Promise<CannedReply | null> {
    let row: CannedReplyRow | undefined;
    try {
      row = this.conn.st.updateCannedReply.get({
        id,
        workspace_id: workspaceId,
        now: Date.now(),
        ...patchParams<(typeof CANNED_REPLY_PATCH_COLUMNS)[number]>({
          shortcut: patch.shortcut,
          text: patch.text,
        }),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken();
      throw err;
    }
    return row ? toCannedReply(row) : null;
  }

  async deleteCannedReply(workspaceId: string, id: string): Promise<boolean> {
    return this.conn.st.deleteCannedReply.run(id, workspaceId).changes > 0;
  }

  async createWebhook(input: NewWebhook): Promise<WebhookRecord> {
    const row: WebhookRow = {
      id: newId('wh'),
      workspace_id: input.workspaceId,
      url: input.url,
      events: JSON.stringify(input.events),
      secret: input.secret,
      created_at: Date.now(),
    };
    this.conn.st.insertWebhook.run(row);
    return toWebhook(row);
  }

  async listWebhooks(workspaceId: string): Promise<WebhookRecord[]> {
    return this.conn.st.listWebhooks.all(workspaceId).map(toWebhook);
  }

  async deleteWebhook(workspaceId: string, id: string): Promise<boolean> {
    return this.conn.st.deleteWebhook.run(id, workspaceId).changes > 0;
  }

  async createArticle(input: NewArticle): Promise<Article> {
    const now = Date.now();
    const row: ArticleRow = {
      id: newId('art'),
      workspace_id: input.workspaceId,
      title: input.title,
      body: input.body,
      tags: JSON.stringify(input.tags),
      created_at: now,
      updated_at: now,
    };
    this.conn.st.insertArticle.run(row);
    return toArticle(row);
  }

  async getArticle(workspaceId: string, id: string): Promise<Article | null> {
    const row = this.conn.st.getArticle.get(id, workspaceId);
    return row ? toArticle(row) : null;
  }

  async listArticles(workspaceId: string): Promise<Article[]> {
    return this.conn.st.listArticles.all(workspaceId).map(toArticle);
  }

  async updateArticle(workspaceId: string, id: string, patch: ArticlePatch): Promise<Article | null> {
    const row = this.conn.st.updateArticle.get({
      id,
      workspace_id: workspaceId,
      now: Date.now(),
      ...patchParams<(typeof ARTICLE_PATCH_COLUMNS)[number]>({
        title: patch.title,
        body: patch.body,
        tags: patch.tags === undefined ? undefined : JSON.stringify(patch.tags),
      }),
    });
    return row ? toArticle(row) : null;
  }

  async deleteArticle(workspaceId: string, id: string): Promise<boolean> {
    return this.conn.st.deleteArticle.run(id, workspaceId).changes > 0;
  }

  /** Runs inside the batch transaction; a throw rolls the whole batch back. */
  private append(st: Statements, batch: readonly NewMessage[]): AppendResult[] {
    const now = Date.now();
    const touched = new Map<
      string,
      { workspaceId: string; lastSeq: number; advanced: boolean; state: ConversationState }
    >();
    const results: AppendResult[] = [];
    for (const input of batch) {
      let conversation = touched.get(input.conversationId);
      if (!conversation) {
        const row = st.conversationSeq.get(input.conversationId, input.workspaceId);
        if (!row) throw notFound('conversation');
        conversation = {
          workspaceId: input.workspaceId,
          lastSeq: row.last_seq,
          advanced: false,
          state: { status: row.status, firstResponseAt: isoOrNull(row.first_response_at) },
        };
        touched.set(input.conversationId, conversation);
      } else if (conversation.workspaceId !== input.workspaceId) {
        throw notFound('conversation');
      }

      const clientMessageId = input.clientMessageId ?? null;
      if (clientMessageId !== null) {
        const existing = st.messageByClientId.get(input.conversationId, clientMessageId);
        if (existing) {
          results.push({ message: toMessage(existing), created: false, conversation: conversation.state });
          continue;
        }
      }

      conversation.lastSeq += 1;
      conversation.advanced = true;
      const row: NewMessageRow = {
        id: input.id ?? newId('msg'),
        conversation_id: input.conversationId,
        seq: conversation.lastSeq,
        author_type: input.author.type,
        author_id: input.author.id ?? null,
        author_name: input.author.name ?? null,
        text: input.text,
        client_message_id: clientMessageId,
        created_at: now,
        interrupted: input.interrupted === true ? 1 : 0,
        attachments: input.attachments?.length ? JSON.stringify(input.attachments) : null,
        is_private: input.private === true ? 1 : 0,
        received_at: input.receivedAt ?? null,
      };
      st.insertMessage.run(row);
      results.push({ message: toMessage(row), created: true, conversation: conversation.state });
    }
    for (const [id, conversation] of touched) {
      if (conversation.advanced) st.advanceConversation.run(conversation.lastSeq, now, id);
    }
    return results;
  }

  /**
   * Checkpoints move to their own thread (decision 0009). SQLite's own automatic checkpoint
   * stays as a backstop at 50,000 pages (~200 MB of WAL: at 10,000 messages a second the WAL
   * grows ~50,000 pages a second, and a backstop at 10,000 ran on the event loop several times
   * a second), and comes back at the usual size if the thread fails.
   */
  private startCheckpointer(): void {
    const { db } = this.conn;
    this.conn.checkpointer = new SqliteCheckpointer(this.path, this.synchronous, () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_WAL_AUTOCHECKPOINT}`);
    });
    db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP}`);
  }

  private get onDisk(): boolean {
    return this.path !== ':memory:' && this.path !== '';
  }

  private get conn(): Open {
    if (!this.open) throw new Error('SqliteStore is not open: call init()');
    return this.open;
  }
}
