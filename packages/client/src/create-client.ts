import type { Author, Conversation, ErrorCode, Message, ServerFrame } from '@unique-support/protocol';

/** The part of a WebSocket the client uses (the browser's and the `ws` package's both have it). */
interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
/**
 * A WebSocket class: the browser's `WebSocket` or the `ws` package's. Typed loosely because
 * their event types differ; the client uses only `send`, `close`, `readyState` and the
 * `onmessage`/`onclose`/`onerror` handlers, with text frames.
 */
export type SocketConstructor = abstract new (url: string) => object;

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

/** Events of a client, each with its one payload. */
export interface ClientEvents {
  /** A stored message of a subscribed conversation (replayed, live, or a completed bot answer), once per seq. */
  message: Message;
  /** A piece of a bot answer while it streams; `message` with the same id ends it. */
  delta: { conversationId: string; messageId: string; delta: string };
  /** The replay of a subscription is done: messages after this are live. */
  subscribed: { conversationId: string; lastSeq: number };
  conversation: Conversation;
  typing: { conversationId: string; author: Author; isTyping: boolean };
  read: { conversationId: string; author: Author; seq: number };
  status: ConnectionStatus;
  /** An `error` frame no pending `send` claimed (a failed subscribe, a bad frame...). */
  error: { code: ErrorCode; message: string; ref: string | null };
  /** The server refused the token (close 4401 or 4403): the client stopped; get a new token. */
  unauthorized: { code: number };
  /** Every server frame, for consumers that need more than the events above. */
  frame: ServerFrame;
}

export interface SendOptions {
  /** Upload ids (`POST /api/v1/uploads`) to attach. */
  attachments?: string[];
  /** Defaults to a new random id; a resend with the same id is stored once. */
  clientMessageId?: string;
  /** Agents only: a private note. */
  private?: boolean;
}

export interface ClientOptions {
  /** `http(s)://host[:port]` of the server; the socket goes to `ws(s)://.../ws`. */
  serverUrl: string;
  /** Agent or visitor token. */
  token: string;
  /** Defaults to `globalThis.WebSocket`; pass the `ws` package in Node 20. */
  WebSocket?: SocketConstructor;
  /** First reconnect delay, doubling per failed attempt. @default 500 */
  minDelayMs?: number;
  /** @default 30000 */
  maxDelayMs?: number;
  /** A link silent this long after a ping counts as dead and is replaced. @default 10000 */
  pongTimeoutMs?: number;
}

export interface Client {
  readonly status: ConnectionStatus;
  /** Listens to one event type; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(type: K, listener: (payload: ClientEvents[K]) => void): () => void;
  /**
   * Follows a conversation: replays stored messages after `lastSeq` or the highest seq this
   * client has already delivered, whichever is higher (0 when neither), then live ones. Kept
   * across reconnects, resuming from the highest seq seen: no message is missed or delivered
   * twice.
   */
  subscribe(conversationId: string, lastSeq?: number): void;
  unsubscribe(conversationId: string): void;
  /** Highest seq seen in a conversation (0 when none). */
  lastSeq(conversationId: string): number;
  /**
   * Sends a message; resolves with the stored message when the server acks it. Unacked
   * messages are sent again after each reconnect with the same `clientMessageId` (the
   * server stores them once). Rejects with a `ClientError` on an `error` frame or `close()`.
   */
  send(conversationId: string, text: string, options?: SendOptions): Promise<Message>;
  typing(conversationId: string, isTyping: boolean): void;
  /** Read receipt up to `seq`; the newest one per conversation is re-sent after a reconnect. */
  read(conversationId: string, seq: number): void;
  /** Agents: `away` takes no new conversations. Kept across reconnects (a new socket starts `online`). */
  presence(status: 'online' | 'away'): void;
  /** Drops the current link (if any) and connects again now, e.g. when the browser is back online. */
  reconnect(): void;
  /** Closes for good; pending sends reject. */
  close(): void;
}

/** An `error` frame answering a send, or the client closing under it. */
export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode | 'CLOSED' | 'UNAUTHORIZED',
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

