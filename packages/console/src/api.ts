import type {
  Agent,
  Article,
  Assist,
  Attachment,
  CannedReply,
  ConsoleConversation,
  ConsoleMessage,
  ConsoleWorkspace,
  ConversationStatus,
  KbResult,
  Readiness,
  Report,
  Timeline,
  VisitorDetails,
  Webhook,
  WidgetSettings,
} from './types.ts';

const TOKEN_KEY = 'unique-support.console.token';

/** An error answer of the API: `{error: {code, message}}` and its HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
  /** The route does not exist (yet) on this server. */
  get missing(): boolean {
    return (this.status === 404 && /^no route /.test(this.message)) || this.status === 405;
  }
}

let token: string | null = readToken();
const unauthorizedListeners = new Set<() => void>();

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the session lasts as long as the tab
  }
}

/** Called when the server rejects the token (401): the app goes back to the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function expireSession(): void {
  if (!token) return;
  setToken(null);
  for (const listener of unauthorizedListeners) listener();
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const url = path.startsWith('/readyz') ? path : `/api/v1${withQuery(path, query)}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: payload ?? null });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (response.status === 401 && token && path !== '/auth/login') expireSession();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? response.statusText,
    );
  }
  return data as T;
}

/** A file from the API (bearer token in the header, so no plain link): its bytes and name. */
export async function download(
  path: string,
  query?: Query,
): Promise<{ blob: Blob; filename: string | null }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`/api/v1${withQuery(path, query)}`, { headers });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (!response.ok) {
    let error: { code?: string; message?: string } | undefined;
    try {
      error = ((await response.json()) as { error?: typeof error }).error;
    } catch {
      error = undefined;
    }
    if (response.status === 401 && token) expireSession();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? response.statusText,
    );
  }
  return {
    blob: await response.blob(),
    filename: attachmentName(response.headers.get('content-disposition')),
  };
}

/** The file name of a `content-disposition: attachment; filename="..."` header. */
export function attachmentName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  const name = (plain?.[2] ?? plain?.[1])?.trim();
  return name || null;
}

const get = <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query);
const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
const del = (path: string) => request<void>('DELETE', path);
const id = encodeURIComponent;

export interface ConversationQuery {
  status?: ConversationStatus;
  assignee?: string;
  label?: string;
  visitorId?: string;
  q?: string;
  limit?: number;
}

