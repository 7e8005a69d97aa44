import { BrokenCircuitError, CircuitState, CountBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Logger } from 'pino';
import type { LlmConfig } from './llm-config.ts';
import { type ChatProvider, type ChatRequest, ProviderError } from './providers/provider.ts';

/** The turn was aborted by us (takeover, shutdown): not the provider's fault, never counted. */
class TurnAborted extends Error {}
/** No first token within the deadline. */
class FirstTokenTimeout extends Error {}

export type BreakerState = 'closed' | 'open' | 'half-open';

export type ChainResult =
  /** The whole answer streamed (`complete`), or a part of it before the provider failed. */
  | { outcome: 'answered'; provider: string; text: string; complete: boolean }
  /** No provider produced a first token in time: nothing was streamed. */
  | { outcome: 'unavailable'; reason: string };

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
    const reasons: string[] = [];
    for (const { provider, breaker } of this.members) {
      const remaining = deadline - Date.now();
      if (request.signal?.aborted) break;
      if (remaining <= 0) {
        reasons.push(`${provider.name}: no time left`);
        break;
      }
      let text = '';
      try {
        await breaker.execute(() =>
          this.attempt(provider, request, remaining, (delta) => {
            text += delta;
            onDelta(delta);
          }),
        );
        return { outcome: 'answered', provider: provider.name, text, complete: true };
      } catch (err) {
        if (text) {
          if (!(err instanceof TurnAborted))
            this.log.warn({ err, provider: provider.name }, 'provider failed mid-answer');
          return { outcome: 'answered', provider: provider.name, text, complete: false };
        }
        if (err instanceof TurnAborted) break;
        reasons.push(`${provider.name}: ${describe(err)}`);
        if (!(err instanceof BrokenCircuitError))
          this.log.warn({ err, provider: provider.name }, 'provider failed');
      }
    }
    return { outcome: 'unavailable', reason: reasons.join('; ') || 'no provider configured' };
  }

  private async attempt(
    provider: ChatProvider,
    request: ChatRequest,
    firstTokenMs: number,
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
          onDelta(part.text);
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
