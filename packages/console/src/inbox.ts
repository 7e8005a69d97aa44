import type { ConsoleConversation, InboxTab } from './types.ts';

/** Whether a conversation belongs in an inbox view, for the agent `meId`. */
export function inTab(conversation: ConsoleConversation, tab: InboxTab, meId: string | null): boolean {
  switch (tab) {
    case 'bot':
      return conversation.status === 'bot';
    case 'queued':
      return conversation.status === 'queued';
    case 'mine':
      return conversation.status === 'assigned' && conversation.assigneeId === meId;
    case 'all':
      return conversation.status !== 'resolved';
    case 'resolved':
      return conversation.status === 'resolved';
  }
}

/** Time of the last thing that happened in a conversation (ms). */
export function activityAt(conversation: ConsoleConversation, lastMessageAt?: string | null): number {
  const updated = Date.parse(conversation.updatedAt) || 0;
  const message = lastMessageAt ? Date.parse(lastMessageAt) || 0 : 0;
  return Math.max(updated, message);
}

export interface InboxFilter {
  tab: InboxTab;
  meId: string | null;
  label?: string | null;
  /** Lower-cased free text matched against `searchText`. */
  query?: string;
  lastMessageAt?: (conversation: ConsoleConversation) => string | null | undefined;
  searchText?: (conversation: ConsoleConversation) => string;
}

/**
 * The conversations of a view, in the order an agent works them: the queue oldest waiting
 * first (first come, first served), every other view newest activity first.
 */
export function inboxList(
  conversations: Iterable<ConsoleConversation>,
  filter: InboxFilter,
): ConsoleConversation[] {
  const query = filter.query?.trim().toLowerCase() ?? '';
  const list: ConsoleConversation[] = [];
  for (const conversation of conversations) {
    if (!inTab(conversation, filter.tab, filter.meId)) continue;
    if (filter.label && !conversation.labels?.includes(filter.label)) continue;
    if (query && !(filter.searchText?.(conversation) ?? conversation.id).toLowerCase().includes(query))
      continue;
    list.push(conversation);
  }
  const at = (c: ConsoleConversation) => activityAt(c, filter.lastMessageAt?.(c));
  if (filter.tab === 'queued') {
    const queuedAt = (c: ConsoleConversation) => Date.parse(c.queuedAt ?? c.updatedAt) || 0;
    list.sort((a, b) => queuedAt(a) - queuedAt(b) || a.id.localeCompare(b.id));
  } else {
    list.sort((a, b) => at(b) - at(a) || b.id.localeCompare(a.id));
  }
  return list;
}

export function tabCounts(
  conversations: Iterable<ConsoleConversation>,
  meId: string | null,
): Record<Exclude<InboxTab, 'resolved'>, number> {
  const counts = { bot: 0, queued: 0, mine: 0, all: 0 };
  for (const conversation of conversations) {
    if (conversation.status === 'resolved') continue;
    counts.all++;
    if (conversation.status === 'bot') counts.bot++;
    else if (conversation.status === 'queued') counts.queued++;
    else if (conversation.assigneeId === meId) counts.mine++;
  }
  return counts;
}

/** Unread: the newest message is after what agents have read. */
export function isUnread(conversation: ConsoleConversation): boolean {
  return conversation.lastSeq > conversation.agentReadSeq;
}

/** The neighbour of `currentId` in `list` (`j` = +1, `k` = -1); the first one when none is open. */
export function neighbour(
  list: readonly ConsoleConversation[],
  currentId: string | null,
  step: 1 | -1,
): string | null {
  if (list.length === 0) return null;
  const index = currentId ? list.findIndex((c) => c.id === currentId) : -1;
  if (index === -1) return list[step === 1 ? 0 : list.length - 1]!.id;
  const next = Math.min(list.length - 1, Math.max(0, index + step));
  return list[next]!.id;
}

/** After resolving the open conversation: the next one in the list, else the previous, else none. */
export function nextAfterRemoval(list: readonly ConsoleConversation[], removedId: string): string | null {
  const index = list.findIndex((c) => c.id === removedId);
  if (index === -1) return null;
  return list[index + 1]?.id ?? list[index - 1]?.id ?? null;
}

/** Normalises a label typed by an agent: trimmed, inner spaces collapsed, at most 40 chars. */
export function normalizeLabel(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ').slice(0, 40);
}