export const api = {
  login: (email: string, password: string) =>
    request<{ token: string; agent: Agent }>('POST', '/auth/login', { email, password }),
  me: () => get<{ agent: Agent; workspace: ConsoleWorkspace }>('/me'),

  agents: () => get<{ agents: Agent[] }>('/agents'),
  createAgent: (body: {
    name: string;
    email: string;
    password: string;
    role: Agent['role'];
    maxConcurrent?: number;
  }) => post<{ agent: Agent }>('/agents', body),
  updateAgent: (
    agentId: string,
    body: Partial<Pick<Agent, 'name' | 'role' | 'maxConcurrent'>> & { password?: string },
  ) => patch<{ agent: Agent }>(`/agents/${id(agentId)}`, body),

  conversations: (query: ConversationQuery) =>
    get<{ conversations: ConsoleConversation[] }>('/conversations', query as Query),
  conversation: (conversationId: string) =>
    get<{ conversation: ConsoleConversation }>(`/conversations/${id(conversationId)}`),
  messages: (conversationId: string, afterSeq = 0, limit = 100) =>
    get<{ messages: ConsoleMessage[] }>(`/conversations/${id(conversationId)}/messages`, { afterSeq, limit }),
  assign: (conversationId: string, agentId: string) =>
    post<{ conversation: ConsoleConversation }>(`/conversations/${id(conversationId)}/assign`, { agentId }),
  resolve: (conversationId: string) =>
    post<{ conversation: ConsoleConversation }>(`/conversations/${id(conversationId)}/resolve`),
  handoff: (conversationId: string) =>
    post<{ conversation: ConsoleConversation }>(`/conversations/${id(conversationId)}/handoff`),
  setLabels: (conversationId: string, labels: string[]) =>
    put<{ conversation: ConsoleConversation }>(`/conversations/${id(conversationId)}/labels`, { labels }),
  timeline: (conversationId: string) =>
    get<{ timeline: Timeline }>(`/conversations/${id(conversationId)}/timeline`),
  suggestedReply: (conversationId: string) =>
    post<{ suggestion: Assist }>(`/conversations/${id(conversationId)}/suggested-reply`),
  summary: (conversationId: string) =>
    post<{ summary: Assist }>(`/conversations/${id(conversationId)}/summary`),

  visitor: (visitorId: string) =>
    get<{ visitor: VisitorDetails; conversations?: ConsoleConversation[] }>(`/visitors/${id(visitorId)}`),

  cannedReplies: () => get<{ cannedReplies?: CannedReply[]; replies?: CannedReply[] }>('/canned-replies'),
  createCannedReply: (body: Omit<CannedReply, 'id'>) =>
    post<{ cannedReply?: CannedReply; reply?: CannedReply }>('/canned-replies', body),
  updateCannedReply: (replyId: string, body: Partial<Omit<CannedReply, 'id'>>) =>
    patch<{ cannedReply?: CannedReply; reply?: CannedReply }>(`/canned-replies/${id(replyId)}`, body),
  deleteCannedReply: (replyId: string) => del(`/canned-replies/${id(replyId)}`),

  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<{ attachment?: Attachment; upload?: Attachment } & Partial<Attachment>>(
      'POST',
      '/uploads',
      form,
    );
  },

  articles: () => get<{ articles: Article[] }>('/kb/articles'),
  createArticle: (body: { title: string; body: string; tags: string[] }) =>
    post<{ article: Article }>('/kb/articles', body),
  updateArticle: (articleId: string, body: { title?: string; body?: string; tags?: string[] }) =>
    patch<{ article: Article }>(`/kb/articles/${id(articleId)}`, body),
  deleteArticle: (articleId: string) => del(`/kb/articles/${id(articleId)}`),
  searchKb: (q: string, limit = 5) => get<{ results: KbResult[] }>('/kb/search', { q, limit }),

  workspace: () => get<{ workspace: ConsoleWorkspace }>('/workspace'),
  updateWorkspace: (body: { name?: string; botEnabled?: boolean; widget?: Partial<WidgetSettings> }) =>
    patch<{ workspace: ConsoleWorkspace }>('/workspace', body),
  identitySecret: () => get<{ secret?: string; identitySecret?: string }>('/workspace/identity-secret'),

  webhooks: () => get<{ webhooks: Webhook[] }>('/webhooks'),
  createWebhook: (body: { url: string; events: Webhook['events'] }) =>
    post<{ webhook: Webhook & { secret?: string } }>('/webhooks', body),
  deleteWebhook: (webhookId: string) => del(`/webhooks/${id(webhookId)}`),

  report: (from: string, to: string) => get<{ report: Report }>('/reports', { from, to }),
  reportCsv: (from: string, to: string) => download('/reports.csv', { from, to }),

  readyz: () =>
    request<Readiness>('GET', '/readyz').catch((error: unknown) => {
      // 503 still carries the body; request() threw it away, so ask again without the status check.
      if (error instanceof ApiError && error.status === 503) {
        return fetch('/readyz').then((r) => r.json() as Promise<Readiness>);
      }
      throw error;
    }),
};

/** Lists come back as `{cannedReplies}` or `{replies}` depending on the server version. */
export function cannedList(body: { cannedReplies?: CannedReply[]; replies?: CannedReply[] }): CannedReply[] {
  return body.cannedReplies ?? body.replies ?? [];
}

export function uploadedAttachment(
  body: { attachment?: Attachment; upload?: Attachment } & Partial<Attachment>,
): Attachment | null {
  if (body.attachment) return body.attachment;
  if (body.upload) return body.upload;
  if (body.id && body.url) return body as Attachment;
  return null;
}
