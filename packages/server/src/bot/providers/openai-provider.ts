import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { normalize } from '../retrieval/embedder.ts';
import { type ChatProvider, type ChatRequest, ProviderError, type StreamPart } from './provider.ts';

export interface OpenAIProviderOptions {
  /** The provider's name in the config (`openai`, `deepseek`...): logs, metrics, the embedder id. */
  name: string;
  /** Base URL of an OpenAI-compatible API, up to and including `/v1` (or the provider's equivalent). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; must not be empty (Ollama accepts any value). */
  apiKey: string;
  model: string;
  /** Enables `embed()`. @default null */
  embeddingModel?: string | null;
  /**
   * The longest wait for the provider: for the response headers, then, in a stream, between two
   * chunks (a stall is a `network` error); for embeddings, the whole request. The bot's own
   * first-token timeout is shorter and aborts through the request's signal.
   * @default 60_000
   */
  timeoutMs?: number;
  /** Texts per embeddings request (OpenAI takes up to 2048, DashScope 10). @default 64 */
  embeddingBatchSize?: number;
  /** USD per million tokens, for cost estimates. */
  prices?: { prompt: number; completion: number };
}

/**
 * A chat provider speaking the OpenAI chat-completions wire format (OpenAI, Azure OpenAI,
 * DeepSeek, Qwen/DashScope compatible mode, Ollama, vLLM...), built on the official `openai` SDK
 * with retries off: the breaker above it decides about retries and fallback.
 *
 * A stream yields each non-empty `delta.content` of choice 0 (never `reasoning_content`), then one
 * `finish`. How it ends:
 * - `[DONE]`/end of body after a finish_reason: `finish` with that reason and the usage, if sent;
 * - end of body without a finish_reason: `finish` with reason null when text arrived, otherwise
 *   a `bad_response` error (an empty 200, an HTML page, a non-SSE body all end here);
 * - the connection breaks (reset, destroyed, truncated chunked body): `network` after the deltas
 *   already yielded, unless the finish_reason had arrived (then the answer is whole: `finish`);
 * - an error object in the stream: `server` after the deltas already yielded;
 * - a chunk that is not JSON or not an object: `bad_response`;
 * - the request's signal aborts: the HTTP request ends at once and the stream throws `aborted`.
 */
export class OpenAIProvider implements ChatProvider {
  readonly name: string;
  readonly model: string;
  readonly embeddingModel: string | null;
  readonly prices?: { prompt: number; completion: number };
  readonly #client: OpenAI;
  readonly #timeoutMs: number;
  readonly #embeddingBatchSize: number;

  constructor(options: OpenAIProviderOptions) {
    if (!options.apiKey) throw new TypeError(`provider ${options.name}: apiKey must not be empty`);
    this.name = options.name;
    this.model = options.model;
    this.embeddingModel = options.embeddingModel ?? null;
    if (options.prices) this.prices = options.prices;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#embeddingBatchSize = Math.max(1, options.embeddingBatchSize ?? 64);
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: this.#timeoutMs,
      // Never pick these up from OPENAI_* variables meant for another provider.
      organization: null,
      project: null,
      webhookSecret: null,
      // Errors are thrown as ProviderErrors; the SDK would also print raw chunks to the console.
      logLevel: 'off',
    });
  }

  async *stream(request: ChatRequest): AsyncGenerator<StreamPart, void, undefined> {
    const { signal } = request;
    if (signal?.aborted) throw this.#aborted();

    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let stalled = false;
    let consumerHolds = false;
    let completed = false;
    const idle = setTimeout(() => {
      // Time the caller spends between two next() calls is not the provider's.
      if (consumerHolds) return void idle.refresh();
      stalled = true;
      controller.abort();
    }, this.#timeoutMs);
    const fail = (error: unknown): ProviderError => {
      if (signal?.aborted) return this.#aborted();
      if (stalled) {
        return new ProviderError('network', `${this.name}: no data for ${this.#timeoutMs} ms`);
      }
      return toProviderError(error, this.name);
    };

    try {
      const body: ChatCompletionCreateParamsStreaming = {
        model: this.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        stream: true,
        stream_options: { include_usage: true },
        ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      };
      let chunks: AsyncIterable<unknown>;
      try {
        chunks = await this.#client.chat.completions.create(body, { signal: controller.signal });
      } catch (error) {
        throw fail(error);
      }

      let sawText = false;
      let reason: string | null = null;
      let usage: { promptTokens: number; completionTokens: number } | null = null;
      try {
        for await (const chunk of chunks) {
          // The SDK yields events it had already buffered even after an abort.
          if (controller.signal.aborted) break;
          idle.refresh();
          if (!isObject(chunk)) throw this.#badResponse('a chunk that is not a JSON object');
          const { choices } = chunk;
          if (choices != null && !Array.isArray(choices)) {
            throw this.#badResponse('`choices` is not an array');
          }
          usage = readUsage(chunk.usage) ?? usage;
          for (const choice of choices ?? []) {
            // Azure's prompt-filter chunk has no choices; its async-filter annotations have no delta.
            if (!isObject(choice) || (choice.index ?? 0) !== 0) continue;
            const content = isObject(choice.delta) ? choice.delta.content : undefined;
            if (typeof content === 'string' && content !== '') {
              sawText = true;
              consumerHolds = true;
              yield { type: 'text-delta', text: content };
              consumerHolds = false;
              idle.refresh();
              if (controller.signal.aborted) break;
            }
            if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
              reason = choice.finish_reason;
            }
          }
        }
      } catch (error) {
        // A connection that breaks after the finish_reason has delivered the whole answer.
        const whole = reason !== null && !controller.signal.aborted && isTransportError(error);
        if (!whole) throw fail(error);
      }
      // A server that sends [DONE] but keeps the body open stalls after the finish_reason: whole too.
      const wholeButStalled = stalled && reason !== null && !signal?.aborted;
      if (controller.signal.aborted && !wholeButStalled) throw fail(undefined);
      completed = true;
      if (reason === null && !sawText) {
        throw this.#badResponse('a stream without content or finish_reason (not an SSE chat stream?)');
      }
      yield { type: 'finish', reason, usage };
    } finally {
      consumerHolds = false;
      clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      // The caller stopped early (break, return, an error): end the HTTP request now.
      if (!completed) controller.abort();
    }
  }

  /**
   * Embeddings from `POST /embeddings` (`embeddingModel` must be set), scaled to unit length, in
   * the order of `texts`. Throws ProviderError like `stream()`.
   */
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!this.embeddingModel) {
      throw new ProviderError('bad_request', `${this.name}: no embedding model configured`);
    }
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.#embeddingBatchSize) {
      const batch = texts.slice(i, i + this.#embeddingBatchSize);
      vectors.push(...(await this.#embedBatch(this.embeddingModel, batch, signal)));
    }
    return vectors;
  }

  async #embedBatch(model: string, texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw this.#aborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: unknown;
    try {
      response = await this.#client.embeddings.create(
        // 'float': the SDK's default base64 is not implemented by every compatible server.
        { model, input: texts, encoding_format: 'float' },
        { signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      );
    } catch (error) {
      if (signal?.aborted) throw this.#aborted();
      if (timeout.aborted) {
        throw new ProviderError('network', `${this.name}: no embeddings within ${this.#timeoutMs} ms`);
      }
      throw toProviderError(error, this.name);
    }
    if (isObject(response) && isObject(response.error)) {
      throw new ProviderError(
        'server',
        `${this.name}: ${String(response.error.message ?? 'error object instead of embeddings')}`,
      );
    }
    const data = isObject(response) && Array.isArray(response.data) ? response.data : null;
    if (!data || data.length !== texts.length) {
      throw this.#badResponse('not an embeddings list for every input');
    }
    const vectors: Float32Array[] = new Array(texts.length);
    for (const [position, item] of data.entries()) {
      const index = isObject(item) && typeof item.index === 'number' ? item.index : position;
      const embedding = isObject(item) ? item.embedding : undefined;
      if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every(Number.isFinite)) {
        throw this.#badResponse('an embedding that is not an array of numbers');
      }
      if (index < 0 || index >= texts.length || vectors[index]) {
        throw this.#badResponse('embedding indexes do not match the inputs');
      }
      vectors[index] = normalize(Float32Array.from(embedding as number[]));
    }
    return vectors;
  }

  #aborted(): ProviderError {
    return new ProviderError('aborted', `${this.name}: aborted`);
  }

  #badResponse(what: string): ProviderError {
    return new ProviderError('bad_response', `${this.name}: ${what}`);
  }
}

