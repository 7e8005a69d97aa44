import type {
  Agent,
  Article,
  Attachment,
  Conversation,
  ConversationStatus,
  Message,
  PresenceStatus,
  CannedReply as ProtocolCannedReply,
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

/** One message's path through the server (`GET /conversations/:id/timeline`). */
export interface TimelineMessage {
  seq: number;
  messageId: string;
  author: { type: 'visitor' | 'agent' | 'bot' | 'system'; id?: string | null; name?: string | null };
  private: boolean;
  /** When the server received it (null: not recorded). */
  receivedAt: string | null;
  storedAt: string;
  /** When it first reached someone other than its author (null: not yet). */
  deliveredAt: string | null;
}

export type BotOutcome =
  | 'llm'
  | 'cache'
  | 'rules'
  | 'knowledge'
  | 'no-answer'
  | 'handoff'
  | 'refusal'
  | 'interrupted'
  | 'error';

/** What the bot did for one visitor message. */
export interface BotTurn {
  conversationId: string;
  questionSeq: number;
  answerSeq: number | null;
  outcome: BotOutcome;
  cache: 'exact' | 'semantic' | 'miss' | null;
  articles: { articleId: string; title: string; score: number }[];
  model: {
    provider: string;
    model: string;
    firstTokenMs: number | null;
    totalMs: number;
    promptTokens: number;
    completionTokens: number;
    tokensEstimated: boolean;
    costUsd: number;
    complete: boolean;
  } | null;
  failedProviders: { provider: string; reason: string }[];
  handedOff: boolean;
  startedAt: string;
  durationMs: number;
}

export interface Timeline {
  messages: TimelineMessage[];
  botTurns: BotTurn[];
}

export interface DurationFigures {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  averageSeconds: number | null;
}

/** The figures of a report, for one day or for the whole period. */
export interface ReportFigures {
  conversations: number;
  resolved: number;
  firstResponse: DurationFigures;
  resolution: DurationFigures;
  csat: { count: number; average: number | null; scores: number[] };
  bot: {
    conversations: number;
    deflected: number;
    deflectionRate: number | null;
    turns: number;
    llmCalls: number;
    cacheHits: number;
    costUsd: number;
    costSavedUsd: number;
  };
}

export interface ReportDay extends ReportFigures {
  /** YYYY-MM-DD, UTC. */
  date: string;
}

export interface Report {
  from: string;
  to: string;
  totals: ReportFigures;
  days: ReportDay[];
}
