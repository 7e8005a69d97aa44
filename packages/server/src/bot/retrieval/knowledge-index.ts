import { createHash } from 'node:crypto';
import type { Article } from '@unique-support/protocol';
import type { Store } from '../../store/store.ts';
import { type Chunk, type ChunkOptions, chunkArticle, embeddingText } from './chunker.ts';
import { type Embedder, similarity } from './embedder.ts';
import { LocalEmbedder } from './local-embedder.ts';

/** One article that answers a query: its best chunk. */
export interface SearchHit {
  articleId: string;
  title: string;
  /** The chunk of the article that matched best. */
  text: string;
  /** Cosine similarity of the query and that chunk (title and tags included). */
  score: number;
}

export interface SearchOptions {
  /** At most this many articles. @default 3 */
  limit?: number;
  /** Hits scoring below this are dropped. @default the index's `minScore` */
  minScore?: number;
  signal?: AbortSignal;
}

export interface KnowledgeIndexOptions {
  store: Pick<Store, 'listArticles'>;
  /** @default `new LocalEmbedder(LOCAL_DIMENSIONS)` */
  embedder?: Embedder;
  /** The default of `SearchOptions.minScore`. @default DEFAULT_MIN_SCORE (made for the local embedder) */
  minScore?: number;
  chunking?: ChunkOptions;
  /** Workspaces whose index is kept in memory; the least recently searched is dropped first. @default 1000 */
  maxWorkspaces?: number;
  /** Texts per `embed` call while building. @default 64 */
  batchSize?: number;
}

/**
 * Dimensions of the default local embedder. Its vectors are hashed features: more
 * dimensions, fewer collisions, less noise in the scores of unrelated texts (on the
 * fixture, the best off-topic score falls from 0.10 at 1024 to 0.08 at 4096, and top-1
 * accuracy rises from 91% to 97%). Stored sparse, so memory does not grow with it.
 */
export const LOCAL_DIMENSIONS = 4096;

/**
 * Separates relevant from irrelevant hits of the local embedder on the help-center
 * fixture (`fixtures/help-center.ts`, measured in `knowledge-index.test.ts`). A provider's
 * embeddings have another scale: give their index its own `minScore`.
 */
export const DEFAULT_MIN_SCORE = 0.1;

/** A unit vector as kept in memory: sparse when mostly zeros (the local embedder's), else dense. */
type StoredVector = Float32Array | { length: number; index: Uint32Array; value: Float32Array };

interface Entry {
  chunk: Chunk;
  vector: StoredVector;
}

interface Build {
  entries: Entry[];
  /** Fingerprint of the articles the entries were made from. */
  version: string;
}

/**
 * Retrieval over a workspace's knowledge base. The index of a workspace is built on its
 * first search from `store.listArticles` (chunked, embedded) and kept in memory until
 * `invalidate` (every article write calls it); concurrent searches share one build.
 *
 * Scoring is the cosine similarity of the query and each chunk. A search returns at most
 * one hit per article, its best-scoring chunk, best first: the bot quotes distinct
 * articles rather than three pieces of one. (A lexical boost on top was measured on the
 * fixture and did not separate relevant from irrelevant hits any better, so there is none.)
 */
export class KnowledgeIndex {
  readonly embedder: Embedder;
  readonly minScore: number;
  private readonly store: Pick<Store, 'listArticles'>;
  private readonly chunking: ChunkOptions | undefined;
  private readonly maxWorkspaces: number;
  private readonly batchSize: number;
  /** Insertion order = least recently searched first. */
  private readonly builds = new Map<string, Promise<Build>>();

  constructor(options: KnowledgeIndexOptions) {
    this.store = options.store;
    this.embedder = options.embedder ?? new LocalEmbedder(LOCAL_DIMENSIONS);
    this.minScore = options.minScore ?? DEFAULT_MIN_SCORE;
    this.chunking = options.chunking;
    this.maxWorkspaces = Math.max(1, options.maxWorkspaces ?? 1000);
    this.batchSize = Math.max(1, options.batchSize ?? 64);
  }

