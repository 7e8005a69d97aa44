import type { ServerFrame } from '@unique-support/protocol';

/**
 * Fan-out between the parts of the system that hold sockets. In one process the
 * MemoryBus delivers synchronously; across nodes the RedisBus carries the same
 * events. Delivery is at-most-once: consumers that care about gaps (message
 * delivery) detect them by `seq` and catch up from the Store.
 */
export interface Bus {
  publish(topic: string, event: BusEvent): void;
  /** Returns a function that removes this handler. */
  subscribe(topic: string, handler: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
  /**
   * Called each time the bus is back after it may have missed events (a Redis restart, a network
   * blip), once its subscriptions are in effect again: consumers catch up from the Store then.
   * Buses that cannot miss events (in-process) never call it.
   */
  onReconnect?(listener: () => void): () => void;
}

/** Events on the bus are server frames, so a node forwards them to sockets as they are. */
export type BusEvent = ServerFrame;

export const topics = {
  /** Messages, deltas, typing, read receipts and status of one conversation. */
  conversation: (conversationId: string) => `conv:${conversationId}`,
  /** Events every agent of a workspace receives (conversation.updated, presence). */
  workspaceAgents: (workspaceId: string) => `agents:${workspaceId}`,
};
