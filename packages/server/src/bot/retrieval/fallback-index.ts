import type { Logger } from 'pino';
import type { KnowledgeIndex, SearchHit, SearchOptions } from './knowledge-index.ts';

/** What the knowledge service and the bot need of an index. */
export type RetrievalIndex = Pick<KnowledgeIndex, 'search' | 'invalidate' | 'invalidateAll' | 'version'>;

/**
 * The provider's embeddings first, the built-in embedder when they fail or are slow: the
 * bot must still find articles (and answer from them) while the provider is down.
 */
export class FallbackIndex implements RetrievalIndex {
  constructor(
    private readonly primary: KnowledgeIndex,
    private readonly fallback: KnowledgeIndex,
    private readonly log: Logger,
    /** Longest wait for the primary's query embedding. @default 1000 */
    private readonly timeoutMs = 1000,
  ) {}

  async search(workspaceId: string, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      return await this.primary.search(workspaceId, query, { ...options, signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      this.log.warn({ err, workspaceId }, 'provider embeddings failed: built-in index answers');
      // The caller's minScore is on the primary's scale; the fallback keeps its own.
      const { minScore: _, ...rest } = options;
      return this.fallback.search(workspaceId, query, rest);
    }
  }

  invalidate(workspaceId: string): void {
    this.primary.invalidate(workspaceId);
    this.fallback.invalidate(workspaceId);
  }

  invalidateAll(): void {
    this.primary.invalidateAll();
    this.fallback.invalidateAll();
  }

  /** The built-in index's: it builds without the provider, and both hold the same articles. */
  version(workspaceId: string, signal?: AbortSignal): Promise<string> {
    return this.fallback.version(workspaceId, signal);
  }
}
