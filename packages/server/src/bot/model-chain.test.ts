import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelChain } from './model-chain.ts';
import { type ChatProvider, type ChatRequest, ProviderError, type StreamPart } from './providers/provider.ts';

const log = pino({ level: 'silent' });
const breaker = { failure_rate: 0.5, min_requests: 2, window: 4, open_ms: 60_000 };

/** Waits until the signal aborts, then throws as a provider would. */
const untilAborted = (signal?: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(new ProviderError('aborted', 'aborted'));
    signal?.addEventListener('abort', () => reject(new ProviderError('aborted', 'aborted')), { once: true });
  });

type Behaviour = 'answer' | 'fail' | 'hang' | 'fail-after-one';

class FakeProvider implements ChatProvider {
  calls = 0;
  readonly model = 'm';
  constructor(
    readonly name: string,
    public behaviour: Behaviour,
    private readonly words = ['Hello', ' from ', 'fake'],
  ) {}
  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    this.calls++;
    if (this.behaviour === 'fail') throw new ProviderError('server', 'boom', 500);
    if (this.behaviour === 'hang') await untilAborted(request.signal);
    for (const [i, word] of this.words.entries()) {
      if (i === 1 && this.behaviour === 'fail-after-one')
        throw new ProviderError('server', 'mid-stream', null);
      yield { type: 'text-delta', text: word };
    }
    yield { type: 'finish', reason: 'stop', usage: null };
  }
}

const ask = (chain: ModelChain, signal?: AbortSignal) => {
  const deltas: string[] = [];
  const result = chain.stream(
    { messages: [{ role: 'user', content: 'hi' }], ...(signal && { signal }) },
    (d) => deltas.push(d),
  );
  return { deltas, result };
};

afterEach(() => vi.useRealTimers());

describe('ModelChain', () => {
  it('streams every delta of the first provider that answers', async () => {
    const a = new FakeProvider('a', 'answer');
    const chain = new ModelChain([a], { breaker, firstTokenTimeoutMs: 1000 }, log);
    const { deltas, result } = ask(chain);
    const answered = await result;
    expect(answered).toMatchObject({
      outcome: 'answered',
      provider: 'a',
      text: 'Hello from fake',
      complete: true,
      failed: [],
      // The fake reports no usage: tokens are estimated at 4 characters each, no price set.
      call: {
        provider: 'a',
        model: 'm',
        promptTokens: 1,
        completionTokens: 4,
        tokensEstimated: true,
        costUsd: 0,
        complete: true,
      },
    });
    if (answered.outcome !== 'answered') throw new Error('unreachable');
    expect(answered.call.firstTokenMs).toBeLessThanOrEqual(answered.call.totalMs);
    expect(deltas).toEqual(['Hello', ' from ', 'fake']);
  });

  it('falls back to the next provider when one fails before its first token', async () => {
    const a = new FakeProvider('a', 'fail');
    const b = new FakeProvider('b', 'answer');
    const chain = new ModelChain([a, b], { breaker, firstTokenTimeoutMs: 1000 }, log);
    const result = await ask(chain).result;
    expect(result).toMatchObject({ outcome: 'answered', provider: 'b' });
    expect(result.failed).toEqual([{ provider: 'a', reason: expect.any(String) }]);
    expect([a.calls, b.calls]).toEqual([1, 1]);
  });

  it('gives up within the first-token deadline when providers hang', async () => {
    const a = new FakeProvider('a', 'hang');
    const b = new FakeProvider('b', 'hang');
    const chain = new ModelChain([a, b], { breaker, firstTokenTimeoutMs: 150 }, log);
    const result = await ask(chain).result;
    expect(result.outcome).toBe('unavailable');
    // One deadline for the turn: the first provider used it all, the second had no time left.
    expect(result).toMatchObject({ reason: expect.stringContaining('no first token in 150 ms') });
    expect(result.failed).toEqual([
      { provider: 'a', reason: 'no first token in 150 ms' },
      { provider: 'b', reason: 'no time left' },
    ]);
    expect(b.calls).toBe(0);
  });

  it('keeps a partial answer when the provider fails after its first token, and does not switch', async () => {
    const a = new FakeProvider('a', 'fail-after-one');
    const b = new FakeProvider('b', 'answer');
    const chain = new ModelChain([a, b], { breaker, firstTokenTimeoutMs: 1000 }, log);
    const { deltas, result } = ask(chain);
    expect(await result).toMatchObject({
      outcome: 'answered',
      provider: 'a',
      text: 'Hello',
      complete: false,
      call: { complete: false, completionTokens: 2 },
    });
    expect(deltas).toEqual(['Hello']);
    expect(b.calls).toBe(0);
  });

  it('opens the breaker after failures, skips the provider while open, probes and closes when it is back', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = new FakeProvider('a', 'fail');
    const b = new FakeProvider('b', 'answer');
    const chain = new ModelChain([a, b], { breaker, firstTokenTimeoutMs: 1000 }, log);
    await ask(chain).result;
    await ask(chain).result;
    expect(chain.states()[0]).toMatchObject({ name: 'a', breaker: 'open' });
    await ask(chain).result;
    expect(a.calls).toBe(2); // skipped while open

    a.behaviour = 'answer';
    expect(chain.available()).toBe(true); // b is closed
    vi.setSystemTime(Date.now() + breaker.open_ms + 1);
    const probe = await ask(chain).result;
    expect(probe).toMatchObject({ outcome: 'answered', provider: 'a' });
    expect(chain.states()[0]!.breaker).toBe('closed');
  });

  it('reports unavailable at once when every breaker is open', async () => {
    const a = new FakeProvider('a', 'fail');
    const chain = new ModelChain([a], { breaker, firstTokenTimeoutMs: 1000 }, log);
    await ask(chain).result;
    await ask(chain).result;
    expect(chain.available()).toBe(false);
    expect(await ask(chain).result).toMatchObject({ outcome: 'unavailable', reason: 'a: circuit open' });
  });

  it('is available again once open_ms has passed, so a probe can close the breaker', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = new FakeProvider('a', 'fail');
    const chain = new ModelChain([a], { breaker, firstTokenTimeoutMs: 1000 }, log);
    await ask(chain).result;
    await ask(chain).result;
    expect(chain.available()).toBe(false);
    vi.setSystemTime(Date.now() + breaker.open_ms);
    expect(chain.available()).toBe(true);
    a.behaviour = 'answer';
    expect((await ask(chain).result).outcome).toBe('answered');
    expect(chain.states()[0]!.breaker).toBe('closed');
  });

  it('stops at once on abort, without counting it against the provider', async () => {
    const a = new FakeProvider('a', 'hang');
    const chain = new ModelChain(
      [a],
      { breaker: { ...breaker, min_requests: 1 }, firstTokenTimeoutMs: 10_000 },
      log,
    );
    const controller = new AbortController();
    const { result } = ask(chain, controller.signal);
    controller.abort();
    expect((await result).outcome).toBe('unavailable');
    expect(chain.states()[0]!.breaker).toBe('closed');
  });
});
