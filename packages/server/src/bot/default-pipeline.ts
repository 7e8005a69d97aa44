import type { LlmConfig } from './llm-config.ts';
import {
  type AnswerStore,
  type ArticleSearch,
  answerFromCache,
  answerFromRules,
  generateReply,
  handoffOnKeywords,
  handoffOnNoAnswer,
  refuseInstructionRequests,
  retrieveArticles,
} from './middleware.ts';
import type { ModelChain } from './model-chain.ts';
import type { BotMiddleware } from './pipeline.ts';

/** The built-in steps in their order (docs/bot.md). Merchant steps go into the returned array. */
export function createDefaultPipeline(deps: {
  config: LlmConfig;
  chain: ModelChain;
  knowledge: ArticleSearch;
  cache: AnswerStore | null;
}): BotMiddleware[] {
  const { config, chain, knowledge, cache } = deps;
  return [
    handoffOnKeywords(config.bot.handoff_keywords),
    refuseInstructionRequests(),
    answerFromRules(config.rules),
    ...(cache ? [answerFromCache(cache, knowledge)] : []),
    retrieveArticles(knowledge, {
      limit: config.retrieval.max_articles,
      ...(config.retrieval.min_score !== undefined && { minScore: config.retrieval.min_score }),
    }),
    handoffOnNoAnswer(config.bot.no_answer),
    generateReply(chain, { systemPrompt: config.bot.system_prompt }),
  ];
}
