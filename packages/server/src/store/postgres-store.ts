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
  type WidgetSettings,
  type Workspace,
} from '@unique-support/protocol';
import pg from 'pg';
import type { BotTurn } from '../bot/bot-turn.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { migratePostgres } from './postgres-migrations.ts';
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
  foldAscii,
  iso,
  isoOrNull,
  MESSAGE_LIMIT,
  toMs,
} from './store-helpers.ts';

export interface PostgresStoreOptions {
  /** A `postgres://` connection string (`?options=-c search_path=...` selects a schema). */
  url: string;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
}

/** Anything that can run a query: the pool, or a client inside a transaction. */
type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

interface WorkspaceRow {
  id: string;
  name: string;
  widget_key: string;
  bot_enabled: boolean;
  widget: Partial<WidgetSettings>;
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
  attributes: Visitor['attributes'];
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
  rating: Conversation['rating'];
  labels: string[];
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
  interrupted: boolean;
  attachments: Attachment[] | null;
  is_private: boolean;
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
  is_private: boolean;
  received_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

/** What a bot turn keeps in its `details` column. */
type BotTurnDetails = Pick<BotTurn, 'articles' | 'model' | 'failedProviders'>;

interface BotTurnRow {
  workspace_id: string;
  conversation_id: string;
  question_seq: number;
  answer_seq: number | null;
  outcome: BotTurn['outcome'];
  cache: BotTurn['cache'];
  handed_off: boolean;
  started_at: number;
  duration_ms: number;
  details: BotTurnDetails;
}

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

interface ReportBotTurnRow {
  conversation_id: string;
  outcome: BotTurn['outcome'];
  started_at: number;
  handed_off: boolean;
  cost_usd: number;
}

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
  events: WebhookEventType[];
  secret: string;
  created_at: number;
}

interface ArticleRow {
  id: string;
  workspace_id: string;
  title: string;
  body: string;
  tags: string[];
  created_at: number;
  updated_at: number;
}

const json = (value: unknown) => JSON.stringify(value);

const toWorkspace = (r: WorkspaceRow): Workspace => ({
  id: r.id,
  name: r.name,
  widgetKey: r.widget_key,
  botEnabled: r.bot_enabled,
  widget: { ...DEFAULT_WIDGET_SETTINGS, ...r.widget },
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
  attributes: r.attributes,
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
  rating: r.rating,
  labels: r.labels,
});

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  seq: r.seq,
  author: { type: r.author_type, id: r.author_id, name: r.author_name },
  text: r.text,
  clientMessageId: r.client_message_id,
  createdAt: iso(r.created_at),
  ...(r.interrupted && { interrupted: true }),
  ...(r.attachments !== null && { attachments: r.attachments }),
  ...(r.is_private && { private: true }),
});

const toMessageTiming = (r: MessageTimingRow): MessageTiming => ({
  seq: r.seq,
  messageId: r.id,
  author: { type: r.author_type, id: r.author_id, name: r.author_name },
  private: r.is_private,
  receivedAt: isoOrNull(r.received_at),
  storedAt: iso(r.created_at),
  deliveredAt: isoOrNull(r.delivered_at),
});

const toBotTurn = (r: BotTurnRow): BotTurn => ({
  workspaceId: r.workspace_id,
  conversationId: r.conversation_id,
  questionSeq: r.question_seq,
  answerSeq: r.answer_seq,
  outcome: r.outcome,
  cache: r.cache,
  articles: r.details.articles,
  model: r.details.model,
  failedProviders: r.details.failedProviders,
  handedOff: r.handed_off,
  startedAt: iso(r.started_at),
  durationMs: r.duration_ms,
});

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
  events: r.events,
  secret: r.secret,
  createdAt: iso(r.created_at),
});

