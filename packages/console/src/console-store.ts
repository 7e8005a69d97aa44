import { ApiError, api, cannedList, expireSession } from './api.ts';
import { createLive, type Live, type LiveFrame, type LiveState, newClientMessageId } from './live.ts';
import {
  addMessage,
  addPending,
  applyDelta,
  contiguousSeq,
  EMPTY_THREAD,
  failPending,
  removePending,
  type Thread,
} from './thread.ts';
import type {
  Agent,
  CannedReply,
  ConsoleConversation,
  ConsoleMessage,
  ConsoleWorkspace,
  VisitorDetails,
} from './types.ts';

export interface Preview {
  text: string;
  authorType: ConsoleMessage['author']['type'];
  authorId: string | null;
  at: string;
  private?: boolean;
  streaming?: boolean;
  attachments?: number;
}

export interface VisitorEntry {
  status: 'loading' | 'ready' | 'missing';
  visitor?: VisitorDetails;
  conversations?: ConsoleConversation[];
}

export interface ConsoleState {
  me: Agent;
  workspace: ConsoleWorkspace;
  conversations: Record<string, ConsoleConversation>;
  threads: Record<string, Thread>;
  previews: Record<string, Preview>;
  visitors: Record<string, VisitorEntry>;
  /** conversationId → until (ms): the visitor is typing. */
  typing: Record<string, number>;
  agents: Record<string, Agent>;
  canned: CannedReply[];
  live: LiveState;
  presence: 'online' | 'away';
  /** The open-conversation lists arrived. */
  loaded: boolean;
  resolvedLoaded: boolean;
  /** The conversation asked for in the URL does not exist (or is another workspace's). */
  notFound: string | null;
  /** Server capabilities found missing (route not there yet). */
  missing: Record<string, boolean>;
}

export interface StoreEvents {
  /** A desktop/in-app notification is due. */
  notify?: (note: { kind: 'assigned' | 'message'; conversationId: string; body: string }) => void;
  /** The server refused an action. */
  error?: (error: unknown) => void;
}

const TYPING_MS = 6000;
const VISITOR_CONCURRENCY = 4;

export function previewOf(message: ConsoleMessage): Preview {
  return {
    text: message.text,
    authorType: message.author.type,
    authorId: message.author.id,
    at: message.createdAt,
    ...(message.private && { private: true }),
    ...(message.attachments?.length && { attachments: message.attachments.length }),
  };
}

/**
 * The console's live state: conversations of the workspace, the messages of those it follows,
 * colleagues' presence. Immutable snapshots, read with `useConsole(selector)`.
 */
export class ConsoleStore {
  private state: ConsoleState;
  private readonly listeners = new Set<() => void>();
  private live: Live | null = null;
  private greeted = false;
  private openId: string | null = null;
  private readonly visitorQueue: string[] = [];
  private visitorsInFlight = 0;
  private readonly previewRequested = new Set<string>();
  private typingTimer: ReturnType<typeof setInterval> | undefined;
  /** Conversations this tab just assigned to me: no "assigned to you" notification for those. */
  private readonly selfAssigned = new Set<string>();
  events: StoreEvents = {};

  constructor(me: Agent, workspace: ConsoleWorkspace) {
    this.state = {
      me,
      workspace,
      conversations: {},
      threads: {},
      previews: {},
      visitors: {},
      typing: {},
      agents: { [me.id]: me },
      canned: [],
      live: 'connecting',
      presence: me.status === 'away' ? 'away' : 'online',
      loaded: false,
      resolvedLoaded: false,
      notFound: null,
      missing: {},
    };
  }

  // --- the external-store protocol -------------------------------------------------------

  getState = (): ConsoleState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<ConsoleState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  // --- start / stop ------------------------------------------------------------------------

  start(token: string): void {
    const live = createLive({
      serverUrl: location.origin,
      token,
      onUnauthorized: expireSession,
    });
    this.live = live;
    live.onState((state) => this.set({ live: state }));
    live.on((frame) => this.onFrame(frame));
    this.attachOpen();
    this.loadOpen();
    this.loadAgents();
    this.loadCanned();
    this.typingTimer = setInterval(() => this.expireTyping(), 1000);
  }

