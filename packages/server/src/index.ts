/** What other packages of the repo (bench, tests) use of the server. */

export { AnswerCache } from './bot/cache/answer-cache.ts';
export { evaluateCache, measureSavings, repeatedQuestionWorkload } from './bot/cache/evaluate-cache.ts';
export { LABELLED_PAIRS } from './bot/cache/labelled-questions.ts';
export { parseLlmConfig } from './bot/llm-config.ts';
export {
  helpCenterArticles,
  helpCenterQueries,
  seedHelpCenter,
} from './bot/retrieval/fixtures/help-center.ts';
export { LocalEmbedder } from './bot/retrieval/local-embedder.ts';
export { loadConfig } from './config/config.ts';
export { createServer, type UniqueSupportServer } from './server.ts';
export { SqliteStore } from './store/sqlite-store.ts';
