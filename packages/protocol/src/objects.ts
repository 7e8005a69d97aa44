import Type, { type Static } from 'typebox';

/** Milliseconds since the epoch as an ISO-8601 string. */
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('agent')]);
export type Role = Static<typeof Role>;

export const PresenceStatus = Type.Union([
  Type.Literal('online'),
  Type.Literal('away'),
  Type.Literal('offline'),
]);
export type PresenceStatus = Static<typeof PresenceStatus>;

export const ConversationStatus = Type.Union([
  Type.Literal('bot'),
  Type.Literal('queued'),
  Type.Literal('assigned'),
  Type.Literal('resolved'),
]);
export type ConversationStatus = Static<typeof ConversationStatus>;

export const AuthorType = Type.Union([
  Type.Literal('visitor'),
  Type.Literal('agent'),
  Type.Literal('bot'),
  Type.Literal('system'),
]);
export type AuthorType = Static<typeof AuthorType>;

/** Free-form visitor attributes: flat string, number or boolean values. */
export const Attributes = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]),
);
export type Attributes = Static<typeof Attributes>;

export const WidgetPosition = Type.Union([Type.Literal('right'), Type.Literal('left')]);
export const WidgetLanguage = Type.Union([Type.Literal('auto'), Type.Literal('en'), Type.Literal('zh-CN')]);

/** How the chat widget looks and greets: set by admins, read by the widget (`GET /api/v1/widget/config`). */
export const WidgetSettings = Type.Object({
  /** Accent colour, `#rrggbb` (lower-case). */
  color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }),
  /** Side of the page the bubble sits on. */
  position: WidgetPosition,
  /** First line the widget shows; empty: the widget's own default, in its language. */
  greeting: Type.String({ maxLength: 200 }),
  /** `auto` follows the browser. */
  language: WidgetLanguage,
});
export type WidgetSettings = Static<typeof WidgetSettings>;

export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  color: '#2563eb',
  position: 'right',
  greeting: '',
  language: 'auto',
};

export const Workspace = Type.Object({
  id: Type.String(),
  name: Type.String(),
  widgetKey: Type.String(),
  botEnabled: Type.Boolean(),
  widget: WidgetSettings,
  createdAt: Timestamp,
});
export type Workspace = Static<typeof Workspace>;

export const Agent = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: Role,
  maxConcurrent: Type.Integer(),
  /** Live presence; `offline` when no socket is open. */
  status: Type.Optional(PresenceStatus),
  createdAt: Timestamp,
});
export type Agent = Static<typeof Agent>;

export const Visitor = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  attributes: Attributes,
  pageUrl: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  /** The merchant's user id, set only through identity verification (a valid HMAC of it). */
  userId: Nullable(Type.String()),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
});
export type Visitor = Static<typeof Visitor>;

export const Conversation = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  visitorId: Type.String(),
  status: ConversationStatus,
  assigneeId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** Seq of the newest message; 0 when there is none. */
  lastSeq: Type.Integer(),
  /** When the conversation last entered the queue (waiting for a human). */
  queuedAt: Nullable(Timestamp),
  /** First message of a human agent. */
  firstResponseAt: Nullable(Timestamp),
  resolvedAt: Nullable(Timestamp),
  /** Highest seq the visitor / the agents have read. */
  visitorReadSeq: Type.Integer(),
  agentReadSeq: Type.Integer(),
  rating: Nullable(Type.Object({ score: Type.Integer(), comment: Nullable(Type.String()) })),
  /** Set by agents; always `[]` in what a visitor receives. */
  labels: Type.Array(Type.String()),
});
export type Conversation = Static<typeof Conversation>;

export const Author = Type.Object({
  type: AuthorType,
  id: Nullable(Type.String()),
  name: Nullable(Type.String()),
});
export type Author = Static<typeof Author>;

/** An uploaded file (`POST /api/v1/uploads`), as a message carries it. */
export const Attachment = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contentType: Type.String(),
  /** Bytes. */
  size: Type.Integer(),
  /** Path on the server (`/api/v1/uploads/<id>/<name>`), unguessable, served without a token. */
  url: Type.String(),
});
export type Attachment = Static<typeof Attachment>;

export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  /**
   * 1, 2, 3... per conversation, no gaps. Visitors never receive private notes, so they
   * see gaps where notes are.
   */
  seq: Type.Integer(),
  author: Author,
  /** May be empty when the message has attachments. */
  text: Type.String(),
  clientMessageId: Nullable(Type.String()),
  createdAt: Timestamp,
  /** A bot answer cut short (an agent took over while it streamed): `text` is what was said. */
  interrupted: Type.Optional(Type.Boolean()),
  /** Present (non-empty) only when the message has files. */
  attachments: Type.Optional(Type.Array(Attachment)),
  /** An agent's private note: present (as `true`) only on notes, which only agents receive. */
  private: Type.Optional(Type.Boolean()),
});
export type Message = Static<typeof Message>;

/** A knowledge-base article of a workspace: what the bot answers from. */
export const Article = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  title: Type.String(),
  body: Type.String(),
  tags: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Article = Static<typeof Article>;

/** A saved answer agents insert by its shortcut. */
export const CannedReply = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  /** `^[a-z0-9_-]{1,32}$`, unique in the workspace. */
  shortcut: Type.String(),
  text: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CannedReply = Static<typeof CannedReply>;

export const WebhookEventType = Type.Union([
  Type.Literal('conversation.created'),
  Type.Literal('conversation.updated'),
  Type.Literal('message.created'),
]);
export type WebhookEventType = Static<typeof WebhookEventType>;

/** Where a workspace's events are POSTed. The signing secret is shown once, on creation. */
export const Webhook = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  url: Type.String(),
  events: Type.Array(WebhookEventType),
  createdAt: Timestamp,
});
export type Webhook = Static<typeof Webhook>;
