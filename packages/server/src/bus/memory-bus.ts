import type { Bus, BusEvent } from './bus.ts';

/** In-process bus: handlers run synchronously in publish order. The reference implementation. */
export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, Set<(event: BusEvent) => void>>();

  publish(topic: string, event: BusEvent): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const handler of set) handler(event);
  }

  subscribe(topic: string, handler: (event: BusEvent) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) this.handlers.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
