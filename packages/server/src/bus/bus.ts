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

/**
 * Events on client topics (`conv:`, `agents:`) are server frames, so a node forwards them to
 * sockets as they are. The `cluster` topic carries what nodes tell each other, never a client.
 */
export type BusEvent = ServerFrame | ClusterEvent;

export type ClusterEvent =
  /** A knowledge base changed: every node drops its index of the workspace. */
  | { type: 'cluster.knowledge.changed'; workspaceId: string }
  /** A new answer in the answer cache: every node adds it to its own (semantic hits everywhere). */
  | {
      type: 'cluster.answer.cached';
      workspaceId: string;
      knowledgeVersion: string;
      question: string;
      answer: string;
    };

export const topics = {
  /** Messages, deltas, typing, read receipts and status of one conversation. */
  conversation: (conversationId: string) => `conv:${conversationId}`,
  /** Events every agent of a workspace receives (conversation.updated, presence). */
  workspaceAgents: (workspaceId: string) => `agents:${workspaceId}`,
  /** Node to node (ClusterEvent). */
  cluster: 'cluster',
};