  stop(): void {
    this.live?.close();
    this.live = null;
    this.greeted = false;
    clearInterval(this.typingTimer);
  }

  // --- loading -----------------------------------------------------------------------------

  private async loadOpen(): Promise<void> {
    try {
      const lists = await Promise.all(
        (['bot', 'queued', 'assigned'] as const).map((status) => api.conversations({ status, limit: 200 })),
      );
      const conversations = { ...this.state.conversations };
      // Drop open conversations that are no longer open (resync after a reconnect).
      for (const [id, c] of Object.entries(conversations))
        if (c.status !== 'resolved') delete conversations[id];
      for (const list of lists) for (const c of list.conversations) conversations[c.id] = this.merge(c);
      this.set({ conversations, loaded: true });
      for (const list of lists) for (const c of list.conversations) this.follow(c);
    } catch (error) {
      this.set({ loaded: true });
      this.events.error?.(error);
    }
  }

  async loadResolved(): Promise<void> {
    try {
      const { conversations: list } = await api.conversations({ status: 'resolved', limit: 100 });
      const conversations = { ...this.state.conversations };
      for (const c of list) if (!conversations[c.id]) conversations[c.id] = this.merge(c);
      this.set({ conversations, resolvedLoaded: true });
    } catch (error) {
      this.set({ resolvedLoaded: true });
      this.events.error?.(error);
    }
  }

  async loadAgents(): Promise<void> {
    try {
      const { agents } = await api.agents();
      const map: Record<string, Agent> = {};
      for (const agent of agents) map[agent.id] = { ...this.state.agents[agent.id], ...agent };
      this.set({ agents: map });
    } catch (error) {
      this.events.error?.(error);
    }
  }

  async loadCanned(): Promise<void> {
    try {
      this.set({ canned: cannedList(await api.cannedReplies()) });
    } catch (error) {
      if (error instanceof ApiError && (error.missing || error.status === 404)) this.markMissing('canned');
    }
  }

  setCanned(canned: CannedReply[]): void {
    this.set({ canned });
  }

  private markMissing(what: string): void {
    if (!this.state.missing[what]) this.set({ missing: { ...this.state.missing, [what]: true } });
  }

  /** Keeps fields the server did not send (labels, preview) when a conversation is updated. */
  private merge(next: ConsoleConversation): ConsoleConversation {
    const previous = this.state.conversations[next.id];
    const merged = previous ? { ...previous, ...next } : next;
    if (previous && previous.lastSeq > merged.lastSeq) merged.lastSeq = previous.lastSeq;
    if (next.lastMessage && !this.state.previews[next.id]) {
      this.state.previews = {
        ...this.state.previews,
        [next.id]: {
          text: next.lastMessage.text,
          authorType: next.lastMessage.author.type,
          authorId: next.lastMessage.author.id,
          at: next.lastMessage.createdAt,
          ...(next.lastMessage.private && { private: true }),
        },
      };
    }
    return merged;
  }

  /** Open conversations are followed live (for previews and notifications). */
  private follow(conversation: ConsoleConversation): void {
    const live = this.live;
    if (!live || live.isSubscribed(conversation.id)) return;
    if (conversation.status === 'resolved' && conversation.id !== this.openId) return;
    const thread = this.state.threads[conversation.id];
    // From the newest message on: its replay gives the inbox its preview line.
    live.subscribe(
      conversation.id,
      thread?.loaded ? contiguousSeq(thread) : Math.max(0, conversation.lastSeq - 1),
    );
  }

  /** Upserts conversations fetched elsewhere (search, visitor history). */
  absorb(list: ConsoleConversation[]): void {
    const conversations = { ...this.state.conversations };
    for (const c of list) conversations[c.id] = this.merge(c);
    this.set({ conversations });
  }

  // --- opening a conversation --------------------------------------------------------------

