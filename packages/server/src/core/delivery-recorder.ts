import type { Message } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Delivery, Store } from '../store/store.ts';

/**
 * Keeps when each message first reached someone other than its author, for the conversation
 * timeline. Sessions report deliveries as they send; they are written in one batch every
 * `flushMs` (the store keeps the first time per message, across nodes), so delivery never waits
 * on the database. A message delivered to many sockets is queued once per batch.
 */
export class DeliveryRecorder {
  private pending = new Map<string, Delivery>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<Store, 'markDelivered'>,
    private readonly log: Logger,
    flushMs = 500,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  delivered(message: Message, at = Date.now()): void {
    if (this.pending.has(message.id)) return;
    this.pending.set(message.id, { conversationId: message.conversationId, seq: message.seq, at });
  }

  /** Writes what is pending; resolves when written (or failed, logged). */
  flush(): Promise<void> {
    if (this.pending.size === 0) return this.flushing;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing
      .then(() => this.store.markDelivered(batch))
      .catch((err) => this.log.warn({ err, count: batch.length }, 'delivery times not recorded'));
    return this.flushing;
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
