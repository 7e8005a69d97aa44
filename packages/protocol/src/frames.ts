import Type, { type Static } from 'typebox';
import type { ErrorCode } from './errors.ts';
import type { Author, Conversation, Message, PresenceStatus } from './objects.ts';

export const PROTOCOL_VERSION = 1;

const Id = Type.String({ minLength: 1, maxLength: 64 });
/** Chosen by the client, unique per conversation; a resend with the same id is stored once. */
export const ClientMessageId = Type.String({ minLength: 1, maxLength: 100 });
const Seq = Type.Integer({ minimum: 0 });

// Client → server ----------------------------------------------------------

export const SubscribeFrame = Type.Object({
  type: Type.Literal('subscribe'),
  conversationId: Id,
  /** Replay every stored message with a greater seq; 0 replays all. */
  lastSeq: Type.Optional(Seq),
});
export const UnsubscribeFrame = Type.Object({ type: Type.Literal('unsubscribe'), conversationId: Id });
/** Most attachments one message may carry. */
export const MAX_ATTACHMENTS = 10;
/** Ids of uploads (`POST /api/v1/uploads`) of the same principal. */
export const AttachmentIds = Type.Array(Id, { maxItems: MAX_ATTACHMENTS });
export const MessageSendFrame = Type.Object({
  type: Type.Literal('message.send'),
  conversationId: Id,
  /** Length is checked against the server's configured limit, not here. Empty only with attachments. */
  text: Type.String(),
  clientMessageId: ClientMessageId,
  attachments: Type.Optional(AttachmentIds),
  /** Agents only: a private note, delivered to agents only. */
  private: Type.Optional(Type.Boolean()),
});
export const TypingFrame = Type.Object({
  type: Type.Literal('typing'),
  conversationId: Id,
  isTyping: Type.Boolean(),
});
export const ReadFrame = Type.Object({ type: Type.Literal('read'), conversationId: Id, seq: Seq });
export const PingFrame = Type.Object({ type: Type.Literal('ping') });
/** Agents only: set their own presence (`online` or `away`). */
export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  status: Type.Union([Type.Literal('online'), Type.Literal('away')]),
});

export const CLIENT_FRAME_SCHEMAS = {
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  'message.send': MessageSendFrame,
  typing: TypingFrame,
  read: ReadFrame,
  ping: PingFrame,
  presence: PresenceFrame,
} as const;

export type ClientFrameType = keyof typeof CLIENT_FRAME_SCHEMAS;
export type SubscribeFrame = Static<typeof SubscribeFrame>;
export type UnsubscribeFrame = Static<typeof UnsubscribeFrame>;
export type MessageSendFrame = Static<typeof MessageSendFrame>;
export type TypingFrame = Static<typeof TypingFrame>;
export type ReadFrame = Static<typeof ReadFrame>;
export type PingFrame = Static<typeof PingFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type ClientFrame =
  | SubscribeFrame
  | UnsubscribeFrame
  | MessageSendFrame
  | TypingFrame
  | ReadFrame
  | PingFrame
  | PresenceFrame;

// Server → client ----------------------------------------------------------

export interface Principal {
  type: 'agent' | 'visitor';
  id: string;
}

export type ServerFrame =
  | { type: 'hello'; protocolVersion: number; principal: Principal; heartbeatMs: number }
  | { type: 'pong' }
  | { type: 'subscribed'; conversationId: string; lastSeq: number }
  | { type: 'message.ack'; clientMessageId: string; message: Message }
  | { type: 'message.created'; message: Message }
  | { type: 'message.delta'; conversationId: string; messageId: string; delta: string }
  | { type: 'message.completed'; message: Message }
  | { type: 'conversation.updated'; conversation: Conversation }
  | { type: 'typing'; conversationId: string; author: Author; isTyping: boolean }
  | { type: 'read'; conversationId: string; author: Author; seq: number }
  | { type: 'presence'; agentId: string; status: PresenceStatus }
  | { type: 'error'; code: ErrorCode; message: string; ref: string | null };
