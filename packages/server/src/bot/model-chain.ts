import { BrokenCircuitError, CircuitState, CountBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Logger } from 'pino';
import { inSpan, SpanKind } from '../observability/tracing.ts';
import type { ModelCall, ProviderAttempt } from './bot-turn.ts';
import type { LlmConfig } from './llm-config.ts';
import { type ChatProvider, type ChatRequest, ProviderError } from './providers/provider.ts';

/** The turn was aborted by us (takeover, shutdown): not the provider's fault, never counted. */
class TurnAborted extends Error {}
/** No first token within the deadline. */
class FirstTokenTimeout extends Error {}

export type BreakerState = 'closed' | 'open' | 'half-open';

export type ChainResult =
  /** The whole answer streamed (`complete`), or a part of it before the provider failed. */
  | {
      outcome: 'answered';
      provider: string;
      text: string;
      complete: boolean;
      /** Timings, tokens and cost of the call that answered. */
      call: ModelCall;
      /** Providers that failed before this one. */
      failed: ProviderAttempt[];
    }
  /** No provider produced a first token in time: nothing was streamed. */
  | { outcome: 'unavailable'; reason: string; failed: ProviderAttempt[] };

/** What one provider call measured. */
interface CallStats {
  startedAt: number;
  firstTokenAt: number | null;
  usage: { promptTokens: number; completionTokens: number } | null;
}

interface Member {
  provider: ChatProvider;
  breaker: ReturnType<typeof circuitBreaker>;
  /** When the breaker last opened: after `open_ms` it lets a probe through (half-open). */
  openedAt: number;
}

/**
 * Providers in priority order, each behind its own circuit breaker (failure rate over
 * the last `window` calls, open for `open_ms`, then one half-open probe). A turn has one
 * first-token deadline across all providers, so falling back never takes longer than
 * `first_token_timeout_ms`; once a token has been relayed the turn stays with that provider.
 */
export class ModelChain {
  private readonly members: Member[];

  constructor(
    providers: readonly ChatProvider[],
    config: Pick<LlmConfig, 'breaker'> & { firstTokenTimeoutMs: number },
    private readonly log: Logger,
  ) {
    this.firstTokenTimeoutMs = config.firstTokenTimeoutMs;
    this.openMs = config.breaker.open_ms;
    this.members = providers.map((provider) => {
      const breaker = circuitBreaker(
        handleWhen((err) => !(err instanceof TurnAborted)),
        {
          halfOpenAfter: config.breaker.open_ms,
          breaker: new CountBreaker({
            threshold: config.breaker.failure_rate,
            size: config.breaker.window,
            minimumNumberOfCalls: config.breaker.min_requests,
          }),
        },
      );
      const member: Member = { provider, breaker, openedAt: 0 };
      breaker.onBreak(() => {
        member.openedAt = Date.now();
      });
      breaker.onStateChange((state) =>
        this.log.warn(
          { provider: provider.name, breaker: stateName(state) },
          'provider circuit breaker changed',
        ),
      );
      return member;
    });
  }

  private readonly firstTokenTimeoutMs: number;
  private readonly openMs: number;

  get size(): number {
    return this.members.length;
  }

  states(): { name: string; model: string; breaker: BreakerState }[] {
    return this.members.map(({ provider, breaker }) => ({
      name: provider.name,
      model: provider.model,
      breaker: stateName(breaker.state),
    }));
  }

  /** True when at least one provider may be tried now (closed, or open long enough for a probe). */
  available(): boolean {
    const now = Date.now();
    return this.members.some((m) => m.breaker.state !== CircuitState.Open || now - m.openedAt >= this.openMs);
  }

