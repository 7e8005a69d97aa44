import {
  CLIENT_FRAME_SCHEMAS,
  type ClientFrame,
  type ClientFrameType,
  type Conversation,
  type Message,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@unique-support/protocol';
import { Compile } from 'typebox/compile';
import { type Bus, type BusEvent, topics } from '../bus/bus.ts';

/** Client topics (`conv:`, `agents:`) carry server frames only. */
const asFrame = (event: BusEvent) => event as ServerFrame;

import { AppError, toAppError } from '../errors.ts';
import { inSpan, SpanKind } from '../observability/tracing.ts';
import type { Store } from '../store/store.ts';
import { type ConversationService, visitorView } from './conversation-service.ts';
import type { Presence } from './presence.ts';
import type { Principal } from './principal.ts';

/** The socket-shaped thing a Session writes to. The ws binding adds backpressure and heartbeats. */
export interface Connection {
  send(data: string): void;
  close(code: number, reason: string): void;
}

export interface SessionDeps {
  store: Store;
  bus: Bus;
  conversations: ConversationService;
  presence: Presence;
  heartbeatMs: number;
  onError?: (err: unknown) => void;
  /** Told when a message is sent to someone other than its author (the timeline's "delivered"). */
  deliveries?: { delivered(message: Message): void };
}

/** Most conversations one connection may follow at once. */
export const MAX_SUBSCRIPTIONS = 1000;
const REPLAY_PAGE = 500;

const validators = Object.fromEntries(
  Object.entries(CLIENT_FRAME_SCHEMAS).map(([type, schema]) => [type, Compile(schema)]),
) as Record<ClientFrameType, ReturnType<typeof Compile>>;

/** Frames on the bus reach many sockets: serialise each once. */
const serialised = new WeakMap<object, string>();
/** A stored message's JSON: its `message.created` frame and its sender's ack both carry it. */
const messageJson = new WeakMap<Message, string>();
/** `conversation.updated` frames as visitors get them (no labels), made once per frame. */
const forVisitors = new WeakMap<object, ServerFrame>();
export function serialise(frame: ServerFrame): string {
  if (frame.type === 'message.ack') {
    return `{"type":"message.ack","clientMessageId":${JSON.stringify(frame.clientMessageId)},"message":${jsonOf(frame.message)}}`;
  }
  let text = serialised.get(frame);
  if (text === undefined) {
    text =
      frame.type === 'message.created'
        ? `{"type":"message.created","message":${jsonOf(frame.message)}}`
        : JSON.stringify(frame);
    serialised.set(frame, text);
  }
  return text;
}

function jsonOf(message: Message): string {
  let text = messageJson.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    messageJson.set(message, text);
  }
  return text;
}

interface Subscription {
  unsubscribe: () => void;
  /** Highest seq sent to this client; stored messages at or below it are never sent again. */
  delivered: number;
  /** Live events held while the client catches up from the store; null when live. */
  held: ServerFrame[] | null;
  /** Set when the bus may have lost events during a running catch-up: it reads the store once more. */
  stale: boolean;
}

/**
 * One client connection, socket-free: frames in (`receive`), frames out (`connection.send`).
 * Delivery per conversation is gap-free and duplicate-free by `seq`: live events are held
 * while stored messages replay, and a gap in the live stream is filled from the store.
 *
 * Private notes reach agents only. A visitor's stream has gaps where notes are: a live note
 * only moves its position on (when it is the next seq), the store's replay for a visitor
 * skips notes, and a gap is filled from the store only when a visitor-visible message shows
 * it (that message is stored, so the replay reaches it and the gap cannot come back).
 */
