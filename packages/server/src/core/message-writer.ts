import type { AppendResult, NewMessage, Store } from '../store/store.ts';

interface Pending {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
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

  constructor(
    private readonly store: Store,
    /** Largest batch per transaction. @default 1000 */
    private readonly maxBatch = 1000,
  ) {}

  append(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
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
        const results = await this.store.appendMessages(batch.map((p) => p.message));
        for (const [i, pending] of batch.entries()) pending.resolve(results[i]!);
      } catch {
        // One bad message (e.g. its conversation vanished) must not fail the others.
        for (const pending of batch) {
          try {
            const [result] = await this.store.appendMessages([pending.message]);
            pending.resolve(result!);
          } catch (err) {
            pending.reject(err);
          }
        }
      }
    }
  }
}
