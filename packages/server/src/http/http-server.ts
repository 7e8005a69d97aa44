import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Span } from '@opentelemetry/api';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@unique-support/protocol';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountService } from '../auth/account-service.ts';
import type { AgentAssist } from '../bot/agent-assist.ts';
import type { Config } from '../config/config.ts';
import type { CannedReplyService } from '../core/canned-reply-service.ts';
import type { ConversationService } from '../core/conversation-service.ts';
import type { KnowledgeService } from '../core/knowledge-service.ts';
import type { Principal } from '../core/principal.ts';
import type { ReportService } from '../core/report-service.ts';
import type { UploadService } from '../core/upload-service.ts';
import type { WebhookService } from '../core/webhook-service.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Metrics } from '../observability/metrics.ts';
import { endHttpSpan, startHttpSpan } from '../observability/tracing.ts';
import type { Store } from '../store/store.ts';
import { accountRoutes } from './routes/accounts.ts';
import { assistRoutes } from './routes/assist.ts';
import { cannedReplyRoutes } from './routes/canned-replies.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { knowledgeRoutes } from './routes/knowledge.ts';
import { reportRoutes } from './routes/reports.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { visitorRoutes } from './routes/visitors.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { widgetRoutes } from './routes/widget.ts';
import { isConsoleDeepLink, staticRoutes } from './static-routes.ts';

export interface HttpDeps {
  store: Store;
  config: Config;
  log: Logger;
  metrics: Metrics;
  accounts: AccountService;
  conversations: ConversationService;
  knowledge: KnowledgeService;
  uploads: UploadService;
  cannedReplies: CannedReplyService;
  webhooks: WebhookService;
  assist: AgentAssist;
  reports: ReportService;
  /** Set with several nodes: route rate limits (login) count across all of them. */
  redis?: Redis | null;
  /** Prefix of the Redis keys. @default `us:` */
  redisPrefix?: string;
  /** What is down (empty when ready), and details to show. */
  readiness: () => Promise<{ down: string[]; details: Record<string, unknown> }>;
}

/** The principal of the request's `Authorization: Bearer` token, or UNAUTHORIZED. */
export const bearer = (accounts: AccountService) => (request: FastifyRequest) => {
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  return accounts.authenticate(token) as Promise<Principal>;
};

