/** What other packages of the repo (bench, tests) use of the server. */
export { parseLlmConfig } from './bot/llm-config.ts';
export {
  helpCenterArticles,
  helpCenterQueries,
  seedHelpCenter,
} from './bot/retrieval/fixtures/help-center.ts';
export { loadConfig } from './config/config.ts';
export { createServer, type UniqueSupportServer } from './server.ts';