  /**
   * Streams an answer, calling `onDelta` for each piece as it arrives. Aborting `request.signal`
   * ends the turn at once (the result then holds what was relayed so far, `complete: false`).
   */
  async stream(request: ChatRequest, onDelta: (text: string) => void): Promise<ChainResult> {
    const deadline = Date.now() + this.firstTokenTimeoutMs;
    const failed: ProviderAttempt[] = [];
    for (const { provider, breaker } of this.members) {
      const remaining = deadline - Date.now();
      if (request.signal?.aborted) break;
      if (remaining <= 0) {
        failed.push({ provider: provider.name, reason: 'no time left' });
        break;
      }
      let text = '';
      const stats: CallStats = { startedAt: performance.now(), firstTokenAt: null, usage: null };
      const answered = (complete: boolean): ChainResult => ({
        outcome: 'answered',
        provider: provider.name,
        text,
        complete,
        call: modelCall(provider, request, text, stats, complete),
        failed,
      });
      try {
        await inSpan(
          'llm.stream',
          {
            kind: SpanKind.CLIENT,
            attributes: { 'gen_ai.system': provider.name, 'gen_ai.request.model': provider.model },
          },
          async (span) => {
            try {
              await breaker.execute(() =>
                this.attempt(provider, request, remaining, stats, (delta) => {
                  text += delta;
                  onDelta(delta);
                }),
              );
            } finally {
              if (stats.firstTokenAt !== null)
                span.setAttribute('us.first_token_ms', Math.round(stats.firstTokenAt - stats.startedAt));
            }
          },
        );
        return answered(true);
      } catch (err) {
        if (text) {
          if (!(err instanceof TurnAborted))
            this.log.warn({ err, provider: provider.name }, 'provider failed mid-answer');
          return answered(false);
        }
        if (err instanceof TurnAborted) break;
        failed.push({ provider: provider.name, reason: describe(err) });
        if (!(err instanceof BrokenCircuitError))
          this.log.warn({ err, provider: provider.name }, 'provider failed');
      }
    }
    const reason = failed.map((f) => `${f.provider}: ${f.reason}`).join('; ') || 'no provider configured';
    return { outcome: 'unavailable', reason, failed };
  }

  private async attempt(
    provider: ChatProvider,
    request: ChatRequest,
    firstTokenMs: number,
    stats: CallStats,
    onDelta: (text: string) => void,
  ): Promise<void> {
    const controller = new AbortController();
    const parent = request.signal;
    const onParentAbort = () => controller.abort(new TurnAborted('turn aborted'));
    parent?.addEventListener('abort', onParentAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new FirstTokenTimeout(`no first token in ${firstTokenMs} ms`)),
      firstTokenMs,
    );
    try {
      for await (const part of provider.stream({ ...request, signal: controller.signal })) {
        if (controller.signal.aborted) break;
        if (part.type === 'text-delta') {
          clearTimeout(timer);
          stats.firstTokenAt ??= performance.now();
          onDelta(part.text);
        } else {
          stats.usage = part.usage;
        }
      }
      if (controller.signal.aborted) throw controller.signal.reason;
    } catch (err) {
      // The provider reports our abort as its own error: say why it really stopped.
      if (controller.signal.aborted) throw controller.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    }
  }
}

/** Tokens as reported, else estimated at 4 characters each; cost from the provider's prices. */
function modelCall(
  provider: ChatProvider,
  request: ChatRequest,
  text: string,
  stats: CallStats,
  complete: boolean,
): ModelCall {
  const estimated = stats.usage === null;
  const promptTokens =
    stats.usage?.promptTokens ??
    Math.ceil(request.messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
  const completionTokens = stats.usage?.completionTokens ?? Math.ceil(text.length / 4);
  const prices = provider.prices ?? { prompt: 0, completion: 0 };
  return {
    provider: provider.name,
    model: provider.model,
    firstTokenMs: stats.firstTokenAt === null ? null : Math.round(stats.firstTokenAt - stats.startedAt),
    totalMs: Math.round(performance.now() - stats.startedAt),
    promptTokens,
    completionTokens,
    tokensEstimated: estimated,
    costUsd: (promptTokens * prices.prompt + completionTokens * prices.completion) / 1_000_000,
    complete,
  };
}

function stateName(state: CircuitState): BreakerState {
  if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'closed';
}

function describe(err: unknown): string {
  if (err instanceof BrokenCircuitError) return 'circuit open';
  if (err instanceof FirstTokenTimeout) return err.message;
  if (err instanceof ProviderError) return `${err.kind}${err.status ? ` ${err.status}` : ''}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
