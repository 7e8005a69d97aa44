import {
  Agent,
  Article,
  Attributes,
  Conversation,
  ConversationStatus,
  Message,
  Role,
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
  },
  { additionalProperties: false },
);
export const MessageBody = Type.Object({
  /** Length is checked against the configured limit (413), not here. */
  text: Type.String(),
  clientMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
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
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});
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

export const WorkspacePatchBody = Type.Object(
  { name: Type.Optional(Name), botEnabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export const WorkspaceResponse = Type.Object({ workspace: Workspace });
