/** The LLM behind a small port: a chat stream of typed parts, and embeddings. */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: readonly ChatMessage[];
  /** Aborting stops the HTTP request at once; the stream then throws an AbortError-kind ProviderError. */
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
  | {
      type: 'finish';
      /** The provider's finish_reason ('stop', 'length', ...), or null when the stream ended without one. */
      reason: string | null;
      usage: { promptTokens: number; completionTokens: number } | null;
    };

export type ProviderErrorKind =
  /** 401/403: the key is wrong. */
  | 'auth'
  /** 429 */
  | 'rate_limit'
  /** 5xx or an error object in the middle of a stream */
  | 'server'
  /** connection refused, reset, DNS */
  | 'network'
  /** not JSON, not SSE, not the OpenAI shape */
  | 'bad_response'
  /** aborted through the request's signal */
  | 'aborted'
  /** other 4xx: our request was wrong */
  | 'bad_request';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface ChatProvider {
  /** From the config: `openai`, `deepseek`... */
  readonly name: string;
  readonly model: string;
  /** USD per million tokens, for cost estimates; absent: not counted. */
  readonly prices?: { prompt: number; completion: number };
  /** Yields text deltas as they arrive and ends with one `finish` part; throws ProviderError. */
  stream(request: ChatRequest): AsyncIterable<StreamPart>;
}