  /** Shows a conversation: replays its history and follows it. `missing`: no such conversation. */
  async open(conversationId: string | null): Promise<'ok' | 'missing'> {
    const previous = this.openId;
    this.openId = conversationId;
    if (previous && previous !== conversationId) {
      const old = this.state.conversations[previous];
      if (old?.status === 'resolved') this.live?.unsubscribe(previous);
    }
    return this.attachOpen();
  }

  /** Loads and follows the open conversation (again after `start`, which runs after the first `open`). */
  private async attachOpen(): Promise<'ok' | 'missing'> {
    const conversationId = this.openId;
    const live = this.live;
    if (!conversationId || !live) return 'ok';
    let conversation = this.state.conversations[conversationId];
    if (!conversation) {
      try {
        conversation = (await api.conversation(conversationId)).conversation;
        this.absorb([conversation]);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          this.set({ notFound: conversationId });
          return 'missing';
        }
        this.events.error?.(error);
        return 'ok';
      }
      if (this.openId !== conversationId || this.live !== live) return 'ok';
    }
    const thread = this.state.threads[conversationId];
    if (thread?.loaded) {
      if (!live.isSubscribed(conversationId)) live.subscribe(conversationId, contiguousSeq(thread));
    } else if (live.isSubscribed(conversationId) && live.lastSeq(conversationId) > 0) {
      // Followed from its newest seq: the earlier history comes over HTTP.
      this.loadHistory(conversationId, live.lastSeq(conversationId));
    } else {
      live.subscribe(conversationId, 0);
    }
    this.loadVisitor(conversation.visitorId, true);
    return 'ok';
  }

  private readonly historyLoading = new Set<string>();

  private async loadHistory(conversationId: string, upTo: number): Promise<void> {
    if (this.historyLoading.has(conversationId)) return;
    this.historyLoading.add(conversationId);
    try {
      let after = 0;
      const PAGE = 500;
      while (after < upTo) {
        const { messages } = await api.messages(conversationId, after, PAGE);
        let thread = this.state.threads[conversationId] ?? EMPTY_THREAD;
        for (const message of messages) thread = addMessage(thread, message);
        this.setThread(conversationId, thread);
        const last = messages[messages.length - 1];
        if (!last || messages.length < PAGE) break;
        after = last.seq;
      }
      const thread = this.state.threads[conversationId] ?? EMPTY_THREAD;
      this.setThread(conversationId, { ...thread, loaded: true });
    } catch (error) {
      this.events.error?.(error);
    } finally {
      this.historyLoading.delete(conversationId);
    }
  }

  // --- visitors and previews ---------------------------------------------------------------

  /** Queues a visitor lookup (the inbox asks for the ones it shows). */
  loadVisitor(visitorId: string, urgent = false): void {
    if (this.state.visitors[visitorId] || this.state.missing.visitors) return;
    this.state.visitors = { ...this.state.visitors, [visitorId]: { status: 'loading' } };
    if (urgent) this.visitorQueue.unshift(visitorId);
    else this.visitorQueue.push(visitorId);
    this.pumpVisitors();
  }

  /** Forgets a visitor so the panel fetches it again (fresh past conversations). */
  refreshVisitor(visitorId: string): void {
    const visitors = { ...this.state.visitors };
    delete visitors[visitorId];
    this.state.visitors = visitors;
    this.loadVisitor(visitorId, true);
  }

  private pumpVisitors(): void {
    while (this.visitorsInFlight < VISITOR_CONCURRENCY && this.visitorQueue.length > 0) {
      const visitorId = this.visitorQueue.shift()!;
      this.visitorsInFlight++;
      api
        .visitor(visitorId)
        .then(
          (body) => {
            const entry: VisitorEntry = { status: 'ready', visitor: body.visitor };
            if (body.conversations) entry.conversations = body.conversations;
            this.set({ visitors: { ...this.state.visitors, [visitorId]: entry } });
          },
          (error: unknown) => {
            if (error instanceof ApiError && error.missing) {
              this.markMissing('visitors');
              this.visitorQueue.length = 0;
            }
            this.set({ visitors: { ...this.state.visitors, [visitorId]: { status: 'missing' } } });
          },
        )
        .finally(() => {
          this.visitorsInFlight--;
          this.pumpVisitors();
        });
    }
  }

  /** Past conversations of a visitor (when the visitor route did not list them). */
  async visitorConversations(visitorId: string): Promise<ConsoleConversation[] | null> {
    const { conversations } = await api.conversations({ visitorId, limit: 50 });
    return conversations.filter((c) => c.visitorId === visitorId);
  }

  /** Fetches the newest message of conversations shown without one. */
  ensurePreviews(conversations: readonly ConsoleConversation[]): void {
    for (const c of conversations) {
      if (c.lastSeq === 0 || this.state.previews[c.id] || this.live?.isSubscribed(c.id)) continue;
      if (this.previewRequested.has(`${c.id}:${c.lastSeq}`)) continue;
      this.previewRequested.add(`${c.id}:${c.lastSeq}`);
      api
        .messages(c.id, Math.max(0, c.lastSeq - 1), 1)
        .then(({ messages }) => {
          const last = messages[messages.length - 1];
          if (!last || this.state.previews[c.id]) return;
          this.set({ previews: { ...this.state.previews, [c.id]: previewOf(last) } });
        })
        .catch(() => {});
    }
  }

  /** Server-side search over messages (notes included) and labels; null when the server cannot search. */
  async search(q: string, label?: string | null): Promise<ConsoleConversation[] | null> {
    const wantsQ = Boolean(q.trim());
    const { conversations } = await api.conversations({
      ...(wantsQ && { q: q.trim() }),
      ...(label && { label }),
      limit: 100,
    });
    this.absorb(conversations);
    return conversations;
  }

  // --- frames ------------------------------------------------------------------------------

  private onFrame(frame: LiveFrame): void {
    switch (frame.type) {
      case 'hello':
        if (this.greeted) {
          // Reconnected: statuses may have changed meanwhile.
          this.loadOpen();
          this.loadAgents();
        }
        this.greeted = true;
        if (this.state.presence === 'away') this.live?.presence('away');
        return;
      case 'message.created':
      case 'message.completed':
        this.onMessage(frame.message as ConsoleMessage);
        return;
      case 'message.delta':
        this.onDelta(frame.conversationId, frame.messageId, frame.delta);
        return;
      case 'subscribed': {
        // Everything up to lastSeq has been delivered: the thread is whole if it has no gap.
        const thread = this.state.threads[frame.conversationId] ?? EMPTY_THREAD;
        if (!thread.loaded && contiguousSeq(thread) >= frame.lastSeq) {
          this.setThread(frame.conversationId, { ...thread, loaded: true });
        }
        return;
      }
      case 'conversation.updated':
        this.onConversation(frame.conversation as ConsoleConversation);
        return;
      case 'typing':
        if (frame.author.type !== 'visitor') return;
        this.set({
          typing: {
            ...this.state.typing,
            [frame.conversationId]: frame.isTyping ? Date.now() + TYPING_MS : 0,
          },
        });
        return;
      case 'read': {
        const c = this.state.conversations[frame.conversationId];
        if (!c) return;
        const field = frame.author.type === 'visitor' ? 'visitorReadSeq' : 'agentReadSeq';
        if (frame.seq > c[field]) this.patchConversation(c.id, { [field]: frame.seq });
        return;
      }
      case 'presence': {
        const agent = this.state.agents[frame.agentId];
        if (frame.agentId === this.state.me.id && frame.status !== 'offline')
          this.set({ presence: frame.status });
        if (agent)
          this.set({ agents: { ...this.state.agents, [agent.id]: { ...agent, status: frame.status } } });
        else this.loadAgents();
        return;
      }
      case 'error':
        if (frame.ref) {
          for (const [id, thread] of Object.entries(this.state.threads)) {
            if (thread.pending.some((p) => p.clientMessageId === frame.ref)) {
              this.setThread(id, failPending(thread, frame.ref, frame.message));
            }
          }
        }
        if (frame.ref !== 'typing' && frame.ref !== 'read')
          this.events.error?.(new ApiError(0, frame.code, frame.message));
        return;
      default:
        return;
    }
  }

  private setThread(conversationId: string, thread: Thread): void {
    this.set({ threads: { ...this.state.threads, [conversationId]: thread } });
  }

  private onMessage(message: ConsoleMessage): void {
    const id = message.conversationId;
    const before = this.state.threads[id] ?? EMPTY_THREAD;
    const known = before.messages.some((m) => m.seq === message.seq);
    const thread = addMessage(before, message);
    const previews = { ...this.state.previews };
    const currentPreview = previews[id];
    if (
      !currentPreview ||
      Date.parse(currentPreview.at) <= Date.parse(message.createdAt) ||
      currentPreview.streaming
    ) {
      previews[id] = previewOf(message);
    }
    const conversation = this.state.conversations[id];
    const typing =
      message.author.type === 'visitor' && this.state.typing[id] ? { ...this.state.typing, [id]: 0 } : null;
    const patch: Partial<ConsoleState> = { threads: { ...this.state.threads, [id]: thread }, previews };
    if (typing) patch.typing = typing;
    if (conversation && message.seq > conversation.lastSeq) {
      patch.conversations = {
        ...this.state.conversations,
        [id]: { ...conversation, lastSeq: message.seq, updatedAt: message.createdAt },
      };
    }
    this.set(patch);
    // A live visitor message in one of my conversations (a replay is not newer than lastSeq).
    if (
      !known &&
      message.author.type === 'visitor' &&
      conversation?.assigneeId === this.state.me.id &&
      message.seq > conversation.lastSeq
    ) {
      this.events.notify?.({ kind: 'message', conversationId: id, body: message.text });
    }
  }

  private onDelta(conversationId: string, messageId: string, delta: string): void {
    const now = new Date().toISOString();
    const thread = applyDelta(this.state.threads[conversationId] ?? EMPTY_THREAD, messageId, delta, now);
    const stream = thread.streaming[messageId];
    const patch: Partial<ConsoleState> = { threads: { ...this.state.threads, [conversationId]: thread } };
    if (stream) {
      patch.previews = {
        ...this.state.previews,
        [conversationId]: { text: stream.text, authorType: 'bot', authorId: null, at: now, streaming: true },
      };
    }
    this.set(patch);
  }

  private onConversation(next: ConsoleConversation): void {
    const previous = this.state.conversations[next.id];
    const me = this.state.me.id;
    const merged = this.merge(next);
    this.set({ conversations: { ...this.state.conversations, [next.id]: merged } });
    if (next.status !== 'resolved') this.follow(merged);
    else if (next.id !== this.openId) this.live?.unsubscribe(next.id);
    const nowMine = next.status === 'assigned' && next.assigneeId === me;
    const wasMine = previous?.status === 'assigned' && previous.assigneeId === me;
    if (nowMine && !wasMine) {
      if (this.selfAssigned.delete(next.id)) return;
      const preview = this.state.previews[next.id];
      this.events.notify?.({ kind: 'assigned', conversationId: next.id, body: preview?.text ?? '' });
    }
    const entry = this.state.visitors[next.visitorId];
    if (entry?.conversations) {
      const list = entry.conversations.map((c) => (c.id === next.id ? merged : c));
      this.set({ visitors: { ...this.state.visitors, [next.visitorId]: { ...entry, conversations: list } } });
    }
  }

  private patchConversation(id: string, patch: Partial<ConsoleConversation>): void {
    const c = this.state.conversations[id];
    if (!c) return;
    this.set({ conversations: { ...this.state.conversations, [id]: { ...c, ...patch } } });
  }

  private expireTyping(): void {
    const now = Date.now();
    let changed = false;
    const typing: Record<string, number> = {};
    for (const [id, until] of Object.entries(this.state.typing)) {
      if (until > now) typing[id] = until;
      else changed = true;
    }
    if (changed) this.set({ typing });
  }

  // --- actions -----------------------------------------------------------------------------

  send(conversationId: string, text: string, isPrivate: boolean, attachmentIds: string[] = []): void {
    const clientMessageId = newClientMessageId();
    const thread = this.state.threads[conversationId] ?? EMPTY_THREAD;
    this.setThread(
      conversationId,
      addPending(thread, { clientMessageId, text, private: isPrivate, createdAt: new Date().toISOString() }),
    );
    if (!isPrivate) {
      const c = this.state.conversations[conversationId];
      if (c && (c.status === 'bot' || c.status === 'queued')) this.selfAssigned.add(conversationId);
    }
    this.live
      ?.send(conversationId, text, { clientMessageId, private: isPrivate, attachments: attachmentIds })
      .then(
        (message) => this.onMessage(message as ConsoleMessage),
        (error: { code?: string; message?: string }) => {
          if (error.code === 'CLOSED') return;
          const current = this.state.threads[conversationId];
          if (current)
            this.setThread(conversationId, failPending(current, clientMessageId, error.message ?? 'error'));
        },
      );
  }

  retry(conversationId: string, clientMessageId: string): void {
    const thread = this.state.threads[conversationId];
    const pending = thread?.pending.find((p) => p.clientMessageId === clientMessageId);
    if (!thread || !pending) return;
    this.setThread(conversationId, removePending(thread, clientMessageId));
    this.send(conversationId, pending.text, pending.private);
  }

  discard(conversationId: string, clientMessageId: string): void {
    const thread = this.state.threads[conversationId];
    if (thread) this.setThread(conversationId, removePending(thread, clientMessageId));
  }

  typingNow(conversationId: string, isTyping: boolean): void {
    this.live?.typing(conversationId, isTyping);
  }

  markRead(conversationId: string): void {
    const c = this.state.conversations[conversationId];
    const thread = this.state.threads[conversationId];
    const seq = Math.max(c?.lastSeq ?? 0, thread?.messages[thread.messages.length - 1]?.seq ?? 0);
    if (!c || seq <= c.agentReadSeq) return;
    this.live?.read(conversationId, seq);
    this.patchConversation(conversationId, { agentReadSeq: seq });
  }

  async assign(conversationId: string, agentId: string): Promise<void> {
    if (agentId === this.state.me.id) this.selfAssigned.add(conversationId);
    try {
      const { conversation } = await api.assign(conversationId, agentId);
      this.onConversation(conversation);
    } catch (error) {
      this.selfAssigned.delete(conversationId);
      this.events.error?.(error);
    }
  }

  takeOver(conversationId: string): Promise<void> {
    return this.assign(conversationId, this.state.me.id);
  }

  async resolve(conversationId: string): Promise<boolean> {
    try {
      const { conversation } = await api.resolve(conversationId);
      this.onConversation(conversation);
      return true;
    } catch (error) {
      this.events.error?.(error);
      return false;
    }
  }

  async setLabels(conversationId: string, labels: string[]): Promise<void> {
    const before = this.state.conversations[conversationId]?.labels;
    this.patchConversation(conversationId, { labels });
    try {
      const { conversation } = await api.setLabels(conversationId, labels);
      this.onConversation(conversation);
    } catch (error) {
      this.patchConversation(conversationId, { labels: before ?? [] });
      if (error instanceof ApiError && error.missing) this.markMissing('labels');
      this.events.error?.(error);
    }
  }

  setPresence(status: 'online' | 'away'): void {
    this.set({ presence: status });
    this.live?.presence(status);
    const me = this.state.agents[this.state.me.id];
    if (me) this.set({ agents: { ...this.state.agents, [me.id]: { ...me, status } } });
  }

  setWorkspace(workspace: ConsoleWorkspace): void {
    this.set({ workspace: { ...this.state.workspace, ...workspace } });
  }

  upsertAgent(agent: Agent): void {
    this.set({ agents: { ...this.state.agents, [agent.id]: { ...this.state.agents[agent.id], ...agent } } });
  }
}
