import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import type { Store, WebhookRecord } from '../store/store.ts';
import type { ConversationEvent } from './conversation-service.ts';

export const SIGNATURE_HEADER = 'x-unique-support-signature';

/** `sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`. */
export const signWebhookBody = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export interface WebhookDispatcherOptions {
  store: Store;
  log: Logger;
  /** One attempt gives up after this long. @default 5000 */
  timeoutMs?: number;
  /** Delays before each retry; their number is the number of retries. @default [1000, 4000, 16000] */
  retryDelaysMs?: readonly number[];
  /** Deliveries in flight at once, all webhooks together. @default 16 */
  maxConcurrent?: number;
  /** Deliveries waiting beyond that; more are dropped (and logged). @default 10000 */
  maxQueued?: number;
  /** How long a workspace's list of webhooks is reused before it is read again. @default 5000 */
  cacheMs?: number;
}

interface Delivery {
  webhook: WebhookRecord;
  eventId: string;
  type: string;
  body: string;
  /** Attempts made so far. */
  attempts: number;
}

/**
 * Delivers the conversation service's events to the workspace's webhooks: a POST of
 * `{id, type, createdAt, data}` signed with the webhook's secret, retried with backoff on a
 * network error, a timeout or a non-2xx answer. Everything happens off the chat path:
 * `handle` only queues. Best effort: deliveries waiting when the process stops are lost.
 */
export class WebhookDispatcher {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<
    string,
    { webhooks: Promise<WebhookRecord[]>; loaded: WebhookRecord[] | null; until: number }
  >();
  private readonly queue: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stop = new AbortController();
  private inFlight = 0;
  /** Events being expanded into deliveries, deliveries queued, in flight or waiting to retry. */
  private pending = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(options: WebhookDispatcherOptions) {
    this.store = options.store;
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 4000, 16000];
    this.maxConcurrent = options.maxConcurrent ?? 16;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.cacheMs = options.cacheMs ?? 5000;
  }

  /** Queues the event for the webhooks subscribed to it. Never throws, never waits. */
  handle(event: ConversationEvent): void {
    if (this.stop.signal.aborted) return;
    // The common case, on the chat path: no webhook wants it, known without waiting.
    const cached = this.cache.get(event.workspaceId);
    if (
      cached?.loaded &&
      cached.until > Date.now() &&
      !cached.loaded.some((w) => w.events.includes(event.type))
    ) {
      return;
    }
    this.pending += 1;
    this.expand(event)
      .catch((err) => this.log.error({ err, event: event.type }, 'webhook dispatch failed'))
      .finally(() => this.settle());
  }

  /** Forget the cached webhooks of the workspace (after a change). */
  invalidate(workspaceId: string): void {
    this.cache.delete(workspaceId);
  }

  /** Resolves when nothing is queued, in flight or waiting to retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: aborts what is in flight, drops retries and the queue. */
  close(): void {
    this.stop.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const dropped = this.queue.splice(0).length;
    for (let i = 0; i < dropped; i++) this.settle();
  }

  private async expand(event: ConversationEvent): Promise<void> {
    const webhooks = (await this.webhooksOf(event.workspaceId)).filter((w) => w.events.includes(event.type));
    if (webhooks.length === 0 || this.stop.signal.aborted) return;
    const eventId = newId('evt');
    const data =
      event.type === 'message.created' ? { message: event.message } : { conversation: event.conversation };
    const body = JSON.stringify({ id: eventId, type: event.type, createdAt: new Date().toISOString(), data });
    for (const webhook of webhooks) {
      if (this.queue.length >= this.maxQueued) {
        this.log.warn({ webhookId: webhook.id, event: event.type }, 'webhook queue full: delivery dropped');
        continue;
      }
      this.pending += 1;
      this.queue.push({ webhook, eventId, type: event.type, body, attempts: 0 });
    }
    this.pump();
  }

  private webhooksOf(workspaceId: string): Promise<WebhookRecord[]> {
    const now = Date.now();
    const cached = this.cache.get(workspaceId);
    if (cached && cached.until > now) return cached.webhooks;
    const webhooks = this.store.listWebhooks(workspaceId);
    const entry = { webhooks, loaded: null as WebhookRecord[] | null, until: now + this.cacheMs };
    this.cache.set(workspaceId, entry);
    webhooks.then(
      (loaded) => {
        entry.loaded = loaded;
      },
      () => this.cache.delete(workspaceId),
    );
    return webhooks;
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.inFlight += 1;
      this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    const { webhook } = delivery;
    let failure: string;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'unique-support-webhooks/1',
          [SIGNATURE_HEADER]: signWebhookBody(webhook.secret, delivery.body),
          'x-unique-support-event': delivery.type,
          'x-unique-support-delivery': delivery.eventId,
        },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      // The body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => {});
      if (response.status >= 200 && response.status < 300) {
        this.settle();
        return;
      }
      failure = `status ${response.status}`;
    } catch (err) {
      failure = (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message;
    }
    const delay = this.retryDelaysMs[delivery.attempts - 1];
    if (delay === undefined || this.stop.signal.aborted) {
      this.log.warn(
        { webhookId: webhook.id, eventId: delivery.eventId, attempts: delivery.attempts, failure },
        'webhook delivery failed',
      );
      this.settle();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queue.push(delivery);
      this.pump();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private settle(): void {
    this.pending -= 1;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
