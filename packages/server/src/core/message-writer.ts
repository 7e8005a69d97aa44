import type { Metrics } from '../observability/metrics.ts';
import type { AppendResult, NewMessage, Store } from '../store/store.ts';

interface Pending {
  message: NewMessage;
  /** performance.now() when the message was accepted (for `us_message_delivery_seconds`). */
  acceptedAt: number;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

export interface MessageWriterOptions {
  /** Largest batch per transaction. @default 1000 */
  maxBatch?: number;
  /** Write durations and batch sizes, messages stored, and when each was accepted. */
  metrics?: Metrics;
}

/**
 * Group commit: every message appended in the same turn of the event loop (and
 * while a batch is being written) goes to the store as one batch, in one
 * transaction. A promise resolves only once its message is durable, so an ack
 * sent after it can never be lost. At most one batch is in flight, which keeps
 * each conversation's messages in order.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly metrics: Metrics | null;

  /** `options` as a number is `maxBatch`. */
  constructor(
    private readonly store: Store,
    options: number | MessageWriterOptions = {},
  ) {
    const { maxBatch = 1000, metrics } = typeof options === 'number' ? { maxBatch: options } : options;
    this.maxBatch = maxBatch;
    this.metrics = metrics ?? null;
  }

  /**
   * Resolves once the message is durable. `receivedAt` (performance.now()) is when the send
   * reached the server, when the caller knows it; it defaults to now.
   */
  append(message: NewMessage, receivedAt?: number): Promise<AppendResult> {
    const acceptedAt = this.metrics ? (receivedAt ?? performance.now()) : 0;
    return new Promise((resolve, reject) => {
      this.queue.push({ message, acceptedAt, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every message appended so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length > 0 || this.scheduled) {
      if (this.writing) await this.writing;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.writeBatches().finally(() => {
        this.writing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async writeBatches(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((p) => p.message));
        for (const [i, pending] of batch.entries()) this.settle(pending, results[i]!);
      } catch {
        // One bad message (e.g. its conversation vanished) must not fail the others.
        for (const pending of batch) {
          try {
            const [result] = await this.write([pending.message]);
            this.settle(pending, result!);
          } catch (err) {
            pending.reject(err);
          }
        }
      }
    }
  }

  /** One transaction; its duration and size are observed, failed or not. */
  private async write(messages: NewMessage[]): Promise<AppendResult[]> {
    const metrics = this.metrics;
    if (!metrics) return this.store.appendMessages(messages);
    const started = performance.now();
    try {
      return await this.store.appendMessages(messages);
    } finally {
      metrics.observeStoreWrite((performance.now() - started) / 1000, messages.length);
    }
  }

  private settle(pending: Pending, result: AppendResult): void {
    if (result.created) this.metrics?.messageStored(result.message, pending.acceptedAt);
    pending.resolve(result);
  }
}
