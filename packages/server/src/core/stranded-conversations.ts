import type { PresenceStatus } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { Presence } from './presence.ts';

export interface StrandedConversationsOptions {
  store: Pick<Store, 'listAssignees'>;
  presence: Pick<Presence, 'status'>;
  /** Puts the agent's assigned conversations back in the queue and routes it; resolves to how many. */
  requeue: (workspaceId: string, agentId: string) => Promise<number>;
  log: Logger;
  /** How long an agent must be offline everywhere before their conversations go back to the queue. */
  graceMs: number;
  now?: () => number;
}

/**
 * Conversations must not wait on an agent who is gone: closed the console without choosing
 * `away`, lost the network, or whose node was killed (its sockets count until the node's presence
 * heartbeat expires). Every sweep looks at each agent holding an `assigned` conversation. An agent
 * this node has seen connected (`online` or `away`), now `offline` everywhere on sweeps at least
 * `graceMs` apart, has their conversations requeued and routed to agents online. An agent back
 * within the grace keeps theirs; so do `away` agents (they chose it), and agents never seen
 * connected since this node started (an admin may assign to someone who comes in tomorrow).
 *
 * Every node sweeps on its own; the requeue is a conditional update (only while still assigned
 * to that agent), so nodes sweeping together requeue each conversation once.
 */
export class StrandedConversations {
  /** Agents seen connected since this node started → when first seen offline since (null: not). */
  private readonly tracked = new Map<string, { offlineSince: number | null }>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: StrandedConversationsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Sweeps every half grace (at least every 250 ms). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), Math.max(250, Math.floor(this.options.graceMs / 2)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** A presence change this node saw: an agent connected counts from now on. */
  noteStatus(workspaceId: string, agentId: string, status: PresenceStatus): void {
    if (status !== 'offline') this.tracked.set(`${workspaceId}\n${agentId}`, { offlineSince: null });
  }

  /** One sweep; a sweep already running is joined, not doubled. Never rejects. */
  sweep(): Promise<void> {
    this.running ??= this.run()
      .catch((err) => this.options.log.error({ err }, 'stranded conversations: sweep failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async run(): Promise<void> {
    const { store, presence, requeue, log, graceMs } = this.options;
    const now = this.now();
    for (const { workspaceId, agentId } of await store.listAssignees()) {
      const key = `${workspaceId}\n${agentId}`;
      const status = await presence.status(workspaceId, agentId);
      if (status !== 'offline') {
        this.noteStatus(workspaceId, agentId, status);
        continue;
      }
      const entry = this.tracked.get(key);
      if (entry === undefined) continue;
      if (entry.offlineSince === null) {
        entry.offlineSince = now;
        continue;
      }
      if (now - entry.offlineSince < graceMs) continue;
      this.tracked.delete(key);
      const count = await requeue(workspaceId, agentId);
      if (count > 0)
        log.info({ workspaceId, agentId, count }, 'agent offline: conversations back in the queue');
    }
  }
}
