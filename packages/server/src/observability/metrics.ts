import type { AuthorType, Message } from '@unique-support/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BotTurn } from '../bot/bot-turn.ts';

/** A circuit breaker as `ModelChain.states()` reports it (`breaker`), or as `{name, state}`. */
export type BreakerState = 'closed' | 'half-open' | 'open';
export type BreakerReading = { name: string } & ({ breaker: BreakerState } | { state: BreakerState });

/** `us_llm_breaker_state` values. */
const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** A count or duration as a metric takes it: a negative or non-finite value (NaN would poison a sum) is 0. */
const amount = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0);

const AUTHOR_TYPES = ['visitor', 'agent', 'bot', 'system'] as const satisfies readonly AuthorType[];

/**
 * The process's Prometheus metrics, served at `/metrics`; docs/operations.md lists them and
 * `deploy/grafana-dashboard.json` shows them. One registry per server instance.
 *
 * Labels are bounded sets (principal and author types, channels, outcomes, LLM providers),
 * never conversations, visitors or workspaces. Hot paths (every message, every frame) use
 * children bound once (`labels(...)` hashes its arguments on every call) and plain counters;
 * gauges that are cheap to read are computed when scraped (`collect`), from sources the
 * server's parts register.
 */
export function createMetrics() {
  const registry = new Registry();
  // nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds come from monitorEventLoopDelay
  // sampled every 10 ms (reset at each scrape: they describe the last scrape interval);
  // nodejs_eventloop_lag_seconds is one setImmediate delay measured at the previous scrape.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  // Gauges named like counters (promtool's lint refuses them): each is the sum of its labelled
  // gauge without the suffix (`sum(nodejs_active_handles)`), which stays.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(name);
  }
  const registers = [registry];

  let breakerSource: (() => readonly BreakerReading[]) | null = null;
  let queueSource: (() => Promise<number>) | null = null;
  let agentsOnlineSource: (() => number) | null = null;

  const httpRequests = new Histogram({
    name: 'us_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });

  // --- WebSocket and messages -------------------------------------------------------------
  const wsConnections = new Gauge({
    name: 'us_ws_connections',
    help: 'Open (authenticated) WebSocket connections, by principal type',
    labelNames: ['principal'] as const,
    registers,
  });
  const wsSlowClientsClosed = new Counter({
    name: 'us_ws_slow_clients_closed_total',
    help: 'Sockets closed with 1013 because their outbound queue passed its bound',
    registers,
  });
  const wsFramesReceived = new Counter({
    name: 'us_ws_frames_received_total',
    help: 'WebSocket frames received from clients (any type)',
    registers,
  });
  const wsFramesSent = new Counter({
    name: 'us_ws_frames_sent_total',
    help: 'WebSocket frames written to client sockets (any type)',
    registers,
  });
  const messagesReceived = new Counter({
    name: 'us_messages_received_total',
    help: 'Sends from clients that stored a message: message.send frames acked (ws), POST .../messages answered 201 and offline messages (rest)',
    labelNames: ['channel', 'author'] as const,
    registers,
  });
  const messagesStored = new Counter({
    name: 'us_messages_stored_total',
    help: 'Messages stored (new ones; a resent clientMessageId is not counted), by author type',
    labelNames: ['author'] as const,
    registers,
  });
  const delivery = new Histogram({
    name: 'us_message_delivery_seconds',
    help: 'From a message accepted by the server to its message.created frame written to a recipient socket (start="accepted": accepted on this node, monotonic clock; start="stored": from message.createdAt, the storing node clock: messages from other nodes and offline messages)',
    labelNames: ['start'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });

  // --- Store --------------------------------------------------------------------------------
  const storeWrite = new Histogram({
    name: 'us_store_write_seconds',
    help: 'Duration of one group-commit write of messages (one transaction)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const storeBatch = new Histogram({
    name: 'us_store_batch_size',
    help: 'Messages per group-commit write (one transaction)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers,
  });

  // --- Queue, routing, presence ---------------------------------------------------------------
  const queueLength = new Gauge({
    name: 'us_queue_length',
    help: 'Conversations waiting in the queue, all workspaces (read from the database at scrape: the same on every node)',
    registers,
    async collect() {
      if (!queueSource) return;
      try {
        this.set(await queueSource());
      } catch {
        // The database does not answer: keep the last value, a scrape must not fail (readyz tells).
      }
    },
  });
  const queueWait = new Histogram({
    name: 'us_queue_wait_seconds',
    help: 'From a conversation queued (queuedAt) to its assignment to an agent by the router',
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers,
  });
  const agentsOnline = new Gauge({
    name: 'us_agents_online',
    help: 'Agents online (not away) with at least one socket on this node, all workspaces',
    registers,
    collect() {
      if (agentsOnlineSource) this.set(agentsOnlineSource());
    },
  });

  // --- Bot and LLM ------------------------------------------------------------------------------
  const botTurns = new Counter({
    name: 'us_bot_turns_total',
    help: 'Finished bot turns by outcome (llm, cache, rules, knowledge, no-answer, handoff, refusal, interrupted, error)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const botTurnDuration = new Histogram({
    name: 'us_bot_turn_duration_seconds',
    help: 'From a visitor message reaching the bot to the end of its turn',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
    registers,
  });
  const llmFirstToken = new Histogram({
    name: 'us_llm_first_token_seconds',
    help: 'From the start of a provider request to its first text delta',
    labelNames: ['provider'] as const,
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    registers,
  });
  const llmDuration = new Histogram({
    name: 'us_llm_duration_seconds',
    help: 'From the start of a provider request to its end',
    labelNames: ['provider'] as const,
    buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120],
    registers,
  });
  const llmTokens = new Counter({
    name: 'us_llm_tokens_total',
    help: 'Tokens of provider calls (as reported, else estimated at 4 characters a token), by kind (prompt, completion)',
    labelNames: ['provider', 'kind'] as const,
    registers,
  });
  const llmCost = new Counter({
    name: 'us_llm_cost_usd_total',
    help: 'Estimated cost of provider calls in US dollars, from the prices in llm.toml (0 when none are set)',
    labelNames: ['provider'] as const,
    registers,
  });
  const llmFailures = new Counter({
    name: 'us_llm_provider_failures_total',
    help: 'Provider attempts that failed during a turn (circuit open, first-token deadline, errors)',
    labelNames: ['provider'] as const,
    registers,
  });
  const cacheLookups = new Counter({
    name: 'us_answer_cache_lookups_total',
    help: 'Answer cache lookups by result (exact, semantic, miss)',
    labelNames: ['result'] as const,
    registers,
  });
  const breakerStates = new Gauge({
    name: 'us_llm_breaker_state',
    help: 'Circuit breaker of each LLM provider: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'] as const,
    registers,
    collect() {
      if (!breakerSource) return;
      this.reset();
      for (const reading of breakerSource()) {
        this.labels(reading.name).set(BREAKER_VALUES['breaker' in reading ? reading.breaker : reading.state]);
      }
    },
  });

  // --- Bus --------------------------------------------------------------------------------------
  const busLag = new Histogram({
    name: 'us_bus_lag_seconds',
    help: 'From a publish on one node to its receipt on another through Redis (wall clocks of two nodes: includes their skew; negative values count as 0)',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });

  // Children bound once for the hot paths.
  const storedBy = Object.fromEntries(
    AUTHOR_TYPES.map((type) => [type, messagesStored.labels(type)]),
  ) as Record<AuthorType, { inc(value?: number): void }>;
  const deliveryAccepted = delivery.labels('accepted');
  const deliveryStored = delivery.labels('stored');
  /** performance.now() when this node's writer accepted each message it stored. */
  const acceptedAt = new WeakMap<Message, number>();
  // A message fans out to its recipients in one synchronous run: remember the last one's start.
  let lastMessage: Message | null = null;
  let lastStart = 0;
  let lastAccepted = false;

  return {
    registry,
    httpRequests,
    wsConnections,
    wsSlowClientsClosed,
    wsFramesReceived,
    wsFramesSent,
    messagesReceived,
    messagesStored,
    delivery,
    storeWrite,
    storeBatch,
    queueLength,
    queueWait,
    agentsOnline,
    botTurns,
    botTurnDuration,
    llmFirstToken,
    llmDuration,
    llmTokens,
    llmCost,
    llmFailures,
    cacheLookups,
    breakerStates,
    busLag,

    /** A new message stored by this node's writer, accepted at `acceptedAt` (performance.now()). */
    messageStored(message: Message, accepted: number): void {
      storedBy[message.author.type].inc();
      acceptedAt.set(message, accepted);
    },

    /** One group-commit write of `size` messages that took `seconds`. */
    observeStoreWrite(seconds: number, size: number): void {
      storeWrite.observe(seconds);
      storeBatch.observe(size);
    },

    /** The live `message.created` frame of `message` was just written to a recipient's socket. */
    observeDelivery(message: Message): void {
      if (message !== lastMessage) {
        const accepted = acceptedAt.get(message);
        lastAccepted = accepted !== undefined;
        lastStart = accepted ?? Date.parse(message.createdAt);
        lastMessage = message;
      }
      if (lastAccepted) {
        deliveryAccepted.observe(Math.max(0, performance.now() - lastStart) / 1000);
      } else if (!Number.isNaN(lastStart)) {
        deliveryStored.observe(Math.max(0, Date.now() - lastStart) / 1000);
      }
    },

    /** A queued conversation was assigned; `queuedAt` is when it entered the queue. */
    observeQueueWait(queuedAt: string | null): void {
      if (queuedAt === null) return;
      const waited = Date.now() - Date.parse(queuedAt);
      if (!Number.isNaN(waited)) queueWait.observe(Math.max(0, waited) / 1000);
    },

    /** Time from a publish on another node to its receipt here (a RedisBus `onLag` listener). */
    observeBusLag: (seconds: number): void => {
      busLag.observe(Math.max(0, seconds));
    },

    /** Everything one finished bot turn tells: outcome, cache lookup, model call, provider failures. */
    observeBotTurn(turn: BotTurn): void {
      botTurns.inc({ outcome: turn.outcome });
      botTurnDuration.observe(amount(turn.durationMs) / 1000);
      if (turn.cache !== null) cacheLookups.inc({ result: turn.cache });
      for (const failure of turn.failedProviders) llmFailures.inc({ provider: failure.provider });
      const call = turn.model;
      if (call === null) return;
      const provider = call.provider;
      if (call.firstTokenMs !== null) llmFirstToken.observe({ provider }, amount(call.firstTokenMs) / 1000);
      llmDuration.observe({ provider }, amount(call.totalMs) / 1000);
      llmTokens.inc({ provider, kind: 'prompt' }, amount(call.promptTokens));
      llmTokens.inc({ provider, kind: 'completion' }, amount(call.completionTokens));
      llmCost.inc({ provider }, amount(call.costUsd));
    },

    /** Read at each scrape for `us_llm_breaker_state` (e.g. `() => chain.states()`). */
    setBreakerSource(source: () => readonly BreakerReading[]): void {
      breakerSource = source;
    },

    /** Read at each scrape for `us_queue_length`. */
    setQueueLengthSource(source: () => Promise<number>): void {
      queueSource = source;
    },

    /** Read at each scrape for `us_agents_online`. */
    setAgentsOnlineSource(source: () => number): void {
      agentsOnlineSource = source;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