/** Two validators: query strings and params are coerced from text; JSON bodies keep their types strictly. */
function validatorCompiler() {
  const strict = addFormats.default(new Ajv.default({ coerceTypes: false, allErrors: false, strict: false }));
  const coercing = addFormats.default(
    new Ajv.default({ coerceTypes: true, allErrors: false, strict: false }),
  );
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

export async function buildHttpServer(deps: HttpDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : newId('req');
    },
    bodyLimit: 1024 * 1024,
    // Long ids reach schema validation (400) instead of Fastify's 414.
    routerOptions: { maxParamLength: 1000 },
    // Errors Fastify raises before routing (a badly encoded URL): the contract's shape too.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const body: ErrorBody = {
        error: { code: 'BAD_REQUEST', message: error.message, requestId: request.id },
      };
      reply.header('x-request-id', request.id).code(400).send(body);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  // A trace per request when tracing is on (a `traceparent` header continues the caller's).
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const traced = startHttpSpan(request.method, request.url.split('?')[0]!, request.headers);
    if (!traced) return done();
    spans.set(request, traced.span);
    traced.run(done);
  });
  const countMessage = restMessageCounter(deps.metrics);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if (reply.statusCode === 201) countMessage(request.routeOptions.url, payload);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (span) endHttpSpan(span, request.method, request.routeOptions.url, reply.statusCode);
    deps.metrics.httpRequests
      .labels(request.method, request.routeOptions.url ?? 'unknown', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = toHttpError(error);
    if (appError.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = {
      error: { code: appError.code, message: appError.message, requestId: request.id },
    };
    reply.code(appError.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' && isConsoleDeepLink(request.url, request.headers.accept)) {
      return reply.type('text/html').sendFile('index.html');
    }
    const body: ErrorBody = {
      error: {
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        requestId: request.id,
      },
    };
    reply.code(404).send(body);
  });

  // Shared by the nodes through Redis when there is one; while it is unreachable, requests are
  // let through (skipOnError) rather than failing logins, and logged by the Redis client.
  await app.register(rateLimit, {
    global: false,
    ...(deps.redis && {
      redis: deps.redis,
      nameSpace: `${deps.redisPrefix ?? 'us:'}rate:route:`,
      skipOnError: true,
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'unique-support', version: '1.0.0', description: 'REST API of unique-support.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // `pid` tells which process answered (several workers share a port in cluster mode).
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', pid: process.pid }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const { down, details } = await deps.readiness();
    if (down.length > 0) reply.code(503);
    return { status: down.length > 0 ? 'unavailable' : 'ready', down, ...details };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(accountRoutes, { prefix: '/api/v1', ...deps });
  await app.register(conversationRoutes, { prefix: '/api/v1', ...deps });
  await app.register(assistRoutes, { prefix: '/api/v1', ...deps });
  await app.register(knowledgeRoutes, { prefix: '/api/v1', ...deps });
  await app.register(widgetRoutes, { prefix: '/api/v1', ...deps });
  await app.register(visitorRoutes, { prefix: '/api/v1', ...deps });
  await app.register(uploadRoutes, { prefix: '/api/v1', ...deps });
  await app.register(cannedReplyRoutes, { prefix: '/api/v1', ...deps });
  await app.register(webhookRoutes, { prefix: '/api/v1', ...deps });
  await app.register(reportRoutes, { prefix: '/api/v1', ...deps });
  await app.register(staticRoutes, { store: deps.store });
  return app;
}

/** What `POST .../messages` answers: the message's author type follows (its schema's key order). */
const AUTHOR_TYPE_KEY = '"author":{"type":"';

/**
 * `us_messages_received_total{channel="rest"}` from the responses that stored a message (201):
 * `POST /conversations/:id/messages` (author type read from the serialised answer, as the route
 * sends it) and offline messages (a visitor's, stored with their conversation in one
 * transaction, outside the message writer: counted as stored here too).
 */
function restMessageCounter(metrics: Metrics) {
  const received = {
    agent: metrics.messagesReceived.labels('rest', 'agent'),
    visitor: metrics.messagesReceived.labels('rest', 'visitor'),
  };
  const storedOffline = metrics.messagesStored.labels('visitor');
  return (route: string | undefined, payload: unknown): void => {
    if (route === '/api/v1/conversations/:id/messages') {
      if (typeof payload !== 'string') return;
      const at = payload.indexOf(AUTHOR_TYPE_KEY);
      if (at >= 0) {
        (payload.startsWith('agent', at + AUTHOR_TYPE_KEY.length) ? received.agent : received.visitor).inc();
      }
    } else if (route === '/api/v1/widget/offline-message') {
      received.visitor.inc();
      storedOffline.inc();
    }
  };
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['BAD_REQUEST', 'body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    'BAD_REQUEST',
    'body must not be empty when Content-Type is application/json',
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['BAD_REQUEST', 'Content-Type must be application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'body is larger than 1 MiB'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BAD_REQUEST', 'Content-Length does not match the body'],
};

/** Maps anything thrown in a request to the closed vocabulary; a client's mistake is never INTERNAL. */
function toHttpError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return new AppError('BAD_REQUEST', error.message);
  const known = FASTIFY_CODES[error.code];
  if (known) return new AppError(known[0], known[1]);
  if (error instanceof SyntaxError) return new AppError('BAD_REQUEST', 'body is not valid JSON');
  const status = error.statusCode ?? 500;
  if (status === 429) return new AppError('RATE_LIMITED', 'too many requests, try again later');
  if (status >= 400 && status < 500) {
    const code = (Object.keys(ERROR_CODES) as ErrorCode[]).find((c) => ERROR_CODES[c].status === status);
    return new AppError(code ?? 'BAD_REQUEST', error.message);
  }
  return new AppError('INTERNAL', 'internal error');
}
