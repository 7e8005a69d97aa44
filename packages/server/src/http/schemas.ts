import {
  Agent,
  Article,
  Attachment,
  AttachmentIds,
  Attributes,
  Author,
  CannedReply,
  Conversation,
  ConversationStatus,
  Message,
  Role,
  Visitor,
  Webhook,
  WebhookEventType,
  WidgetLanguage,
  WidgetPosition,
  WidgetSettings,
  Workspace,
} from '@unique-support/protocol';
import Type from 'typebox';

/** Request and response schemas of `/api/v1`: they validate requests and generate the OpenAPI document. */

const Email = Type.String({ format: 'email', maxLength: 254 });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Password = Type.String({ minLength: 1, maxLength: 200 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    requestId: Type.Optional(Type.String()),
  }),
});

export const SignupBody = Type.Object(
  { workspaceName: Name, name: Name, email: Email, password: Password },
  { additionalProperties: false },
);
export const LoginBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Password });
export const AgentBody = Type.Object(
  {
    name: Name,
    email: Email,
    password: Password,
    role: Type.Optional(Role),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export const AgentPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    password: Type.Optional(Password),
    role: Type.Optional(Role),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const WidgetSessionBody = Type.Object(
  {
    widgetKey: Type.String({ minLength: 1, maxLength: 100 }),
    visitorToken: Type.Optional(Type.String({ maxLength: 2000 })),
    name: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    attributes: Type.Optional(Type.Intersect([Attributes, Type.Object({}, { maxProperties: 50 })])),
    pageUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    userId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Identity verification: the website's id of the logged-in user (needs userHash)",
      }),
    ),
    userHash: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Hex HMAC-SHA256 of userId with the identity secret; a wrong one is 401',
      }),
    ),
  },
  { additionalProperties: false },
);
export const MessageBody = Type.Object({
  /** Length is checked against the configured limit (413), not here. Empty only with attachments. */
  text: Type.String({ description: 'May be empty when the message has attachments' }),
  clientMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  attachments: Type.Optional(AttachmentIds),
  private: Type.Optional(
    Type.Boolean({ description: 'Agents: a private note, never shown to the visitor (403 for visitors)' }),
  ),
});
export const AssignBody = Type.Object({ agentId: Id });
export const RatingBody = Type.Object({
  score: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
});

export const IdParams = Type.Object({ id: Id });
export const ConversationQuery = Type.Object({
  status: Type.Optional(ConversationStatus),
  /** `me`, or an agent id. */
  assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  visitorId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "A visitor's conversations" }),
  ),
  label: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Conversations with this label' }),
  ),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Conversations with a message (notes included) containing this text, case-insensitively',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});
export const LabelsBody = Type.Object(
  {
    labels: Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: 100,
      description: 'Replaces the labels: at most 20 after trimming and deduplication, each 1-32 characters',
    }),
  },
  { additionalProperties: false },
);
export const MessageQuery = Type.Object({
  afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export const AgentResponse = Type.Object({ agent: Agent });
export const AgentsResponse = Type.Object({ agents: Type.Array(Agent) });
export const AuthResponse = Type.Object({ token: Type.String(), agent: Agent });
export const SignupResponse = Type.Object({ token: Type.String(), agent: Agent, workspace: Workspace });
export const MeResponse = Type.Object({ agent: Agent, workspace: Workspace });
export const WidgetSessionResponse = Type.Object({
  visitorId: Type.String(),
  visitorToken: Type.String(),
  /** The verified user id the visitor is tied to, or null. */
  userId: Type.Union([Type.String(), Type.Null()]),
  workspace: Type.Object({ id: Type.String(), name: Type.String() }),
});
export const ConversationResponse = Type.Object({ conversation: Conversation });
export const ConversationsResponse = Type.Object({ conversations: Type.Array(Conversation) });
export const MessageResponse = Type.Object({ message: Message });
export const MessagesResponse = Type.Object({ messages: Type.Array(Message) });

// Knowledge base. Lengths are checked again after trimming (KnowledgeService).
const ArticleTitle = Type.String({ minLength: 1, maxLength: 200 });
const ArticleText = Type.String({ minLength: 1, maxLength: 20_000 });
const ArticleTags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 });

export const ArticleBody = Type.Object(
  { title: ArticleTitle, body: ArticleText, tags: Type.Optional(ArticleTags) },
  { additionalProperties: false },
);
export const ArticlePatchBody = Type.Object(
  { title: Type.Optional(ArticleTitle), body: Type.Optional(ArticleText), tags: Type.Optional(ArticleTags) },
  { additionalProperties: false, minProperties: 1 },
);
export const KnowledgeSearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 500 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
});

export const ArticleResponse = Type.Object({ article: Article });
export const ArticlesResponse = Type.Object({ articles: Type.Array(Article) });
export const KnowledgeSearchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      articleId: Type.String(),
      title: Type.String(),
      /** The passage of the article that matched best. */
      text: Type.String(),
      /** Cosine similarity, higher is better; results below the server's threshold are left out. */
      score: Type.Number(),
    }),
  ),
});

