import type {
  Agent,
  Article,
  Attachment,
  Conversation,
  ConversationStatus,
  Message,
  PresenceStatus,
  CannedReply as ProtocolCannedReply,
  Report,
  Visitor,
  Webhook,
  WidgetSettings,
  Workspace,
} from '@unique-support/protocol';

export type { Agent, Article, Attachment, ConversationStatus, PresenceStatus, Webhook, WidgetSettings };

/** What the composer needs of a canned reply. */
export type CannedReply = Pick<ProtocolCannedReply, 'id' | 'shortcut' | 'text'>;

/** A message as the console sees it (notes and attachments are protocol fields now). */
export type ConsoleMessage = Message;

/** A conversation plus optional fields some servers add (a preview, the visitor). */
export interface ConsoleConversation extends Omit<Conversation, 'labels'> {
  /** Optional here so older servers (without labels) still type-check at the edges. */
  labels?: string[];
  lastMessage?: { text: string; author: Message['author']; createdAt: string; private?: boolean } | null;
  visitor?: Partial<Visitor> | null;
}

export interface VisitorDetails extends Partial<Visitor> {
  id: string;
  /** Rough location from the IP, when the server knows it. */
  location?: string | { country?: string; region?: string; city?: string } | null;
  userAgent?: string | null;
}

export type ConsoleWorkspace = Omit<Workspace, 'widget'> & { widget?: Partial<WidgetSettings> };

export interface ProviderStatus {
  name: string;
  model?: string;
  breaker: string;
}

export interface Readiness {
  status: string;
  down: string[];
  bot?: { enabled: boolean; providers: ProviderStatus[] };
}

export interface Assist {
  text: string;
  source: 'model' | 'knowledge' | 'extract' | 'none';
}

export interface KbResult {
  articleId: string;
  title: string;
  text: string;
  score: number;
}

/** The inbox views. `mine` = assigned to me; `all` = every open conversation. */
export type InboxTab = 'bot' | 'queued' | 'mine' | 'all' | 'resolved';
export const INBOX_TABS: readonly InboxTab[] = ['bot', 'queued', 'mine', 'all', 'resolved'];

/** The timeline and report types are the server's own, from the protocol package. */
export type {
  BotTurn,
  ConversationTimeline as Timeline,
  MessageTiming as TimelineMessage,
  Report,
  ReportFigures,
} from '@unique-support/protocol';
export type ReportDay = Report['days'][number];
