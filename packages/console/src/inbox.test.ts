import { describe, expect, it } from 'vitest';
import {
  inboxList,
  inTab,
  isUnread,
  neighbour,
  nextAfterRemoval,
  normalizeLabel,
  tabCounts,
} from './inbox.ts';
import type { ConsoleConversation } from './types.ts';

let n = 0;
function conv(patch: Partial<ConsoleConversation>): ConsoleConversation {
  n++;
  return {
    id: `cv_${n}`,
    workspaceId: 'ws',
    visitorId: `vi_${n}`,
    status: 'bot',
    assigneeId: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    lastSeq: 1,
    queuedAt: null,
    firstResponseAt: null,
    resolvedAt: null,
    visitorReadSeq: 0,
    agentReadSeq: 0,
    rating: null,
    labels: [],
    ...patch,
  };
}

const me = 'ag_me';

describe('inbox views', () => {
  const bot = conv({ status: 'bot' });
  const queued = conv({ status: 'queued', queuedAt: '2026-01-01T10:05:00.000Z' });
  const mine = conv({ status: 'assigned', assigneeId: me });
  const theirs = conv({ status: 'assigned', assigneeId: 'ag_other' });
  const resolved = conv({ status: 'resolved', assigneeId: me });
  const all = [bot, queued, mine, theirs, resolved];

  it('puts each conversation in the views it belongs to', () => {
    expect(all.filter((c) => inTab(c, 'bot', me))).toEqual([bot]);
    expect(all.filter((c) => inTab(c, 'queued', me))).toEqual([queued]);
    expect(all.filter((c) => inTab(c, 'mine', me))).toEqual([mine]);
    expect(all.filter((c) => inTab(c, 'all', me))).toEqual([bot, queued, mine, theirs]);
    expect(all.filter((c) => inTab(c, 'resolved', me))).toEqual([resolved]);
  });

  it('counts the open views', () => {
    expect(tabCounts(all, me)).toEqual({ bot: 1, queued: 1, mine: 1, all: 4 });
  });

  it('sorts by newest activity, the last message counting as activity', () => {
    const old = conv({ status: 'bot', updatedAt: '2026-01-01T09:00:00.000Z' });
    const recent = conv({ status: 'bot', updatedAt: '2026-01-01T11:00:00.000Z' });
    const revived = conv({ status: 'bot', updatedAt: '2026-01-01T08:00:00.000Z' });
    const list = inboxList([old, recent, revived], {
      tab: 'bot',
      meId: me,
      lastMessageAt: (c) => (c === revived ? '2026-01-01T12:00:00.000Z' : null),
    });
    expect(list.map((c) => c.id)).toEqual([revived.id, recent.id, old.id]);
  });

  it('serves the queue first come, first served', () => {
    const early = conv({
      status: 'queued',
      queuedAt: '2026-01-01T09:00:00.000Z',
      updatedAt: '2026-01-01T12:00:00.000Z',
    });
    const late = conv({
      status: 'queued',
      queuedAt: '2026-01-01T11:00:00.000Z',
      updatedAt: '2026-01-01T11:00:00.000Z',
    });
    expect(inboxList([late, early], { tab: 'queued', meId: me }).map((c) => c.id)).toEqual([
      early.id,
      late.id,
    ]);
  });

  it('filters by label and by text', () => {
    const vip = conv({ status: 'bot', labels: ['vip'] });
    const plain = conv({ status: 'bot' });
    expect(inboxList([vip, plain], { tab: 'bot', meId: me, label: 'vip' })).toEqual([vip]);
    const found = inboxList([vip, plain], {
      tab: 'bot',
      meId: me,
      query: 'REFUND',
      searchText: (c) => (c === plain ? 'where is my refund?' : 'hello'),
    });
    expect(found).toEqual([plain]);
  });

  it('marks unread when the newest message is after what agents read', () => {
    expect(isUnread(conv({ lastSeq: 3, agentReadSeq: 2 }))).toBe(true);
    expect(isUnread(conv({ lastSeq: 3, agentReadSeq: 3 }))).toBe(false);
  });
});

describe('moving through the list', () => {
  const list = [conv({}), conv({}), conv({})];
  it('j and k step and stop at the ends', () => {
    expect(neighbour(list, null, 1)).toBe(list[0]!.id);
    expect(neighbour(list, null, -1)).toBe(list[2]!.id);
    expect(neighbour(list, list[0]!.id, 1)).toBe(list[1]!.id);
    expect(neighbour(list, list[2]!.id, 1)).toBe(list[2]!.id);
    expect(neighbour(list, list[0]!.id, -1)).toBe(list[0]!.id);
    expect(neighbour([], null, 1)).toBeNull();
  });
  it('after resolving, opens the next one, else the previous', () => {
    expect(nextAfterRemoval(list, list[1]!.id)).toBe(list[2]!.id);
    expect(nextAfterRemoval(list, list[2]!.id)).toBe(list[1]!.id);
    expect(nextAfterRemoval([list[0]!], list[0]!.id)).toBeNull();
  });
});

describe('labels', () => {
  it('trims and collapses spaces', () => {
    expect(normalizeLabel('  shipping   delay ')).toBe('shipping delay');
    expect(normalizeLabel('x'.repeat(50))).toHaveLength(40);
  });
});
