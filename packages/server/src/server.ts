import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AccountService } from './auth/account-service.ts';
import { TokenService } from './auth/tokens.ts';
import type { BotTurn } from './bot/bot-turn.ts';
import { createBot } from './bot/create-bot.ts';
import { type LlmConfig, loadLlmConfig } from './bot/llm-config.ts';
import { seedHelpCenter } from './bot/retrieval/fixtures/help-center.ts';
import { type Bus, topics } from './bus/bus.ts';
import { MemoryBus } from './bus/memory-bus.ts';

import type { Config } from './config/config.ts';
import { CannedReplyService } from './core/canned-reply-service.ts';
import { ConversationService } from './core/conversation-service.ts';
import { DeliveryRecorder } from './core/delivery-recorder.ts';
import { KnowledgeService } from './core/knowledge-service.ts';
import { MessageWriter } from './core/message-writer.ts';
import { LocalPresence, type Presence } from './core/presence.ts';
import { RateLimiter } from './core/rate-limiter.ts';
import { RedisRateLimiter } from './core/redis-rate-limiter.ts';
import { ReportService } from './core/report-service.ts';
import { Router } from './core/router.ts';
import { StrandedConversations } from './core/stranded-conversations.ts';
import { UploadService } from './core/upload-service.ts';
import { WebhookDispatcher } from './core/webhook-dispatcher.ts';
import { WebhookService } from './core/webhook-service.ts';
import { buildHttpServer } from './http/http-server.ts';
import { randomSecret } from './ids.ts';
import { createLogger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { createStore } from './store/create-store.ts';
import { LocalFileStorage, uploadsDirFor } from './store/file-storage.ts';
import type { Store } from './store/store.ts';
import { attachWebSocketServer } from './ws/ws-server.ts';

export interface ServerOptions {
  config: Config;
  /** Defaults to the store the config names. */
  store?: Store;
  bus?: Bus;
  log?: Logger;
  /** Defaults to `loadLlmConfig()` (LLM_CONFIG or configs/llm.toml, with the OPENAI_* overrides). */
  llm?: LlmConfig;
}

export type UniqueSupportServer = Awaited<ReturnType<typeof createServer>>;

/** Wires store, bus, core, HTTP and WebSocket into one server. `listen()` starts it; `close()` stops it gracefully. */
export async function createServer(options: ServerOptions) {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const store = options.store ?? (await createStore(config.database));
  // The Redis parts (and the ioredis client) are loaded only when Redis is configured.
  const redisParts = config.redisUrl ? await loadRedisParts() : null;
  const redisBus =
    !options.bus && config.redisUrl && redisParts
      ? redisParts.createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix, log })
      : null;
  const bus: Bus = options.bus ?? redisBus ?? new MemoryBus();
  // Answer cache and rate limits shared by the nodes.
  const redis =
    config.redisUrl && redisParts
      ? redisParts.createRedisClient(
          config.redisUrl,
          `${config.redisPrefix}shared:${redisBus?.nodeId ?? 'node'}`,
          log,
        )
      : null;
  await store.init();

  const metrics = createMetrics();
  redisBus?.onLag(metrics.observeBusLag);
  const secret =
    config.jwtSecret ?? (await store.getOrCreateSecret('token-signing-key', () => randomSecret(32)));
  // Shared across nodes whenever Redis is configured, so routing on any node sees every agent.
  const redisPresence =
    config.redisUrl && redisParts
      ? new redisParts.RedisPresence({
          url: config.redisUrl,
          prefix: config.redisPrefix,
          log,
          ttlMs: config.presenceTtlMs,
          heartbeatMs: Math.max(100, Math.floor(config.presenceTtlMs / 3)),
          ...(redisBus && { nodeId: redisBus.nodeId }),
        })
      : null;
  const presence: Presence = redisPresence ?? new LocalPresence();
  const writer = new MessageWriter(store, { metrics });
  const conversations = new ConversationService({
    store,
    bus,
    writer,
    log,
    maxTextLength: config.maxTextLength,
    visitorLimiter: config.visitorMessageRate
      ? redis
        ? new RedisRateLimiter(redis, config.visitorMessageRate, `${config.redisPrefix}rate:visitor:`, log)
        : new RateLimiter(config.visitorMessageRate)
      : null,
  });
  const router = new Router(
    store,
    presence,
    (conversation) => conversations.changed(conversation),
    log,
    redisPresence ? (workspaceId, run) => redisPresence.exclusive(`route:${workspaceId}`, run) : undefined,
    metrics,
  );
  const stranded = config.agentReassignAfterMs
    ? new StrandedConversations({
        store,
        presence,
        requeue: (workspaceId, agentId) => conversations.requeueFromAgent(workspaceId, agentId),
        log,
        graceMs: config.agentReassignAfterMs,
      })
    : null;
  stranded?.start();
  const deliveries = new DeliveryRecorder(store, log);
  // Bot turns are kept for the timeline and the reports, off the answer's path.
  const turnWrites = new Set<Promise<void>>();
  const recordTurn = (turn: BotTurn) => {
    metrics.observeBotTurn(turn);
    const write = store
      .recordBotTurn(turn)
      .catch((err) => log.warn({ err, conversationId: turn.conversationId }, 'bot turn not recorded'))
      .finally(() => turnWrites.delete(write));
    turnWrites.add(write);
  };
  const ai = await createBot({
    onTurn: recordTurn,
    llm: options.llm ?? loadLlmConfig(),
    store,
    log,
    ...(redis && { cluster: { redis, bus, prefix: config.redisPrefix } }),
  });
  metrics.setBreakerSource(() => ai.chain.states());
  // A knowledge base edited on one node: every node drops its index (and so its answers'
  // version). Invalidations lost while the bus was away: every index is rebuilt.
  bus.subscribe(topics.cluster, (event) => {
    if (event.type === 'cluster.knowledge.changed') ai.index.invalidate(event.workspaceId);
  });
  bus.onReconnect?.(() => ai.index.invalidateAll());
  conversations.attach(router, ai.bot);
  const accounts = new AccountService(store, new TokenService(secret), presence, log);
  const demo = await accounts.seed(config.adminEmail, config.adminPassword);
  // A fresh database gets a small help center, so the bot has something to answer from.
  if (demo && config.demoContent) await seedHelpCenter(store, demo.id);
  const knowledge = new KnowledgeService({
    store,
    index: ai.index,
    onChanged: (workspaceId) =>
      bus.publish(topics.cluster, { type: 'cluster.knowledge.changed', workspaceId }),
  });
  const files = new LocalFileStorage({ dir: uploadsDirFor(config) });
  const uploads = new UploadService({ store, files, maxBytes: config.maxUploadBytes });
  const cannedReplies = new CannedReplyService(store);
  const base = config.webhookRetryBaseMs;
  const dispatcher = new WebhookDispatcher({
    store,
    log,
    timeoutMs: config.webhookTimeoutMs,
    retryDelaysMs: [base, base * 4, base * 16],
  });
  conversations.onEvent((event) => dispatcher.handle(event));
  const webhooks = new WebhookService(store, (workspaceId) => dispatcher.invalidate(workspaceId));

  presence.onChange((change) => {
    stranded?.noteStatus(change.workspaceId, change.agentId, change.status);
    bus.publish(`agents:${change.workspaceId}`, {
      type: 'presence',
      agentId: change.agentId,
      status: change.status,
    });
    if (change.status === 'online') void router.route(change.workspaceId);
  });

  const readiness = async () => {
    const down: string[] = [];
    await store.ping().catch(() => down.push('database'));
    // Redis down: this node keeps serving its own sockets; other nodes' events are missed
    // meanwhile and caught up from the store by seq.
    const redis = redisBus
      ? await redisBus.ping().then(
          () => 'ok',
          () => 'degraded',
        )
      : 'not used';
    // Open breakers do not make the server unready: the rule engine answers meanwhile.
    return { down, details: { redis, bot: { enabled: ai.bot !== null, providers: ai.chain.states() } } };
  };
  const http = await buildHttpServer({
    store,
    config,
    log,
    metrics,
    accounts,
    conversations,
    knowledge,
    uploads,
    cannedReplies,
    webhooks,
    assist: ai.assist,
    reports: new ReportService(store),
    redis,
    redisPrefix: config.redisPrefix,
    readiness,
  });
  const ws = attachWebSocketServer(http.server, {
    store,
    bus,
    conversations,
    presence,
    accounts,
    log,
    metrics,
    heartbeatMs: config.heartbeatMs,
    deliveries,
    maxBufferedBytes: config.maxBufferedBytes,
    onError: (err) => log.error({ err }, 'websocket frame failed'),
  });

  let closing: Promise<void> | null = null;
  return {
    http,
    store,
    bus,
    conversations,
    accounts,
    presence,
    webhookDispatcher: dispatcher,
    files,
    log,
    async listen(port = config.port, host = config.host): Promise<string> {
      await http.listen({ port, host });
      const address = http.server.address() as AddressInfo;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    },
    /** Finishes in-flight writes, closes sockets with 1012, then the database. Idempotent. */
    close(): Promise<void> {
      closing ??= (async () => {
        ai.bot?.abortAll();
        await stranded?.stop();
        await writer.drain();
        await ws.close();
        await writer.drain();
        await conversations.idle();
        await writer.drain();
        await presence.close?.();
        await Promise.all(turnWrites);
        await deliveries.close();
        await http.close();
        dispatcher.close();
        await bus.close();
        if (redis) await redisParts?.closeRedis(redis);
        await store.close();
        await files.close();
      })();
      return closing;
    },
  };
}

async function loadRedisParts() {
  const [bus, client, presence] = await Promise.all([
    import('./bus/redis-bus.ts'),
    import('./bus/redis-client.ts'),
    import('./core/redis-presence.ts'),
  ]);
  return {
    createRedisBus: bus.createRedisBus,
    createRedisClient: client.createRedisClient,
    closeRedis: client.closeRedis,
    RedisPresence: presence.RedisPresence,
  };
}