const OPEN = 1;
const RESTART_CODES = new Set([1012, 1013]);
const AUTH_CODES = new Set([4401, 4403]);

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter in [d/2, d]. */
export function backoffDelay(attempt: number, minMs = 500, maxMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A random id that works without a secure context (no `crypto.randomUUID` on plain http). */
export function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `c_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

interface PendingSend {
  frame: string;
  resolve: (message: Message) => void;
  reject: (error: ClientError) => void;
}

/**
 * A framework-free client of the WebSocket protocol (docs/protocol.md) for browsers and
 * Node: connects at once, reconnects with backoff, resumes subscriptions by seq, resends
 * unacked messages, and reports everything as typed events.
 */
export function createClient(options: ClientOptions): Client {
  const Impl = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (!Impl) throw new Error('no WebSocket implementation: pass one as options.WebSocket');
  const Socket = Impl as unknown as new (url: string) => SocketLike;
  const url = `${options.serverUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/ws?token=${encodeURIComponent(options.token)}`;
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const pongTimeout = options.pongTimeoutMs ?? 10_000;

  const listeners = new Map<keyof ClientEvents, Set<(payload: never) => void>>();
  /** conversationId → highest seq seen (also the set of subscriptions, with `subscribed`). */
  const seen = new Map<string, number>();
  const subscribed = new Set<string>();
  const pending = new Map<string, PendingSend>();
  const reads = new Map<string, { seq: number; sent: boolean }>();
  let presence: 'online' | 'away' = 'online';

  let socket: SocketLike | null = null;
  let status: ConnectionStatus = 'connecting';
  let online = false;
  let stopped = false;
  let attempt = 0;
  let lastImmediate = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;
  let deadTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatMs = 30_000;

  function emit<K extends keyof ClientEvents>(type: K, payload: ClientEvents[K]): void {
    for (const listener of [...(listeners.get(type) ?? [])]) {
      try {
        (listener as (p: ClientEvents[K]) => void)(payload);
      } catch (err) {
        // A listener's bug must not break delivery to the others.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  function setStatus(next: ConnectionStatus): void {
    if (status === next) return;
    status = next;
    emit('status', next);
  }

  function write(frame: unknown): boolean {
    if (!online || !socket || socket.readyState !== OPEN) return false;
    socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return true;
  }

  function connect(): void {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    setStatus('connecting');
    const ws = new Socket(url);
    socket = ws;
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return;
      }
      receive(frame);
    };
    ws.onclose = (event) => {
      if (socket === ws) dropped(event.code);
    };
    // A failed connect ends in `close` too; without a handler `ws` would throw.
    ws.onerror = () => {};
  }

  /** The link is gone: schedule the next attempt (or stop for a refused token). */
  function dropped(code: number): void {
    const wasOnline = online;
    socket = null;
    online = false;
    clearTimeout(pingTimer);
    clearTimeout(deadTimer);
    if (stopped) return;
    if (AUTH_CODES.has(code)) {
      stopped = true;
      setStatus('offline');
      failAll('UNAUTHORIZED', 'the server refused the token');
      emit('unauthorized', { code });
      return;
    }
    setStatus('offline');
    const now = Date.now();
    let delay: number;
    if (wasOnline && RESTART_CODES.has(code) && now - lastImmediate > 5000) {
      // The server asked us to come back (restart, or we read too slowly): at once, but not in a loop.
      lastImmediate = now;
      delay = 0;
    } else {
      delay = backoffDelay(attempt++, minDelay, maxDelay);
    }
    reconnectTimer = setTimeout(connect, delay);
  }

  function receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        online = true;
        attempt = 0;
        heartbeatMs = frame.heartbeatMs || heartbeatMs;
        setStatus('online');
        for (const conversationId of subscribed) {
          write({ type: 'subscribe', conversationId, lastSeq: seen.get(conversationId) ?? 0 });
        }
        for (const [conversationId, read] of reads) {
          if (!read.sent) read.sent = write({ type: 'read', conversationId, seq: read.seq });
        }
        for (const send of pending.values()) write(send.frame);
        if (presence === 'away') write({ type: 'presence', status: 'away' });
        break;
      case 'message.created':
      case 'message.completed': {
        const { message } = frame;
        // Seqs only grow on a subscription (with gaps for visitors, where private notes
        // are): anything not above the highest seen is a duplicate.
        if (message.seq <= (seen.get(message.conversationId) ?? 0)) break;
        seen.set(message.conversationId, message.seq);
        emit('message', message);
        break;
      }
      case 'message.ack': {
        const send = pending.get(frame.clientMessageId);
        pending.delete(frame.clientMessageId);
        send?.resolve(frame.message);
        break;
      }
      case 'message.delta':
        emit('delta', {
          conversationId: frame.conversationId,
          messageId: frame.messageId,
          delta: frame.delta,
        });
        break;
      case 'subscribed':
        emit('subscribed', { conversationId: frame.conversationId, lastSeq: frame.lastSeq });
        break;
      case 'conversation.updated':
        emit('conversation', frame.conversation);
        break;
      case 'typing':
        emit('typing', {
          conversationId: frame.conversationId,
          author: frame.author,
          isTyping: frame.isTyping,
        });
        break;
      case 'read':
        emit('read', { conversationId: frame.conversationId, author: frame.author, seq: frame.seq });
        break;
      case 'error': {
        const send = frame.ref === null ? undefined : pending.get(frame.ref);
        if (send && frame.ref !== null) {
          pending.delete(frame.ref);
          send.reject(new ClientError(frame.code, frame.message));
        } else {
          emit('error', { code: frame.code, message: frame.message, ref: frame.ref });
        }
        break;
      }
    }
    emit('frame', frame);
    armWatchdog();
  }

  /** Pings after a quiet heartbeat; a link that stays silent `pongTimeout` after is replaced. */
  function armWatchdog(): void {
    clearTimeout(pingTimer);
    clearTimeout(deadTimer);
    if (!online) return;
    pingTimer = setTimeout(() => {
      write({ type: 'ping' });
      deadTimer = setTimeout(() => replaceLink(), pongTimeout);
    }, heartbeatMs);
  }

  /** Forgets the current socket (its late events are ignored) and treats the link as dropped. */
  function replaceLink(): void {
    const old = socket;
    if (!old) return;
    socket = null;
    try {
      old.close(1000, 'replaced');
    } catch {}
    dropped(1006);
  }

  function failAll(code: ClientError['code'], message: string): void {
    for (const send of pending.values()) send.reject(new ClientError(code, message));
    pending.clear();
  }

  connect();

  return {
    get status() {
      return status;
    },
    on(type, listener) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    subscribe(conversationId, lastSeq) {
      if (lastSeq !== undefined) seen.set(conversationId, Math.max(lastSeq, seen.get(conversationId) ?? 0));
      subscribed.add(conversationId);
      write({ type: 'subscribe', conversationId, lastSeq: seen.get(conversationId) ?? 0 });
    },
    unsubscribe(conversationId) {
      if (subscribed.delete(conversationId)) write({ type: 'unsubscribe', conversationId });
    },
    lastSeq(conversationId) {
      return seen.get(conversationId) ?? 0;
    },
    send(conversationId, text, sendOptions = {}) {
      if (stopped) return Promise.reject(new ClientError('CLOSED', 'the client is closed'));
      const clientMessageId = sendOptions.clientMessageId ?? newClientMessageId();
      const frame = JSON.stringify({
        type: 'message.send',
        conversationId,
        text,
        clientMessageId,
        ...(sendOptions.attachments?.length ? { attachments: sendOptions.attachments } : {}),
        ...(sendOptions.private ? { private: true } : {}),
      });
      return new Promise<Message>((resolve, reject) => {
        pending.set(clientMessageId, { frame, resolve, reject });
        write(frame);
      });
    },
    typing(conversationId, isTyping) {
      write({ type: 'typing', conversationId, isTyping });
    },
    read(conversationId, seq) {
      const last = reads.get(conversationId);
      if (last && last.seq >= seq) return;
      reads.set(conversationId, { seq, sent: write({ type: 'read', conversationId, seq }) });
    },
    presence(status) {
      presence = status;
      write({ type: 'presence', status });
    },
    reconnect() {
      if (stopped) return;
      if (socket) replaceLink();
      attempt = 0;
      connect();
    },
    close() {
      if (stopped) return;
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(pingTimer);
      clearTimeout(deadTimer);
      const old = socket;
      socket = null;
      online = false;
      try {
        old?.close(1000, 'bye');
      } catch {}
      failAll('CLOSED', 'the client is closed');
      setStatus('offline');
    },
  };
}