export const WidgetSettingsPatch = Type.Object(
  {
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb' })),
    position: Type.Optional(WidgetPosition),
    greeting: Type.Optional(Type.String({ maxLength: 200 })),
    language: Type.Optional(WidgetLanguage),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const WorkspacePatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    botEnabled: Type.Optional(Type.Boolean()),
    widget: Type.Optional(WidgetSettingsPatch),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const WorkspaceResponse = Type.Object({ workspace: Workspace });
export const IdentitySecretResponse = Type.Object({
  identitySecret: Type.String({
    description: 'userHash = hex HMAC-SHA256(identitySecret, userId); keep it on the website server',
  }),
});

// Widget (public and visitor routes).
export const WidgetConfigQuery = Type.Object({ widgetKey: Type.String({ minLength: 1, maxLength: 100 }) });
export const WidgetConfigResponse = Type.Object({
  name: Type.String(),
  widget: WidgetSettings,
  /** New conversations start with the bot. */
  botEnabled: Type.Boolean(),
  /** Some agent is online now (else the widget offers the offline message form). */
  agentsOnline: Type.Boolean(),
});
export const OfflineMessageBody = Type.Object(
  {
    /** Length is checked against the configured limit (413). */
    text: Type.String(),
    email: Email,
    name: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

// Visitors.
export const VisitorResponse = Type.Object({ visitor: Visitor });

// Uploads.
export const UploadParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 1000 }),
});
export const AttachmentResponse = Type.Object({ attachment: Attachment });

// Canned replies. Checked again after trimming (CannedReplyService).
const Shortcut = Type.String({ pattern: '^[a-z0-9_-]{1,32}$' });
const CannedText = Type.String({ minLength: 1, maxLength: 4000 });
export const CannedReplyBody = Type.Object(
  { shortcut: Shortcut, text: CannedText },
  { additionalProperties: false },
);
export const CannedReplyPatchBody = Type.Object(
  { shortcut: Type.Optional(Shortcut), text: Type.Optional(CannedText) },
  { additionalProperties: false, minProperties: 1 },
);
export const CannedReplyResponse = Type.Object({ cannedReply: CannedReply });
export const CannedRepliesResponse = Type.Object({ cannedReplies: Type.Array(CannedReply) });

// Webhooks.
export const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http or https' }),
    events: Type.Array(WebhookEventType, { minItems: 1, maxItems: 3 }),
  },
  { additionalProperties: false },
);
export const WebhookResponse = Type.Object({ webhook: Webhook });
export const WebhookCreatedResponse = Type.Object({
  webhook: Type.Object({
    ...Webhook.properties,
    secret: Type.String({ description: 'Signs deliveries; shown only in this answer' }),
  }),
});
export const WebhooksResponse = Type.Object({ webhooks: Type.Array(Webhook) });

const NullableIso = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

/** What one bot turn did (see `bot/bot-turn.ts`). */
const BotTurn = Type.Object({
  conversationId: Type.String(),
  questionSeq: Type.Integer(),
  answerSeq: NullableInteger,
  outcome: Type.Union([
    Type.Literal('llm'),
    Type.Literal('cache'),
    Type.Literal('rules'),
    Type.Literal('knowledge'),
    Type.Literal('no-answer'),
    Type.Literal('handoff'),
    Type.Literal('refusal'),
    Type.Literal('interrupted'),
    Type.Literal('error'),
  ]),
  cache: Type.Union([Type.Literal('exact'), Type.Literal('semantic'), Type.Literal('miss'), Type.Null()]),
  articles: Type.Array(Type.Object({ articleId: Type.String(), title: Type.String(), score: Type.Number() })),
  model: Type.Union([
    Type.Object({
      provider: Type.String(),
      model: Type.String(),
      firstTokenMs: NullableInteger,
      totalMs: Type.Integer(),
      promptTokens: Type.Integer(),
      completionTokens: Type.Integer(),
      tokensEstimated: Type.Boolean(),
      costUsd: Type.Number(),
      complete: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  failedProviders: Type.Array(Type.Object({ provider: Type.String(), reason: Type.String() })),
  handedOff: Type.Boolean(),
  startedAt: Type.String(),
  durationMs: Type.Integer(),
});

export const TimelineResponse = Type.Object({
  timeline: Type.Object({
    messages: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        messageId: Type.String(),
        author: Author,
        private: Type.Boolean(),
        receivedAt: NullableIso,
        storedAt: Type.String(),
        deliveredAt: NullableIso,
      }),
    ),
    botTurns: Type.Array(BotTurn),
  }),
});

export const ReportQuery = Type.Object(
  {
    from: Type.String({ description: 'first UTC day, YYYY-MM-DD' }),
    to: Type.String({ description: 'last UTC day, YYYY-MM-DD (included)' }),
  },
  { additionalProperties: false },
);

const Duration = Type.Object({
  count: Type.Integer(),
  medianSeconds: Type.Union([Type.Number(), Type.Null()]),
  p90Seconds: Type.Union([Type.Number(), Type.Null()]),
  averageSeconds: Type.Union([Type.Number(), Type.Null()]),
});

const ReportFigures = {
  conversations: Type.Integer(),
  resolved: Type.Integer(),
  firstResponse: Duration,
  resolution: Duration,
  csat: Type.Object({
    count: Type.Integer(),
    average: Type.Union([Type.Number(), Type.Null()]),
    scores: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }),
  }),
  bot: Type.Object({
    conversations: Type.Integer(),
    deflected: Type.Integer(),
    deflectionRate: Type.Union([Type.Number(), Type.Null()]),
    turns: Type.Integer(),
    llmCalls: Type.Integer(),
    cacheHits: Type.Integer(),
    costUsd: Type.Number(),
    costSavedUsd: Type.Number(),
  }),
};

export const ReportResponse = Type.Object({
  report: Type.Object({
    from: Type.String(),
    to: Type.String(),
    totals: Type.Object(ReportFigures),
    days: Type.Array(Type.Object({ date: Type.String(), ...ReportFigures })),
  }),
});
