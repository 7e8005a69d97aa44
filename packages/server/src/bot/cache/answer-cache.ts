/**
 * The bot's answer cache: saves LLM calls on repeated questions and never answers a different one.
 *
 * Scope. Every entry belongs to `(workspaceId, knowledgeVersion)`. A change to a workspace's
 * knowledge base bumps its version, so answers written against older knowledge are never served
 * (they age out of the LRU); `invalidate(workspaceId)` drops them eagerly.
 *
 * Exact layer. An `lru-cache` keyed by scope + `normalizeQuestion(question)`: NFKC, lower case,
 * whitespace collapsed, punctuation between words, greetings/thanks and Chinese sentence-final
 * particles (吗 呢 吧 ...) removed; numbers, symbols (`$`, `%`), negations and 了 are kept.
 *
 * Semantic layer. The same entries, indexed per scope. Another question's answer is served only if
 * the guards agree (question-profile.ts) AND the best cosine similarity ≥ `semanticThreshold`:
 *   - numbers, amounts and order ids identical ("#12345" ≠ "#12346", "$49.99" ≠ "$94.99");
 *   - negation agrees, clause by clause (not/never/n't/without, 不/没/无/未/别/非; 能不能 is a question);
 *   - tense agrees ("did I get a discount" ≠ "do I get a discount", 发货了吗 ≠ 发货吗);
 *   - the salient words are the same set — every non-filler word, stemmed (English) or per character
 *     (Chinese), question words and modals as classes — so "Canada" ≠ "Mexico", 退货 ≠ 换货;
 *   - in the same order up to a rotation (订单怎么取消 = 怎么取消订单; "refund instead of credit" ≠
 *     "credit instead of refund"), with the same roles after to/from/for/than/到/从/给/换 and the same
 *     I/you order ("ship to Canada" ≠ "ship from Canada", "call me" ≠ "call you").
 * In one sentence: a semantic hit may only differ from the cached question in filler words, in
 * synonyms of a question word or modal, and in where the topic stands. The rigid part of the guards
 * (numbers, negation, tense, salient words) is a map key, so candidates cost one lookup; the embedder
 * is called only when a candidate exists, and entries are embedded lazily, on first comparison.
 *
 * Bound. One LRU of entries (`maxEntries`); the semantic index holds the same entry objects and the
 * LRU's `dispose` removes them from it, so both layers share the bound and the recency (a semantic
 * hit refreshes the entry it served). Questions over 500 characters, and questions whose meaning
 * lives in the conversation ("how much is it?"), are neither cached nor looked up.
 *
 * Threshold (measured with the LocalEmbedder on labelled-questions.ts: 391 paraphrase pairs, 379 hard
 * negatives, 880 questions). With the guards there are 0 wrong hits at every threshold, also over all
 * ~386k pairs of questions with different meaning; the threshold is a second line of defence:
 *     threshold                                        0.6    0.7    0.8    0.85   0.92
 *     paraphrase hits                                  36%    30%    22%    15%    8%
 *     hard negatives let through if the salient-word
 *     guard were removed (of 379)                      135    81     31     11     3
 *     workload served from cache (seed 42)             73.7%  73.4%  72.9%  72.5%  71.7%
 * The default 0.8 keeps a useful paraphrase rate while most near misses would still be stopped by
 * the cosine alone. It is no defence against changes of structure: this bag-of-n-grams embedder
 * scores "refund instead of credit" vs "credit instead of refund" at 1.0, hence the order and role
 * guards. Another embedder needs its own threshold: measure it with evaluate-cache.ts.
 *
 * Do not cache answers that used the visitor's own data (order lookups, account details): the scope
 * is the workspace, not the visitor.
 */
import { LRUCache } from 'lru-cache';
import { type Embedder, similarity } from '../retrieval/embedder.ts';
import { normalizeQuestion } from './normalize-question.ts';
import { profileQuestion, type QuestionProfile, sharable } from './question-profile.ts';

export const MAX_CACHED_QUESTION_LENGTH = 500;
export const DEFAULT_SEMANTIC_THRESHOLD = 0.8;

export interface CacheScope {
  readonly workspaceId: string;
  readonly knowledgeVersion: string | number;
}

export interface CacheHit {
  readonly answer: string;
  readonly kind: 'exact' | 'semantic';
  /** 1 for an exact hit, the cosine similarity for a semantic one. */
  readonly score: number;
}

export interface AnswerCacheStats {
  readonly exactHits: number;
  readonly semanticHits: number;
  readonly misses: number;
  readonly entries: number;
}

export interface AnswerCacheOptions {
  embedder: Embedder;
  maxEntries?: number;
  semanticThreshold?: number;
  enabled?: boolean;
}

interface Entry {
  readonly key: string;
  readonly scopeKey: string;
  readonly question: string;
  readonly answer: string;
  readonly profile: QuestionProfile;
  vector: Float32Array | undefined;
}

/** Per scope: guard key → entries. */
type ScopeIndex = Map<string, Set<Entry>>;

export class AnswerCache {
  readonly enabled: boolean;
  readonly semanticThreshold: number;
  readonly #embedder: Embedder;
  readonly #entries: LRUCache<string, Entry>;
  readonly #scopes = new Map<string, ScopeIndex>();
  /** Vectors of recently looked-up questions, so that `set` after a miss does not embed again. */
  readonly #recentVectors = new LRUCache<string, Float32Array>({ max: 256 });
  #exactHits = 0;
  #semanticHits = 0;
  #misses = 0;

