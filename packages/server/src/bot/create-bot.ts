import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import type { Store } from '../store/store.ts';
import { AgentAssist } from './agent-assist.ts';
import { AiBot } from './ai-bot.ts';
import type { BotTurn } from './bot-turn.ts';
import { AnswerCache } from './cache/answer-cache.ts';
import { SharedAnswerCache } from './cache/shared-answer-cache.ts';
import { createDefaultPipeline } from './default-pipeline.ts';
import type { LlmConfig } from './llm-config.ts';
import { ModelChain } from './model-chain.ts';
import { createProviderEmbedder } from './providers/provider-embedder.ts';
import { FallbackIndex, type RetrievalIndex } from './retrieval/fallback-index.ts';
import { KnowledgeIndex } from './retrieval/knowledge-index.ts';
import { LocalEmbedder } from './retrieval/local-embedder.ts';

/** Where the similarity of provider embeddings starts to mean "relevant" (text-embedding-3 scale). */
const PROVIDER_MIN_SCORE = 0.3;

/**
 * The AI agent from its configuration: providers with keys (the others are skipped, and
 * said so), their breakers, the knowledge index (provider embeddings when configured,
 * falling back to the built-in ones), the answer cache and the pipeline.
 */
export async function createBot(options: {
  llm: LlmConfig;
  store: Store;
  log: Logger;
  /** Several nodes: the answer cache is shared through Redis and the bus. */
  cluster?: { redis: Redis; bus: Bus; prefix: string };
  /** Every finished bot turn. */
  onTurn?: (turn: BotTurn) => void;
}) {
  const { llm, store, log, cluster } = options;
  for (const p of llm.providers) {
    if (!p.apiKey)
      log.warn({ provider: p.name, key: p.keySource }, 'LLM provider skipped: its key is not set');
  }
  const keyed = llm.providers.filter((p) => p.apiKey);
  // The OpenAI SDK is loaded only when a provider has a key.
  const { OpenAIProvider } =
    keyed.length > 0 ? await import('./providers/openai-provider.ts') : { OpenAIProvider: null };
  const providers = keyed.flatMap((p) => {
    if (!p.apiKey || !OpenAIProvider) return [];
    return [
      new OpenAIProvider({
        name: p.name,
        baseUrl: p.baseUrl,
        apiKey: p.apiKey,
        model: p.model,
        embeddingModel: p.embeddingModel,
        timeoutMs: p.timeoutMs,
        prices: p.prices,
      }),
    ];
  });
  const chain = new ModelChain(
    providers,
    { breaker: llm.breaker, firstTokenTimeoutMs: llm.bot.first_token_timeout_ms },
    log,
  );
  const local = new KnowledgeIndex({ store });
  const embedding =
    llm.retrieval.embeddings === 'provider' ? providers.find((p) => p.embeddingModel) : undefined;
  if (llm.retrieval.embeddings === 'provider' && !embedding) {
    log.warn(
      '[retrieval] embeddings = "provider" but no provider with a key has an embedding_model: built-in index',
    );
  }
  const index: RetrievalIndex = embedding
    ? new FallbackIndex(
        new KnowledgeIndex({
          store,
          embedder: createProviderEmbedder(embedding),
          minScore: llm.retrieval.min_score ?? PROVIDER_MIN_SCORE,
        }),
        local,
        log,
        // The query embedding may use a quarter of the first-token deadline, no more.
        Math.min(1000, Math.floor(llm.bot.first_token_timeout_ms / 4)),
      )
    : local;
  const search = {
    search: (workspaceId: string, query: string, o: { limit: number; minScore?: number }) =>
      index.search(workspaceId, query, o),
    version: (workspaceId: string, signal?: AbortSignal) => index.version(workspaceId, signal),
  };
  // The cache compares questions with the built-in embedder: its guards and threshold are
  // measured on that vector space (bot/cache/labelled-questions.ts).
  const localCache = llm.cache.enabled
    ? new AnswerCache({
        embedder: new LocalEmbedder(),
        maxEntries: llm.cache.max_entries,
        semanticThreshold: llm.cache.semantic_threshold,
      })
    : null;
  const cache =
    localCache && cluster
      ? new SharedAnswerCache({ local: localCache, ...cluster, log, maxEntries: llm.cache.max_entries })
      : localCache;
  const bot = llm.bot.enabled
    ? new AiBot({
        store,
        middleware: createDefaultPipeline({ config: llm, chain, knowledge: search, cache }),
        historyMessages: llm.bot.history_messages,
        log,
        ...(options.onTurn && { onTurn: options.onTurn }),
      })
    : null;
  const assist = new AgentAssist(store, chain, search, {
    maxArticles: llm.retrieval.max_articles,
    ...(llm.retrieval.min_score !== undefined && { minScore: llm.retrieval.min_score }),
  });
  log.info(
    {
      bot: llm.bot.enabled,
      providers: providers.map((p) => `${p.name}:${p.model}`),
      embeddings: embedding ? `${embedding.name}:${embedding.embeddingModel}` : 'built-in',
      config: llm.path ?? 'defaults',
    },
    providers.length > 0 ? 'AI agent ready' : 'AI agent ready: no LLM provider, the rule engine answers',
  );
  return { bot, chain, index, assist, cache };
}
