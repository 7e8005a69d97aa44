import type { PresenceStatus } from '@unique-support/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StrandedConversations } from './stranded-conversations.ts';

function setup() {
  let now = 0;
  const statuses = new Map<string, PresenceStatus>();
  const requeued: string[] = [];
  const sweeper = new StrandedConversations({
    store: {
      listAssignees: async () => [...statuses.keys()].map((agentId) => ({ workspaceId: 'w', agentId })),
    },
    presence: { status: async (_w, agentId) => statuses.get(agentId) ?? 'offline' },
    requeue: async (_w, agentId) => {
      requeued.push(agentId);
      return 1;
    },
    log: pino({ level: 'silent' }),
    graceMs: 1000,
    now: () => now,
  });
  const at = async (ms: number) => {
    now = ms;
    await sweeper.sweep();
  };
  return { sweeper, statuses, requeued, at };
}

describe('StrandedConversations', () => {
  it('requeues an agent seen connected, then offline on sweeps a grace apart, once', async () => {
    const { statuses, requeued, at } = setup();
    statuses.set('ann', 'online');
    await at(0);
    statuses.set('ann', 'offline');
    await at(100); // first seen offline
    await at(1099);
    expect(requeued).toEqual([]);
    await at(1100);
    expect(requeued).toEqual(['ann']);
    await at(5000); // not tracked any more until seen connected again
    expect(requeued).toEqual(['ann']);
  });

  it('keeps the conversations of an agent back within the grace, of an away agent, of one never seen', async () => {
    const { sweeper, statuses, requeued, at } = setup();
    statuses.set('back', 'online');
    statuses.set('away', 'away');
    statuses.set('never', 'offline');
    await at(0);
    statuses.set('back', 'offline');
    await at(500);
    statuses.set('back', 'online');
    await at(1000);
    statuses.set('back', 'offline');
    await at(1600); // offline again: the grace starts over
    await at(2500);
    expect(requeued).toEqual([]);
    await at(10_000);
    expect(requeued).toEqual(['back']);
    // A presence change seen on this node counts as having seen the agent connected.
    sweeper.noteStatus('w', 'never', 'online');
    await at(20_000);
    await at(21_000);
    expect(requeued).toEqual(['back', 'never']);
  });
});