export class Session {
  private readonly subscriptions = new Map<string, Subscription>();
  /** Conversations this principal may access; ownership never changes, so one check each. */
  private readonly access = new Map<string, Promise<Conversation>>();
  private readonly cleanups: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly principal: Principal,
    private readonly connection: Connection,
    private readonly deps: SessionDeps,
  ) {}

  start(): void {
    const { principal, deps } = this;
    this.send({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      principal: { type: principal.type, id: principal.id },
      heartbeatMs: deps.heartbeatMs,
    });
    if (principal.type === 'agent') {
      this.cleanups.push(
        deps.bus.subscribe(topics.workspaceAgents(principal.workspaceId), (event) =>
          this.send(asFrame(event)),
        ),
      );
      deps.presence.connect(principal.workspaceId, principal.id);
      this.cleanups.push(() => deps.presence.disconnect(principal.workspaceId, principal.id));
    }
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe();
    this.subscriptions.clear();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Handles one text frame. Never throws: a bad frame gets an `error` frame. */
  receive(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      this.sendError(new AppError('BAD_REQUEST', 'frame is not valid JSON'), null);
      return;
    }
    const ref = refOf(frame);
    const type = (frame as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !Object.hasOwn(validators, type)) {
      const what =
        typeof type === 'string' ? `unknown frame type "${type.slice(0, 50)}"` : 'frame needs a "type"';
      this.sendError(new AppError('BAD_REQUEST', what), ref);
      return;
    }
    const validator = validators[type as ClientFrameType];
    if (!validator.Check(frame)) {
      const [first] = validator.Errors(frame);
      const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
      this.sendError(
        new AppError('BAD_REQUEST', `invalid ${type} frame: ${where}${first?.message ?? ''}`),
        ref,
      );
      return;
    }
    const dispatched =
      type === 'message.send'
        ? inSpan(
            'ws message.send',
            { kind: SpanKind.SERVER, attributes: { 'us.principal': this.principal.type } },
            () => this.dispatch(frame as ClientFrame),
          )
        : this.dispatch(frame as ClientFrame);
    dispatched.catch((err) => {
      const appError = toAppError(err);
      if (appError.code === 'INTERNAL') this.deps.onError?.(err);
      this.sendError(appError, ref);
    });
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    const { conversations } = this.deps;
    switch (frame.type) {
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'subscribe':
        return this.subscribe(frame.conversationId, frame.lastSeq ?? 0);
      case 'unsubscribe':
        this.subscriptions.get(frame.conversationId)?.unsubscribe();
        this.subscriptions.delete(frame.conversationId);
        return;
      case 'message.send': {
        const conversation = await this.conversation(frame.conversationId);
        const { message } = await conversations.send(
          this.principal,
          conversation,
          frame.text,
          frame.clientMessageId,
          {
            ...(frame.attachments && { attachments: frame.attachments }),
            ...(frame.private !== undefined && { private: frame.private }),
          },
        );
        this.send({ type: 'message.ack', clientMessageId: frame.clientMessageId, message });
        return;
      }
      case 'typing':
        await this.conversation(frame.conversationId);
        conversations.typing(this.principal, frame.conversationId, frame.isTyping);
        return;
      case 'read':
        await this.conversation(frame.conversationId);
        return conversations.markRead(this.principal, frame.conversationId, frame.seq);
      case 'presence':
        if (this.principal.type !== 'agent') throw new AppError('FORBIDDEN', 'only agents have a presence');
        this.deps.presence.setStatus(this.principal.workspaceId, this.principal.id, frame.status);
        return;
    }
  }

  private conversation(conversationId: string): Promise<Conversation> {
    let check = this.access.get(conversationId);
    if (!check) {
      check = this.deps.conversations.get(this.principal, conversationId);
      this.access.set(conversationId, check);
      check.catch(() => this.access.delete(conversationId));
    }
    return check;
  }

  private async subscribe(conversationId: string, lastSeq: number): Promise<void> {
    await this.conversation(conversationId);
    if (this.closed) return;
    this.subscriptions.get(conversationId)?.unsubscribe();
    this.subscriptions.delete(conversationId);
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new AppError('BAD_REQUEST', `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`);
    }
    const subscription: Subscription = { unsubscribe: () => {}, delivered: lastSeq, held: [], stale: false };
    // Listen before reading the store, so nothing stored meanwhile is missed.
    subscription.unsubscribe = this.deps.bus.subscribe(topics.conversation(conversationId), (event) =>
      this.deliver(conversationId, subscription, asFrame(event)),
    );
    this.subscriptions.set(conversationId, subscription);
    // A lastSeq beyond the end (a stale client, a reset database) would hide every live
    // message up to it: clamp it to what is stored, read after listening so nothing is missed.
    const current = await this.deps.store.getConversation(this.principal.workspaceId, conversationId);
    subscription.delivered = Math.min(lastSeq, current?.lastSeq ?? 0);
    await this.catchUp(conversationId, subscription);
    this.send({ type: 'subscribed', conversationId, lastSeq: subscription.delivered });
  }

  /**
   * The bus is back after it may have lost events: sends each followed conversation's stored
   * messages after what this client has, and its current state (status, assignee) — so a lost
   * live event leaves neither a gap nor a stale view.
   */
  resync(): void {
    if (this.closed) return;
    for (const [conversationId, subscription] of this.subscriptions) {
      if (subscription.held) {
        subscription.stale = true;
        continue;
      }
      this.catchUp(conversationId, subscription)
        .then(() => this.deps.store.getConversation(this.principal.workspaceId, conversationId))
        .then((conversation) => {
          if (!conversation || this.subscriptions.get(conversationId) !== subscription) return;
          this.send({
            type: 'conversation.updated',
            conversation: this.principal.type === 'visitor' ? visitorView(conversation) : conversation,
          });
        })
        .catch((err) => this.deps.onError?.(err));
    }
  }

  private deliver(conversationId: string, subscription: Subscription, event: ServerFrame): void {
    if (subscription.held) {
      subscription.held.push(event);
      return;
    }
    if (event.type === 'message.created' || event.type === 'message.completed') {
      const { seq } = event.message;
      if (seq <= subscription.delivered) return;
      if (event.message.private && this.principal.type !== 'agent') {
        // Never sent; as the next seq it moves the position on, otherwise it is simply dropped
        // (a replay for a visitor has no notes, so it could never fill a gap this shows).
        if (seq === subscription.delivered + 1) subscription.delivered = seq;
        return;
      }
      if (seq > subscription.delivered + 1) {
        subscription.held = [event];
        this.catchUp(conversationId, subscription).catch((err) => this.deps.onError?.(err));
        return;
      }
      subscription.delivered = seq;
      this.noteDelivery(event.message);
    } else if (!this.wants(event)) {
      return;
    }
    this.send(this.principal.type === 'visitor' ? toVisitorFrame(event) : event);
  }

  /**
   * Sends stored messages after `delivered`, then the events held meanwhile. Agents get
   * every seq; visitors every message but the notes, whose seqs they skip.
   */
  private async catchUp(conversationId: string, subscription: Subscription): Promise<void> {
    subscription.held ??= [];
    const isAgent = this.principal.type === 'agent';
    for (;;) {
      const page = await this.deps.store.listMessages({
        workspaceId: this.principal.workspaceId,
        conversationId,
        afterSeq: subscription.delivered,
        limit: REPLAY_PAGE,
        includePrivate: isAgent,
      });
      if (this.closed || this.subscriptions.get(conversationId) !== subscription) return;
      for (const message of page) {
        if (isAgent ? message.seq !== subscription.delivered + 1 : message.seq <= subscription.delivered)
          break;
        this.send({ type: 'message.created', message });
        subscription.delivered = message.seq;
        this.noteDelivery(message);
      }
      if (page.length < REPLAY_PAGE) {
        if (!subscription.stale) break;
        subscription.stale = false;
      }
    }
    const held = subscription.held;
    subscription.held = null;
    for (const event of held) this.deliver(conversationId, subscription, event);
  }

  private noteDelivery(message: Message): void {
    const { author } = message;
    if (author.type === this.principal.type && author.id === this.principal.id) return;
    this.deps.deliveries?.delivered(message);
  }

  /** Relayed events a client gets from a conversation topic. */
  private wants(event: ServerFrame): boolean {
    const { principal } = this;
    // Agents get conversation.updated for the whole workspace already.
    if (event.type === 'conversation.updated') return principal.type === 'visitor';
    if (event.type === 'typing' || event.type === 'read') {
      return !(event.author.type === principal.type && event.author.id === principal.id);
    }
    return true;
  }

  private send(frame: ServerFrame): void {
    if (!this.closed) this.connection.send(serialise(frame));
  }

  private sendError(error: AppError, ref: string | null): void {
    this.send({ type: 'error', code: error.code, message: error.message, ref });
  }
}

/** A relayed frame as a visitor may see it. */
function toVisitorFrame(event: ServerFrame): ServerFrame {
  if (event.type !== 'conversation.updated' || event.conversation.labels.length === 0) return event;
  let frame = forVisitors.get(event);
  if (!frame) {
    frame = { type: 'conversation.updated', conversation: visitorView(event.conversation) };
    forVisitors.set(event, frame);
  }
  return frame;
}

/** The `clientMessageId` of the frame, else its `type`, so the client can tell which frame failed. */
function refOf(frame: unknown): string | null {
  if (typeof frame !== 'object' || frame === null) return null;
  const { clientMessageId, type } = frame as { clientMessageId?: unknown; type?: unknown };
  if (typeof clientMessageId === 'string' && clientMessageId) return clientMessageId.slice(0, 100);
  if (typeof type === 'string') return type.slice(0, 50);
  return null;
}
