import type { Attachment, Attributes, Conversation, ErrorCode } from '@unique-support/protocol';
import type { Language, Position } from '../bridge.ts';

/** `GET /api/v1/widget/config`: what the widget needs before it shows anything. */
export interface WidgetConfig {
  name: string;
  widget: { color: string; position: Position; greeting: string; language: 'auto' | Language };
  botEnabled: boolean;
  agentsOnline: boolean;
}

export interface SessionRequest {
  widgetKey: string;
  visitorToken?: string;
  name?: string;
  email?: string;
  attributes?: Attributes;
  pageUrl?: string;
  userId?: string;
  userHash?: string;
}

/** An HTTP error with the contract's code (`NETWORK` when no answer came). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The REST calls of the widget, same-origin from the iframe (`base` is the server origin). */
export function createApi(base: string) {
  async function call<T>(
    method: string,
    path: string,
    options: { token?: string; json?: unknown; form?: FormData } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: BodyInit | undefined = options.form;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(base + path, { method, headers, body, credentials: 'omit' });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', String(err));
    }
    const parsed = (await response.json().catch(() => null)) as
      | (T & { error?: { code: ErrorCode; message: string } })
      | null;
    if (!response.ok) {
      const error = parsed?.error;
      throw new ApiError(response.status, error?.code ?? 'INTERNAL', error?.message ?? response.statusText);
    }
    return parsed as T;
  }

  return {
    config: (widgetKey: string) =>
      call<WidgetConfig>('GET', `/api/v1/widget/config?widgetKey=${encodeURIComponent(widgetKey)}`),
    session: (request: SessionRequest) =>
      call<{ visitorId: string; visitorToken: string }>('POST', '/api/v1/widget/session', { json: request }),
    /** The visitor's own conversations, newest activity first (at most 20). */
    conversations: (token: string) =>
      call<{ conversations: Conversation[] }>('GET', '/api/v1/widget/conversations', { token }),
    createConversation: (token: string) =>
      call<{ conversation: Conversation }>('POST', '/api/v1/conversations', { token }),
    conversation: (token: string, id: string) =>
      call<{ conversation: Conversation }>('GET', `/api/v1/conversations/${encodeURIComponent(id)}`, {
        token,
      }),
    handoff: (token: string, id: string) =>
      call<{ conversation: Conversation }>(
        'POST',
        `/api/v1/conversations/${encodeURIComponent(id)}/handoff`,
        {
          token,
        },
      ),
    rate: (token: string, id: string, score: number, comment: string) =>
      call<{ conversation: Conversation }>('POST', `/api/v1/conversations/${encodeURIComponent(id)}/rating`, {
        token,
        json: comment ? { score, comment } : { score },
      }),
    upload(token: string, file: File) {
      const form = new FormData();
      form.append('file', file, file.name);
      return call<{ attachment: Attachment }>('POST', '/api/v1/uploads', { token, form });
    },
    offlineMessage: (token: string, message: { text: string; email: string; name?: string }) =>
      call<{ conversation: Conversation }>('POST', '/api/v1/widget/offline-message', {
        token,
        json: message,
      }),
  };
}

export type Api = ReturnType<typeof createApi>;
