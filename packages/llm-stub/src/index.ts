export { RECORDINGS, RECORDINGS_DIR, type Recording, recordingPath } from './recordings.ts';
export { stubEmbedding } from './stub-embeddings.ts';
export { type ChatRequestBody, defaultReply, firstArticle, firstSentence } from './stub-reply.ts';
export {
  STUB_FAILURES,
  type StubBehaviour,
  type StubFailure,
  type StubRequest,
  type StubRequestState,
  type StubServer,
  type StubServerOptions,
  type StubStats,
  startStubServer,
} from './stub-server.ts';
