import type { PresenceStatus } from '@unique-support/protocol';

export interface PresenceChange {
  workspaceId: string;
  agentId: string;
  status: PresenceStatus;
}

/**
 * Agent presence: `online` while at least one socket is open (unless the agent
 * chose `away`), `offline` when none is. This process's view; the Redis version
 * shares it across nodes behind the same interface.
 */
export interface Presence {
  connect(workspaceId: string, agentId: string): void;
  disconnect(workspaceId: string, agentId: string): void;
  /** The agent's own choice; ignored while it has no socket. */
  setStatus(workspaceId: string, agentId: string, status: 'online' | 'away'): void;
  status(workspaceId: string, agentId: string): Promise<PresenceStatus>;
  /** Agents of the workspace that are `online` (may take new conversations). */
  online(workspaceId: string): Promise<Set<string>>;
  onChange(listener: (change: PresenceChange) => void): void;
  /**
   * Agents online (not away) with at least one socket on this node, all workspaces: what this
   * node reports as `us_agents_online`. Cheap (memory only): read at every metrics scrape.
   */
  onlineHere?(): number;
  /** Releases what the presence holds (connections, timers). */
  close?(): Promise<void>;
}

interface AgentPresence {
  workspaceId: string;
  sockets: number;
  away: boolean;
}

export class LocalPresence implements Presence {
  private readonly agents = new Map<string, AgentPresence>();
  private readonly listeners: ((change: PresenceChange) => void)[] = [];

  connect(workspaceId: string, agentId: string): void {
    const entry = this.agents.get(agentId);
    if (entry) {
      entry.sockets += 1;
      return;
    }
    this.agents.set(agentId, { workspaceId, sockets: 1, away: false });
    this.emit({ workspaceId, agentId, status: 'online' });
  }

  disconnect(workspaceId: string, agentId: string): void {
    const entry = this.agents.get(agentId);
    if (!entry) return;
    entry.sockets -= 1;
    if (entry.sockets > 0) return;
    this.agents.delete(agentId);
    this.emit({ workspaceId, agentId, status: 'offline' });
  }

  setStatus(workspaceId: string, agentId: string, status: 'online' | 'away'): void {
    const entry = this.agents.get(agentId);
    if (!entry || entry.away === (status === 'away')) return;
    entry.away = status === 'away';
    this.emit({ workspaceId, agentId, status });
  }

  async status(_workspaceId: string, agentId: string): Promise<PresenceStatus> {
    const entry = this.agents.get(agentId);
    if (!entry) return 'offline';
    return entry.away ? 'away' : 'online';
  }

  async online(workspaceId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const [id, entry] of this.agents) {
      if (entry.workspaceId === workspaceId && !entry.away) ids.add(id);
    }
    return ids;
  }

  onChange(listener: (change: PresenceChange) => void): void {
    this.listeners.push(listener);
  }

  onlineHere(): number {
    let count = 0;
    for (const entry of this.agents.values()) if (!entry.away) count++;
    return count;
  }

  private emit(change: PresenceChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