  constructor({
    embedder,
    maxEntries = 10_000,
    semanticThreshold = DEFAULT_SEMANTIC_THRESHOLD,
    enabled = true,
  }: AnswerCacheOptions) {
    this.#embedder = embedder;
    this.enabled = enabled;
    this.semanticThreshold = semanticThreshold;
    this.#entries = new LRUCache<string, Entry>({
      max: Math.max(1, maxEntries),
      dispose: (entry) => this.#unindex(entry),
    });
  }

  async get(scope: CacheScope, question: string, signal?: AbortSignal): Promise<CacheHit | null> {
    signal?.throwIfAborted();
    if (!this.enabled || question.length > MAX_CACHED_QUESTION_LENGTH) return this.#miss();
    const normalized = normalizeQuestion(question);
    const profile = profileQuestion(question);
    if (normalized === '' || !profile.cacheable) return this.#miss();
    const scopeKey = scopeKeyOf(scope);
    const exact = this.#entries.get(entryKey(scopeKey, normalized));
    if (exact !== undefined) {
      this.#exactHits++;
      return { answer: exact.answer, kind: 'exact', score: 1 };
    }

    const candidates = [...(this.#scopes.get(scopeKey)?.get(profile.key) ?? [])].filter((entry) =>
      sharable(profile, entry.profile),
    );
    if (candidates.length === 0) return this.#miss();

    const unembedded = candidates.filter((entry) => entry.vector === undefined);
    let vectors: Float32Array[];
    try {
      vectors = await this.#embedder.embed([question, ...unembedded.map((entry) => entry.question)], signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return this.#miss(); // an embedder that is down costs hits, never answers
    }
    const [vector, ...entryVectors] = vectors;
    if (vector === undefined) return this.#miss();
    this.#recentVectors.set(question, vector);
    unembedded.forEach((entry, i) => {
      entry.vector = entryVectors[i];
    });

    let best: Entry | undefined;
    let bestScore = -1;
    for (const entry of candidates) {
      // Evicted or invalidated while the embedder was working: not ours to serve any more.
      if (entry.vector === undefined || this.#entries.peek(entry.key) !== entry) continue;
      const score = similarity(vector, entry.vector);
      if (score > bestScore) {
        best = entry;
        bestScore = score;
      }
    }
    if (best === undefined || bestScore < this.semanticThreshold) return this.#miss();
    this.#entries.get(best.key); // refresh recency
    this.#semanticHits++;
    return { answer: best.answer, kind: 'semantic', score: bestScore };
  }

  set(scope: CacheScope, question: string, answer: string): void {
    if (!this.enabled || question.length > MAX_CACHED_QUESTION_LENGTH) return;
    const normalized = normalizeQuestion(question);
    const profile = profileQuestion(question);
    if (normalized === '' || !profile.cacheable) return;
    const scopeKey = scopeKeyOf(scope);
    const entry: Entry = {
      key: entryKey(scopeKey, normalized),
      scopeKey,
      question,
      answer,
      profile,
      vector: this.#recentVectors.get(question),
    };
    this.#entries.set(entry.key, entry); // disposes (un-indexes) a previous entry under this key
    let index = this.#scopes.get(scopeKey);
    if (index === undefined) {
      index = new Map();
      this.#scopes.set(scopeKey, index);
    }
    let entries = index.get(entry.profile.key);
    if (entries === undefined) {
      entries = new Set();
      index.set(entry.profile.key, entries);
    }
    entries.add(entry);
  }

  /** The exact-layer key of a question (its normalized form), or null when it is never cached. */
  keyOf(question: string): string | null {
    if (!this.enabled || question.length > MAX_CACHED_QUESTION_LENGTH) return null;
    const normalized = normalizeQuestion(question);
    return normalized !== '' && profileQuestion(question).cacheable ? normalized : null;
  }

  /** Drops every answer of a workspace, whatever its knowledge version. */
  invalidate(workspaceId: string): void {
    const prefix = `[${JSON.stringify(workspaceId)},`;
    const keys: string[] = [];
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) keys.push(key);
    for (const key of keys) this.#entries.delete(key);
  }

  stats(): AnswerCacheStats {
    return {
      exactHits: this.#exactHits,
      semanticHits: this.#semanticHits,
      misses: this.#misses,
      entries: this.#entries.size,
    };
  }

  #miss(): null {
    this.#misses++;
    return null;
  }

  #unindex(entry: Entry): void {
    const index = this.#scopes.get(entry.scopeKey);
    const entries = index?.get(entry.profile.key);
    if (index === undefined || entries === undefined || !entries.delete(entry)) return;
    if (entries.size > 0) return;
    index.delete(entry.profile.key);
    if (index.size === 0) this.#scopes.delete(entry.scopeKey);
  }
}

/** `["workspace","version"]`: JSON keeps any workspace id or version from colliding with another. */
function scopeKeyOf(scope: CacheScope): string {
  return JSON.stringify([scope.workspaceId, String(scope.knowledgeVersion)]);
}

function entryKey(scopeKey: string, normalized: string): string {
  return `${scopeKey}\n${normalized}`;
}