  /** The workspace's best articles for `query`, best first, none below `minScore`. */
  async search(workspaceId: string, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = Math.max(0, Math.floor(options.limit ?? 3));
    const minScore = options.minScore ?? this.minScore;
    if (limit === 0 || !query.trim()) return [];
    const [{ entries }, [queryVector]] = await Promise.all([
      this.entries(workspaceId, options.signal),
      this.embedder.embed([query], options.signal),
    ]);
    if (!queryVector) return [];

    const best = new Map<string, SearchHit>();
    for (const { chunk, vector } of entries) {
      const score = dot(queryVector, vector);
      if (score < minScore) continue;
      const previous = best.get(chunk.articleId);
      if (previous && previous.score >= score) continue;
      best.set(chunk.articleId, { articleId: chunk.articleId, title: chunk.title, text: chunk.text, score });
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || (a.articleId < b.articleId ? -1 : 1))
      .slice(0, limit);
  }

  /** Drops the workspace's index: the next search rebuilds it from the store. */
  invalidate(workspaceId: string): void {
    this.builds.delete(workspaceId);
  }

  /** Drops every workspace's index (after this node may have missed invalidations). */
  invalidateAll(): void {
    this.builds.clear();
  }

  /**
   * A fingerprint of the articles the workspace's index holds (built if need be): the same
   * articles give the same version on every node and after restarts, so answers cached under
   * it (also in Redis, shared by nodes) match the knowledge they came from.
   */
  async version(workspaceId: string, signal?: AbortSignal): Promise<string> {
    return (await this.entries(workspaceId, signal)).version;
  }

  private entries(workspaceId: string, signal?: AbortSignal): Promise<Build> {
    let build = this.builds.get(workspaceId);
    if (build) {
      this.builds.delete(workspaceId);
      this.builds.set(workspaceId, build);
    } else {
      // Not tied to this caller's signal: other searches share the build.
      const started = this.build(workspaceId);
      build = started;
      this.builds.set(workspaceId, started);
      // A failed build is forgotten, so the next search tries again.
      started.catch(() => {
        if (this.builds.get(workspaceId) === started) this.builds.delete(workspaceId);
      });
      for (const oldest of this.builds.keys()) {
        if (this.builds.size <= this.maxWorkspaces) break;
        this.builds.delete(oldest);
      }
    }
    return signal ? abortable(build, signal) : build;
  }

  private async build(workspaceId: string): Promise<Build> {
    const articles = await this.store.listArticles(workspaceId);
    const chunks = articles.flatMap((article) => chunkArticle(article, this.chunking));
    const texts = chunks.map(embeddingText);
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      vectors.push(...(await this.embedder.embed(texts.slice(i, i + this.batchSize))));
    }
    if (vectors.length !== chunks.length) {
      throw new Error(`embedder ${this.embedder.id} returned ${vectors.length} vectors for ${chunks.length}`);
    }
    return {
      entries: chunks.map((chunk, i) => ({ chunk, vector: compact(vectors[i]!) })),
      version: fingerprint(articles),
    };
  }
}

/** 16 hex digits of a SHA-256 over every article's id and content, in id order. */
export function fingerprint(articles: readonly Article[]): string {
  const hash = createHash('sha256');
  for (const article of [...articles].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(JSON.stringify([article.id, article.title, article.body, article.tags]));
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 16);
}

function compact(vector: Float32Array): StoredVector {
  let nonZero = 0;
  for (const v of vector) if (v !== 0) nonZero++;
  if (nonZero * 2 > vector.length) return vector;
  const index = new Uint32Array(nonZero);
  const value = new Float32Array(nonZero);
  let n = 0;
  for (let i = 0; i < vector.length; i++) {
    if (vector[i] === 0) continue;
    index[n] = i;
    value[n++] = vector[i]!;
  }
  return { length: vector.length, index, value };
}

/** Cosine similarity of unit vectors, one of them possibly sparse. */
function dot(query: Float32Array, stored: StoredVector): number {
  if (stored instanceof Float32Array) return similarity(query, stored);
  if (query.length !== stored.length) return 0;
  let sum = 0;
  for (let i = 0; i < stored.index.length; i++) sum += query[stored.index[i]!]! * stored.value[i]!;
  return sum;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
