import type { Message } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Delivery, Store } from '../store/store.ts';

/** Deliveries per write: a flush yields to the event loop between writes (see `write`). */
const WRITE_SIZE = 200;

/**
 * Keeps when each message first reached someone other than its author, for the conversation
 * timeline. Sessions report deliveries as they send; they are flushed every `flushMs`, in writes
 * of at most WRITE_SIZE (the store keeps the first time per message, across nodes), so delivery
 * never waits on the database. A message delivered to many sockets is queued once per flush.
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
      .then(() => this.write(batch))
      .catch((err) => this.log.warn({ err, count: batch.length }, 'delivery times not recorded'));
    return this.flushing;
  }

  /**
   * A busy half second holds thousands of deliveries; written in one go (SQLite writes on the
   * event loop) they held up every message behind them for tens of milliseconds.
   */
  private async write(batch: Delivery[]): Promise<void> {
    for (let start = 0; start < batch.length; start += WRITE_SIZE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.store.markDelivered(batch.slice(start, start + WRITE_SIZE));
    }
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