/**
 * Maps what the SDK (and fetch under it) throws to the port's closed vocabulary. Messages never
 * carry the provider's text for auth failures (it may echo part of the key).
 */
export function toProviderError(error: unknown, provider: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIUserAbortError) return new ProviderError('aborted', `${provider}: aborted`);
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError('network', `${provider}: timed out waiting for the response`);
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? describeCause(error.cause) : '';
    return new ProviderError('network', `${provider}: ${error.message}${cause}`);
  }
  if (error instanceof APIError) {
    const status = error.status;
    // The SDK throws an APIError without status for `data: {"error":...}` inside a 200 stream.
    if (status === undefined) {
      return new ProviderError('server', `${provider}: error in the stream: ${error.message}`);
    }
    if (status === 401 || status === 403) {
      return new ProviderError('auth', `${provider}: authentication failed (${status})`, status);
    }
    if (status === 429) return new ProviderError('rate_limit', `${provider}: ${error.message}`, status);
    // 408 and 409 (lock timeout) are the provider's trouble, retried by the SDK too.
    if (status >= 500 || status === 408 || status === 409) {
      return new ProviderError('server', `${provider}: ${error.message}`, status);
    }
    if (status >= 400) return new ProviderError('bad_request', `${provider}: ${error.message}`, status);
    return new ProviderError('bad_response', `${provider}: unexpected status ${status}`, status);
  }
  if (error instanceof SyntaxError) {
    return new ProviderError('bad_response', `${provider}: invalid JSON: ${error.message}`);
  }
  if (error instanceof OpenAIError) return new ProviderError('bad_response', `${provider}: ${error.message}`);
  if (isObject(error) && error.name === 'AbortError') {
    return new ProviderError('aborted', `${provider}: aborted`);
  }
  const message = error instanceof Error ? `${error.message}${describeCause(error.cause)}` : String(error);
  return new ProviderError('network', `${provider}: ${message}`);
}

/** fetch's own failures while reading a body: `TypeError: terminated` (cause: socket closed or reset). */
function isTransportError(error: unknown): boolean {
  return !(
    error instanceof ProviderError ||
    error instanceof APIError ||
    error instanceof SyntaxError ||
    error instanceof OpenAIError
  );
}

/** The innermost cause (`ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`), for the message. */
function describeCause(cause: unknown): string {
  let inner: unknown = cause;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (!(inner instanceof Error)) return '';
  const code = (inner as { code?: unknown }).code;
  return ` (${typeof code === 'string' && !inner.message.includes(code) ? `${code}: ` : ''}${inner.message})`;
}

function readUsage(value: unknown): { promptTokens: number; completionTokens: number } | null {
  if (!isObject(value)) return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = value;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return null;
  return { promptTokens: prompt, completionTokens: completion };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
