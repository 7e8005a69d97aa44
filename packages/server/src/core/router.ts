import type { Conversation } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import type { Store } from '../store/store.ts';
import type { Presence } from './presence.ts';

/**
 * Hands queued conversations to agents: the least-loaded `online` agent under its
 * `maxConcurrent`, round robin among equals (the one assigned longest ago first).
 * Runs are serialised per workspace; the store's conditional update (only while
 * still `queued`) keeps two runs (or two nodes) from assigning one conversation twice.
 * Across nodes, `exclusive` (a cluster-wide lock per workspace) serialises the runs
 * themselves, so two nodes never both count an agent's load before either assigns.
 */
export class Router {
  private readonly runs = new Map<string, Promise<void>>();
  private readonly lastAssigned = new Map<string, number>();
  private assignments = 0;

  constructor(
    private readonly store: Store,
    private readonly presence: Presence,
    private readonly onAssigned: (conversation: Conversation) => void,
    private readonly log: Logger,
    private readonly exclusive: (workspaceId: string, run: () => Promise<void>) => Promise<void> = (_, run) =>
      run(),
    /** `us_queue_wait_seconds` per assignment; `us_queue_length` read from the store at each scrape. */
    private readonly metrics?: Metrics,
  ) {
    // One indexed query (partial index on queued conversations) per scrape, not per event:
    // exact across nodes and workspaces, whoever changed the queue.
    metrics?.setQueueLengthSource(async () => (await store.listQueued()).length);
  }

  /** Routes the workspace's queue soon; resolves when that run is over. Never rejects. */
  route(workspaceId: string): Promise<void> {
    const previous = this.runs.get(workspaceId) ?? Promise.resolve();
    const run = previous
      .then(() => this.exclusive(workspaceId, () => this.assignQueued(workspaceId)))
      .catch((err) => this.log.error({ err, workspaceId }, 'routing failed'))
      .finally(() => {
        if (this.runs.get(workspaceId) === run) this.runs.delete(workspaceId);
      });
    this.runs.set(workspaceId, run);
    return run;
  }

  /** Resolves when every routing run started so far is over. */
  async idle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all(this.runs.values());
  }

  private async assignQueued(workspaceId: string): Promise<void> {
    const online = await this.presence.online(workspaceId);
    if (online.size === 0) return;
    const queued = await this.store.listConversations({ workspaceId, status: 'queued', limit: 200 });
    if (queued.length === 0) return;
    queued.sort((a, b) => (a.queuedAt ?? a.updatedAt).localeCompare(b.queuedAt ?? b.updatedAt));
    const agents = (await this.store.listAgents(workspaceId)).filter((agent) => online.has(agent.id));
    const load = await this.store.countAssignedByAgent(workspaceId);

    for (const conversation of queued) {
      const candidates = agents.filter((agent) => (load.get(agent.id) ?? 0) < agent.maxConcurrent);
      if (candidates.length === 0) return;
      candidates.sort(
        (a, b) =>
          (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) ||
          (this.lastAssigned.get(a.id) ?? 0) - (this.lastAssigned.get(b.id) ?? 0),
      );
      const agent = candidates[0]!;
      const assigned = await this.store.updateConversation(
        workspaceId,
        conversation.id,
        { status: 'assigned', assigneeId: agent.id },
        { status: ['queued'] },
      );
      if (!assigned) continue;
      this.metrics?.observeQueueWait(conversation.queuedAt);
      load.set(agent.id, (load.get(agent.id) ?? 0) + 1);
      this.lastAssigned.set(agent.id, ++this.assignments);
      this.onAssigned(assigned);
    }
  }
}