const toArticle = (r: ArticleRow): Article => ({
  id: r.id,
  workspaceId: r.workspace_id,
  title: r.title,
  body: r.body,
  tags: r.tags,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

type SqlValue = string | number | boolean | null;

/**
 * A partial update's SET list. Column names come from the caller's fixed list (never from
 * input); values are parameters, numbered from `firstParam`. Undefined values are left out.
 * `casts` gives a column's parameter type (`jsonb` for JSON columns).
 */
function setList(
  values: Record<string, SqlValue | undefined>,
  firstParam: number,
  casts: Record<string, string> = {},
): { sets: string[]; params: SqlValue[] } {
  const sets: string[] = [];
  const params: SqlValue[] = [];
  for (const [column, value] of Object.entries(values)) {
    if (value === undefined) continue;
    params.push(value);
    const cast = casts[column] ? `::${casts[column]}` : '';
    sets.push(`${column} = $${firstParam + params.length - 1}${cast}`);
  }
  return { sets, params };
}

const MESSAGE_COLUMNS =
  'm.id, m.conversation_id, m.seq, m.author_type, m.author_id, m.author_name, m.text, m.client_message_id, m.created_at, m.interrupted, m.attachments, m.is_private';

/** The PostgreSQL error code of a unique violation. */
const UNIQUE_VIOLATION = '23505';

const isUniqueViolation = (err: unknown, constraint?: string) =>
  err instanceof pg.DatabaseError &&
  err.code === UNIQUE_VIOLATION &&
  (constraint === undefined || err.constraint === constraint);
const userIdTaken = () => new AppError('CONFLICT', 'user id already tied to another visitor');
const shortcutTaken = () => new AppError('CONFLICT', 'a canned reply with this shortcut already exists');

/** int8 (bigint: the millisecond timestamps, COUNT(*)) as a JS number: every value stays below 2^53. */
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** PostgreSQL through a `pg.Pool`. Safe to run on several nodes against one database. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly url: string;
  private readonly poolSize: number;
  private pool?: pg.Pool;

  constructor(options: PostgresStoreOptions) {
    this.url = options.url;
    this.poolSize = options.poolSize ?? 10;
    if (!Number.isInteger(this.poolSize) || this.poolSize < 1) {
      throw new Error(`invalid pool size: ${String(options.poolSize)}`);
    }
  }

  async init(): Promise<void> {
    if (this.pool) return;
    const pool = new pg.Pool({ connectionString: this.url, max: this.poolSize, types: typeParsers });
    // An idle client losing its connection emits here; without a listener the process would exit.
    // The pool drops that client and the next query opens a new connection.
    pool.on('error', () => {});
    try {
      await migratePostgres(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const existing = await this.db.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [
      name,
    ]);
    if (existing.rows[0]) return existing.rows[0].value;
    // Another node may insert between our SELECT and INSERT: the first value stored wins.
    await this.db.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      create(),
    ]);
    const stored = await this.db.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [
      name,
    ]);
    return stored.rows[0]!.value;
  }

  async createWorkspace(input: NewWorkspace): Promise<Workspace> {
    return this.insertWorkspace(this.db, input);
  }

  private async insertWorkspace(q: Queryable, input: NewWorkspace): Promise<Workspace> {
    try {
      const { rows } = await q.query<WorkspaceRow>(
        `INSERT INTO workspaces (id, name, widget_key, bot_enabled, widget, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *`,
        [
          newId('ws'),
          input.name,
          input.widgetKey,
          input.botEnabled,
          json(input.widget ?? DEFAULT_WIDGET_SETTINGS),
          Date.now(),
        ],
      );
      return toWorkspace(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'widget key already in use');
      throw err;
    }
  }

  async createWorkspaceWithAgent(
    workspace: NewWorkspace,
    agent: Omit<NewAgent, 'workspaceId'>,
  ): Promise<{ workspace: Workspace; agent: AgentRecord }> {
    return this.transaction(async (client) => {
      const created = await this.insertWorkspace(client, workspace);
      return {
        workspace: created,
        agent: await this.insertAgent(client, { ...agent, workspaceId: created.id }),
      };
    });
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const { rows } = await this.db.query<WorkspaceRow>('SELECT * FROM workspaces WHERE id = $1', [id]);
    return rows[0] ? toWorkspace(rows[0]) : null;
  }

  async getWorkspaceByWidgetKey(widgetKey: string): Promise<Workspace | null> {
    const { rows } = await this.db.query<WorkspaceRow>('SELECT * FROM workspaces WHERE widget_key = $1', [
      widgetKey,
    ]);
    return rows[0] ? toWorkspace(rows[0]) : null;
  }

  async updateWorkspace(id: string, patch: WorkspacePatch): Promise<Workspace | null> {
    const { sets, params } = setList(
      {
        name: patch.name,
        bot_enabled: patch.botEnabled,
        widget: patch.widget === undefined ? undefined : json(patch.widget),
      },
      2,
      { widget: 'jsonb' },
    );
    const { rows } = await this.db.query<WorkspaceRow>(
      `UPDATE workspaces SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 RETURNING *`,
      [id, ...params],
    );
    return rows[0] ? toWorkspace(rows[0]) : null;
  }

  async firstWorkspace(): Promise<Workspace | null> {
    const { rows } = await this.db.query<WorkspaceRow>(
      'SELECT * FROM workspaces ORDER BY created_at, ord LIMIT 1',
    );
    return rows[0] ? toWorkspace(rows[0]) : null;
  }

  async createAgent(input: NewAgent): Promise<AgentRecord> {
    return this.insertAgent(this.db, input);
  }

  private async insertAgent(q: Queryable, input: NewAgent): Promise<AgentRecord> {
    try {
      const { rows } = await q.query<AgentRow>(
        `INSERT INTO agents (id, workspace_id, name, email, role, max_concurrent, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          newId('ag'),
          input.workspaceId,
          input.name,
          input.email.toLowerCase(),
          input.role,
          input.maxConcurrent,
          input.passwordHash,
          Date.now(),
        ],
      );
      return toAgent(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'e-mail already in use');
      throw err;
    }
  }

  async getAgent(workspaceId: string, id: string): Promise<AgentRecord | null> {
    const { rows } = await this.db.query<AgentRow>(
      'SELECT * FROM agents WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows[0] ? toAgent(rows[0]) : null;
  }

  async getAgentByEmail(email: string): Promise<AgentRecord | null> {
    const { rows } = await this.db.query<AgentRow>('SELECT * FROM agents WHERE email = $1', [
      email.toLowerCase(),
    ]);
    return rows[0] ? toAgent(rows[0]) : null;
  }

  async listAgents(workspaceId: string): Promise<AgentRecord[]> {
    const { rows } = await this.db.query<AgentRow>(
      'SELECT * FROM agents WHERE workspace_id = $1 ORDER BY created_at, ord',
      [workspaceId],
    );
    return rows.map(toAgent);
  }

  async updateAgent(workspaceId: string, id: string, patch: AgentPatch): Promise<AgentRecord | null> {
    const { sets, params } = setList(
      {
        name: patch.name,
        role: patch.role,
        max_concurrent: patch.maxConcurrent,
        password_hash: patch.passwordHash,
      },
      3,
    );
    const { rows } = await this.db.query<AgentRow>(
      `UPDATE agents SET ${sets.length ? sets.join(', ') : 'id = id'}
       WHERE id = $1 AND workspace_id = $2 RETURNING *`,
      [id, workspaceId, ...params],
    );
    return rows[0] ? toAgent(rows[0]) : null;
  }

  async countAgents(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM agents');
    return rows[0]!.n;
  }

  async createVisitor(input: NewVisitor): Promise<Visitor> {
    const now = Date.now();
    try {
      const { rows } = await this.db.query<VisitorRow>(
        `INSERT INTO visitors (id, workspace_id, name, email, attributes, page_url, ip, user_id, created_at,
           last_seen_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $9) RETURNING *`,
        [
          newId('vi'),
          input.workspaceId,
          input.name,
          input.email,
          json(input.attributes),
          input.pageUrl,
          input.ip,
          input.userId ?? null,
          now,
        ],
      );
      return toVisitor(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw userIdTaken();
      throw err;
    }
  }

  async getVisitor(workspaceId: string, id: string): Promise<Visitor | null> {
    return this.selectVisitor(this.db, workspaceId, id);
  }

  private async selectVisitor(q: Queryable, workspaceId: string, id: string): Promise<Visitor | null> {
    const { rows } = await q.query<VisitorRow>('SELECT * FROM visitors WHERE id = $1 AND workspace_id = $2', [
      id,
      workspaceId,
    ]);
    return rows[0] ? toVisitor(rows[0]) : null;
  }

  async updateVisitor(workspaceId: string, id: string, patch: VisitorPatch): Promise<Visitor | null> {
    return this.patchVisitor(this.db, workspaceId, id, patch);
  }

  async getVisitorByUserId(workspaceId: string, userId: string): Promise<Visitor | null> {
    const { rows } = await this.db.query<VisitorRow>(
      'SELECT * FROM visitors WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
    return rows[0] ? toVisitor(rows[0]) : null;
  }

  private async patchVisitor(
    q: Queryable,
    workspaceId: string,
    id: string,
    patch: VisitorPatch,
  ): Promise<Visitor | null> {
    const { sets, params } = setList(
      {
        name: patch.name,
        email: patch.email,
        attributes: patch.attributes === undefined ? undefined : json(patch.attributes),
        page_url: patch.pageUrl,
        ip: patch.ip,
        last_seen_at: toMs(patch.lastSeenAt),
        user_id: patch.userId,
      },
      3,
      { attributes: 'jsonb' },
    );
    try {
      const { rows } = await q.query<VisitorRow>(
        `UPDATE visitors SET ${sets.length ? sets.join(', ') : 'id = id'}
         WHERE id = $1 AND workspace_id = $2 RETURNING *`,
        [id, workspaceId, ...params],
      );
      return rows[0] ? toVisitor(rows[0]) : null;
    } catch (err) {
      if (isUniqueViolation(err)) throw userIdTaken();
      throw err;
    }
  }

  async createConversation(input: NewConversation): Promise<Conversation> {
    return this.insertConversation(this.db, input);
  }

  private async insertConversation(q: Queryable, input: NewConversation): Promise<Conversation> {
    const now = Date.now();
    const { rows } = await q.query<ConversationRow>(
      `INSERT INTO conversations (id, workspace_id, visitor_id, status, assignee_id, created_at, updated_at,
         last_seq, queued_at, labels)
       VALUES ($1, $2, $3, $4, NULL, $5, $5, 0, $6, '[]') RETURNING *`,
      [newId('cv'), input.workspaceId, input.visitorId, input.status, now, toMs(input.queuedAt)],
    );
    return toConversation(rows[0]!);
  }

  async getConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    return this.selectConversation(this.db, workspaceId, id);
  }

  private async selectConversation(q: Queryable, workspaceId: string, id: string) {
    const { rows } = await q.query<ConversationRow>(
      'SELECT * FROM conversations WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows[0] ? toConversation(rows[0]) : null;
  }

  async listConversations(filter: ConversationFilter): Promise<Conversation[]> {
    const params: SqlValue[] = [filter.workspaceId];
    const conditions = ['workspace_id = $1'];
    const param = (value: SqlValue) => {
      params.push(value);
      return `$${params.length}`;
    };
    for (const [column, value] of [
      ['status', filter.status],
      ['assignee_id', filter.assigneeId],
      ['visitor_id', filter.visitorId],
    ] as const) {
      if (value !== undefined) conditions.push(`${column} = ${param(value)}`);
    }
    if (filter.label !== undefined) {
      conditions.push(`labels @> jsonb_build_array(${param(filter.label)}::text)`);
    }
    if (filter.text !== undefined) {
      // ASCII-only case folding on both sides, as SQLite's LIKE does (lower() would fold more).
      conditions.push(
        `EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
           AND translate(m.text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
             LIKE ${param(`%${escapeLike(foldAscii(filter.text))}%`)} ESCAPE '\\')`,
      );
    }
    const limit = param(clampLimit(filter.limit, CONVERSATION_LIMIT));
    const where = conditions.join(' AND ');
    const newest = `ORDER BY updated_at DESC, id COLLATE "C" DESC LIMIT ${limit}`;
    // Every status: each one's newest from conversations_status, merged (migration 7).
    const sql =
      filter.status !== undefined || filter.visitorId !== undefined
        ? `SELECT * FROM conversations WHERE ${where} ${newest}`
        : `SELECT * FROM (${CONVERSATION_STATUSES.map(
            (status) => `(SELECT * FROM conversations WHERE ${where} AND status = '${status}' ${newest})`,
          ).join(' UNION ALL ')}) AS every_status ${newest}`;
    const { rows } = await this.db.query<ConversationRow>(sql, params);
    return rows.map(toConversation);
  }

  async updateConversation(
    workspaceId: string,
    id: string,
    patch: ConversationPatch,
    expect?: ConversationExpectation,
  ): Promise<Conversation | null> {
    const { sets, params } = setList(
      {
        status: patch.status,
        assignee_id: patch.assigneeId,
        queued_at: toMs(patch.queuedAt),
        first_response_at: toMs(patch.firstResponseAt),
        resolved_at: toMs(patch.resolvedAt),
        visitor_read_seq: patch.visitorReadSeq,
        agent_read_seq: patch.agentReadSeq,
        rating: patch.rating === undefined ? undefined : json(patch.rating),
        labels: patch.labels === undefined ? undefined : json(patch.labels),
      },
      4,
      { rating: 'jsonb', labels: 'jsonb' },
    );
    const all: unknown[] = [id, workspaceId, Date.now(), ...params];
    // The preconditions are part of the WHERE clause, so check-and-write is one atomic statement.
    const conditions = ['id = $1', 'workspace_id = $2'];
    if (expect?.status !== undefined) {
      all.push([...expect.status]);
      conditions.push(`status = ANY($${all.length}::text[])`);
    }
    if (expect?.assigneeId !== undefined) {
      all.push(expect.assigneeId);
      conditions.push(`assignee_id IS NOT DISTINCT FROM $${all.length}::text`);
    }
    const { rows } = await this.db.query<ConversationRow>(
      `UPDATE conversations SET ${[...sets, 'updated_at = GREATEST(updated_at, $3)'].join(', ')}
       WHERE ${conditions.join(' AND ')} RETURNING *`,
      all,
    );
    return rows[0] ? toConversation(rows[0]) : null;
  }

  async countAssignedByAgent(workspaceId: string): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ assignee_id: string; n: number }>(
      `SELECT assignee_id, COUNT(*) AS n FROM conversations
       WHERE workspace_id = $1 AND status = 'assigned' AND assignee_id IS NOT NULL
       GROUP BY assignee_id`,
      [workspaceId],
    );
    return new Map(rows.map((r) => [r.assignee_id, r.n]));
  }

  async listAssignees(): Promise<{ workspaceId: string; agentId: string }[]> {
    const { rows } = await this.db.query<{ workspace_id: string; assignee_id: string }>(
      `SELECT DISTINCT workspace_id, assignee_id FROM conversations
       WHERE status = 'assigned' AND assignee_id IS NOT NULL`,
    );
    return rows.map((r) => ({ workspaceId: r.workspace_id, agentId: r.assignee_id }));
  }

  async listQueued(): Promise<Conversation[]> {
    const { rows } = await this.db.query<ConversationRow>(
      `SELECT * FROM conversations WHERE status = 'queued' ORDER BY queued_at, ord`,
    );
    return rows.map(toConversation);
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    return this.transaction((client) => this.append(client, batch));
  }

  async markDelivered(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // The first delivery of a message in the batch wins, as it would one statement after another.
    const first = new Map<string, Delivery>();
    for (const d of deliveries) {
      const key = `${d.seq} ${d.conversationId}`;
      if (!first.has(key)) first.set(key, d);
    }
    const batch = [...first.values()];
    // One statement for the batch. Each delivery finds its message through the unique index
    // messages_seq: the LATERAL subquery (with its lock, it cannot be flattened) keeps the planner
    // from hashing the whole table for large batches. Nodes mark the same messages at about the
    // same time: a row another batch has locked is skipped (that batch is giving it its first
    // delivery), so batches never wait on each other and cannot deadlock.
    await this.db.query(
      `UPDATE messages m SET delivered_at = t.at
       FROM (
         SELECT target.id, d.at
         FROM unnest($1::text[], $2::int[], $3::bigint[]) AS d (conversation_id, seq, at)
         CROSS JOIN LATERAL (
           SELECT id FROM messages
           WHERE conversation_id = d.conversation_id AND seq = d.seq AND delivered_at IS NULL
           FOR UPDATE SKIP LOCKED
         ) target
       ) t
       WHERE m.id = t.id`,
      [batch.map((d) => d.conversationId), batch.map((d) => d.seq), batch.map((d) => d.at)],
    );
  }

  async recordBotTurn(turn: BotTurn): Promise<void> {
    const details: BotTurnDetails = {
      articles: turn.articles,
      model: turn.model,
      failedProviders: turn.failedProviders,
    };
    // Only for a conversation of the turn's workspace: 0 rows inserted otherwise.
    const result = await this.db.query(
      `INSERT INTO bot_turns (id, workspace_id, conversation_id, question_seq, answer_seq, outcome, cache,
         handed_off, provider, cost_usd, started_at, duration_ms, details)
       SELECT $1, workspace_id, id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb
       FROM conversations WHERE id = $3 AND workspace_id = $2`,
      [
        newId('bt'),
        turn.workspaceId,
        turn.conversationId,
        turn.questionSeq,
        turn.answerSeq,
        turn.outcome,
        turn.cache,
        turn.handedOff,
        turn.model?.provider ?? null,
        turn.model?.costUsd ?? 0,
        toMs(turn.startedAt),
        turn.durationMs,
        json(details),
      ],
    );
    if (!result.rowCount) throw notFound('conversation');
  }

  async conversationTimeline(
    workspaceId: string,
    conversationId: string,
  ): Promise<ConversationTimeline | null> {
    const found = await this.db.query('SELECT 1 FROM conversations WHERE id = $1 AND workspace_id = $2', [
      conversationId,
      workspaceId,
    ]);
    if (!found.rowCount) return null;
    const [messages, botTurns] = await Promise.all([
      this.db.query<MessageTimingRow>(
        `SELECT id, seq, author_type, author_id, author_name, is_private, received_at, created_at, delivered_at
         FROM messages WHERE conversation_id = $1 ORDER BY seq`,
        [conversationId],
      ),
      this.db.query<BotTurnRow>(
        `SELECT workspace_id, conversation_id, question_seq, answer_seq, outcome, cache, handed_off, started_at,
           duration_ms, details
         FROM bot_turns WHERE conversation_id = $1 ORDER BY question_seq, started_at, ord`,
        [conversationId],
      ),
    ]);
    return { messages: messages.rows.map(toMessageTiming), botTurns: botTurns.rows.map(toBotTurn) };
  }

  async reportRows(workspaceId: string, from: string, to: string): Promise<ReportRows> {
    const params = [workspaceId, toMs(from), toMs(to)];
    const [conversations, botTurns] = await Promise.all([
      this.db.query<ReportConversationRow>(
        `SELECT id, status, assignee_id, created_at, queued_at, first_response_at, resolved_at, rating
         FROM conversations WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3
         ORDER BY created_at, ord`,
        params,
      ),
      this.db.query<ReportBotTurnRow>(
        `SELECT conversation_id, outcome, started_at, handed_off, cost_usd
         FROM bot_turns WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3
         ORDER BY started_at, ord`,
        params,
      ),
    ]);
    return {
      conversations: conversations.rows.map((r) => ({
        id: r.id,
        status: r.status,
        assigneeId: r.assignee_id,
        createdAt: iso(r.created_at),
        queuedAt: isoOrNull(r.queued_at),
        firstResponseAt: isoOrNull(r.first_response_at),
        resolvedAt: isoOrNull(r.resolved_at),
        rating: r.rating,
      })),
      botTurns: botTurns.rows.map((r) => ({
        conversationId: r.conversation_id,
        outcome: r.outcome,
        startedAt: iso(r.started_at),
        handedOff: r.handed_off,
        costUsd: r.cost_usd,
      })),
    };
  }

  async listMessages(query: MessageQuery): Promise<Message[]> {
    const { rows } = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.id = $1 AND c.workspace_id = $2 AND m.seq > $3 AND ($4 OR NOT m.is_private)
       ORDER BY m.seq LIMIT $5`,
      [
        query.conversationId,
        query.workspaceId,
        query.afterSeq,
        query.includePrivate === true,
        clampLimit(query.limit, MESSAGE_LIMIT),
      ],
    );
    return rows.map(toMessage);
  }

  async createConversationWithMessage(input: NewConversationWithMessage) {
    const { conversation: newConversation, message, visitorPatch } = input;
    return this.transaction(async (client) => {
      const { workspaceId, visitorId } = newConversation;
      const visitor = visitorPatch
        ? await this.patchVisitor(client, workspaceId, visitorId, visitorPatch)
        : await this.selectVisitor(client, workspaceId, visitorId);
      if (!visitor) throw notFound('visitor');
      const created = await this.insertConversation(client, newConversation);
      const [result] = await this.append(client, [{ ...message, workspaceId, conversationId: created.id }]);
      const conversation = (await this.selectConversation(client, workspaceId, created.id))!;
      return { conversation, message: result!.message, visitor };
    });
  }

  async createAttachment(input: NewAttachment): Promise<AttachmentRecord> {
    try {
      const { rows } = await this.db.query<AttachmentRow>(
        `INSERT INTO attachments (id, workspace_id, uploader_type, uploader_id, name, content_type, size, url,
           created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          input.id,
          input.workspaceId,
          input.uploader.type,
          input.uploader.id,
          input.name,
          input.contentType,
          input.size,
          input.url,
          Date.now(),
        ],
      );
      return toAttachment(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'attachment id already in use');
      throw err;
    }
  }

  async getAttachment(workspaceId: string, id: string): Promise<AttachmentRecord | null> {
    const { rows } = await this.db.query<AttachmentRow>(
      'SELECT * FROM attachments WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows[0] ? toAttachment(rows[0]) : null;
  }

  async findAttachment(id: string): Promise<AttachmentRecord | null> {
    const { rows } = await this.db.query<AttachmentRow>('SELECT * FROM attachments WHERE id = $1', [id]);
    return rows[0] ? toAttachment(rows[0]) : null;
  }

  async createCannedReply(input: NewCannedReply): Promise<CannedReply> {
    const now = Date.now();
    try {
      const { rows } = await this.db.query<CannedReplyRow>(
        `INSERT INTO canned_replies (id, workspace_id, shortcut, text, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING *`,
        [newId('cr'), input.workspaceId, input.shortcut, input.text, now],
      );
      return toCannedReply(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken();
      throw err;
    }
  }

  async getCannedReply(workspaceId: string, id: string): Promise<CannedReply | null> {
    const { rows } = await this.db.query<CannedReplyRow>(
      'SELECT * FROM canned_replies WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows[0] ? toCannedReply(rows[0]) : null;
  }

  async listCannedReplies(workspaceId: string): Promise<CannedReply[]> {
    // Byte order, as SQLite's BINARY collation sorts, whatever the database's locale.
    const { rows } = await this.db.query<CannedReplyRow>(
      'SELECT * FROM canned_replies WHERE workspace_id = $1 ORDER BY shortcut COLLATE "C"',
      [workspaceId],
    );
    return rows.map(toCannedReply);
  }

  async updateCannedReply(
    workspaceId: string,
    id: string,
    patch: CannedReplyPatch,
  ): Promise<CannedReply | null> {
    const { sets, params } = setList({ shortcut: patch.shortcut, text: patch.text }, 4);
    try {
      const { rows } = await this.db.query<CannedReplyRow>(
        `UPDATE canned_replies SET ${[...sets, 'updated_at = GREATEST(updated_at, $3)'].join(', ')}
         WHERE id = $1 AND workspace_id = $2 RETURNING *`,
        [id, workspaceId, Date.now(), ...params],
      );
      return rows[0] ? toCannedReply(rows[0]) : null;
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken();
      throw err;
    }
  }

  async deleteCannedReply(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM canned_replies WHERE id = $1 AND workspace_id = $2', [
      id,
      workspaceId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async createWebhook(input: NewWebhook): Promise<WebhookRecord> {
    const { rows } = await this.db.query<WebhookRow>(
      `INSERT INTO webhooks (id, workspace_id, url, events, secret, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING *`,
      [newId('wh'), input.workspaceId, input.url, json(input.events), input.secret, Date.now()],
    );
    return toWebhook(rows[0]!);
  }

  async listWebhooks(workspaceId: string): Promise<WebhookRecord[]> {
    const { rows } = await this.db.query<WebhookRow>(
      'SELECT * FROM webhooks WHERE workspace_id = $1 ORDER BY created_at, ord',
      [workspaceId],
    );
    return rows.map(toWebhook);
  }

  async deleteWebhook(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM webhooks WHERE id = $1 AND workspace_id = $2', [
      id,
      workspaceId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async createArticle(input: NewArticle): Promise<Article> {
    const now = Date.now();
    const { rows } = await this.db.query<ArticleRow>(
      `INSERT INTO articles (id, workspace_id, title, body, tags, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6) RETURNING *`,
      [newId('art'), input.workspaceId, input.title, input.body, json(input.tags), now],
    );
    return toArticle(rows[0]!);
  }

  async getArticle(workspaceId: string, id: string): Promise<Article | null> {
    const { rows } = await this.db.query<ArticleRow>(
      'SELECT * FROM articles WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows[0] ? toArticle(rows[0]) : null;
  }

  async listArticles(workspaceId: string): Promise<Article[]> {
    const { rows } = await this.db.query<ArticleRow>(
      'SELECT * FROM articles WHERE workspace_id = $1 ORDER BY updated_at DESC, id COLLATE "C" DESC',
      [workspaceId],
    );
    return rows.map(toArticle);
  }

  async updateArticle(workspaceId: string, id: string, patch: ArticlePatch): Promise<Article | null> {
    const { sets, params } = setList(
      {
        title: patch.title,
        body: patch.body,
        tags: patch.tags === undefined ? undefined : json(patch.tags),
      },
      4,
      { tags: 'jsonb' },
    );
    const { rows } = await this.db.query<ArticleRow>(
      `UPDATE articles SET ${[...sets, 'updated_at = GREATEST(updated_at, $3)'].join(', ')}
       WHERE id = $1 AND workspace_id = $2 RETURNING *`,
      [id, workspaceId, Date.now(), ...params],
    );
    return rows[0] ? toArticle(rows[0]) : null;
  }

  async deleteArticle(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM articles WHERE id = $1 AND workspace_id = $2', [
      id,
      workspaceId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Runs inside the batch transaction; a throw rolls the whole batch back. Every conversation
   * of the batch is locked (FOR UPDATE) in id order, so concurrent batches from several nodes
   * serialise per conversation without deadlocking, and `last_seq` is read under the lock.
   */
  private async append(client: pg.PoolClient, batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const now = Date.now();
    const conversationIds = [...new Set(batch.map((m) => m.conversationId))].sort();
    const touched = new Map<
      string,
      {
        workspaceId: string;
        lastSeq: number;
        advanced: boolean;
        byClientId: Map<string, Message>;
        state: ConversationState;
      }
    >();
    for (const id of conversationIds) {
      const { rows } = await client.query<{
        workspace_id: string;
        last_seq: number;
        status: ConversationStatus;
        first_response_at: number | null;
      }>(
        'SELECT workspace_id, last_seq, status, first_response_at FROM conversations WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = rows[0];
      if (!row) throw notFound('conversation');
      touched.set(id, {
        workspaceId: row.workspace_id,
        lastSeq: row.last_seq,
        advanced: false,
        byClientId: new Map(),
        state: { status: row.status, firstResponseAt: isoOrNull(row.first_response_at) },
      });
    }

    // Messages stored earlier under the batch's client ids (read under the conversation locks).
    const clientIds = new Map<string, Set<string>>();
    for (const input of batch) {
      if (touched.get(input.conversationId)!.workspaceId !== input.workspaceId)
        throw notFound('conversation');
      if (input.clientMessageId == null) continue;
      const ids = clientIds.get(input.conversationId) ?? new Set<string>();
      clientIds.set(input.conversationId, ids);
      ids.add(input.clientMessageId);
    }
    for (const [conversationId, ids] of clientIds) {
      const { rows } = await client.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m
         WHERE m.conversation_id = $1 AND m.client_message_id = ANY($2::text[])`,
        [conversationId, [...ids]],
      );
      const known = touched.get(conversationId)!.byClientId;
      for (const row of rows) known.set(row.client_message_id!, toMessage(row));
    }

    const results: AppendResult[] = [];
    const rows: NewMessageRow[] = [];
    for (const input of batch) {
      const conversation = touched.get(input.conversationId)!;
      const clientMessageId = input.clientMessageId ?? null;
      if (clientMessageId !== null) {
        const existing = conversation.byClientId.get(clientMessageId);
        if (existing) {
          results.push({
            message: structuredClone(existing),
            created: false,
            conversation: conversation.state,
          });
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
        interrupted: input.interrupted === true,
        attachments: input.attachments?.length ? structuredClone(input.attachments) : null,
        is_private: input.private === true,
        received_at: input.receivedAt ?? null,
      };
      rows.push(row);
      const message = toMessage(row);
      if (clientMessageId !== null) conversation.byClientId.set(clientMessageId, message);
      results.push({ message: structuredClone(message), created: true, conversation: conversation.state });
    }

    if (rows.length > 0) {
      // One statement for the whole batch: a column array per parameter.
      await client.query(
        `INSERT INTO messages (id, conversation_id, seq, author_type, author_id, author_name, text,
           client_message_id, created_at, interrupted, attachments, is_private, received_at)
         SELECT id, conversation_id, seq, author_type, author_id, author_name, text, client_message_id,
           created_at, interrupted, attachments::jsonb, is_private, received_at
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::bigint[], $10::boolean[], $11::text[], $12::boolean[], $13::bigint[])
           AS t (id, conversation_id, seq, author_type, author_id, author_name, text, client_message_id,
             created_at, interrupted, attachments, is_private, received_at)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.conversation_id),
          rows.map((r) => r.seq),
          rows.map((r) => r.author_type),
          rows.map((r) => r.author_id),
          rows.map((r) => r.author_name),
          rows.map((r) => r.text),
          rows.map((r) => r.client_message_id),
          rows.map((r) => r.created_at),
          rows.map((r) => r.interrupted),
          rows.map((r) => (r.attachments === null ? null : json(r.attachments))),
          rows.map((r) => r.is_private),
          rows.map((r) => r.received_at),
        ],
      );
    }
    for (const [id, conversation] of touched) {
      if (!conversation.advanced) continue;
      await client.query(
        'UPDATE conversations SET last_seq = $1, updated_at = GREATEST(updated_at, $2) WHERE id = $3',
        [conversation.lastSeq, now, id],
      );
    }
    return results;
  }

  /** Runs `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A connection that cannot even roll back is destroyed rather than returned to the pool.
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private get db(): pg.Pool {
    if (!this.pool) throw new Error('PostgresStore is not open: call init()');
    return this.pool;
  }
}
