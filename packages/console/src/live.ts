/**
 * The console's one door to the WebSocket protocol: an adapter over `@unique-support/client`
 * (reconnect with backoff, resume by seq, resend of unacked messages). The rest of the
 * console sees only the `Live` interface and server frames.
 */
import { type Client, createClient, newClientMessageId } from '@unique-support/client';
import type { Message, ServerFrame } from '@unique-support/protocol';

export type LiveState = 'connecting' | 'online' | 'offline';

/** What the store hears: server frames, messages deduplicated by seq. */
export type LiveFrame = Exclude<ServerFrame, { type: 'message.ack' } | { type: 'pong' }>;

export interface Live {
  readonly state: LiveState;
  on(listener: (frame: LiveFrame) => void): () => void;
  onState(listener: (state: LiveState) => void): () => void;
  /**
   * Follows a conversation from `lastSeq` (the client resumes from the highest seq it saw
   * when that is higher); kept across reconnects.
   */
  subscribe(conversationId: string, lastSeq: number): void;
  unsubscribe(conversationId: string): void;
  isSubscribed(conversationId: string): boolean;
  /** Highest seq delivered for a conversation. */
  lastSeq(conversationId: string): number;
  /** Resolves with the stored message once acknowledged; resent after reconnects until then. */
  send(
    conversationId: string,
    text: string,
    options: { clientMessageId: string; private?: boolean; attachments?: string[] },
  ): Promise<Message>;
  typing(conversationId: string, isTyping: boolean): void;
  read(conversationId: string, seq: number): void;
  presence(status: 'online' | 'away'): void;
  close(): void;
}

export interface LiveOptions {
  /** `http(s)://host` of the server. */
  serverUrl: string;
  token: string;
  /** 4401/4403: the token is no good any more. */
  onUnauthorized?: () => void;
}

export { newClientMessageId };

export function createLive(options: LiveOptions): Live {
  const client: Client = createClient({
    serverUrl: options.serverUrl,
    token: options.token,
  });
  const listeners = new Set<(frame: LiveFrame) => void>();
  const subscribed = new Set<string>();
  const emit = (frame: LiveFrame) => {
    for (const listener of listeners) listener(frame);
  };

  client.on('message', (message) => emit({ type: 'message.created', message }));
  client.on('delta', (d) => emit({ type: 'message.delta', ...d }));
  client.on('subscribed', (s) => emit({ type: 'subscribed', ...s }));
  client.on('conversation', (conversation) => emit({ type: 'conversation.updated', conversation }));
  client.on('typing', (t) => emit({ type: 'typing', ...t }));
  client.on('read', (r) => emit({ type: 'read', ...r }));
  client.on('error', (e) => emit({ type: 'error', ...e }));
  client.on('frame', (frame) => {
    if (frame.type === 'hello' || frame.type === 'presence') emit(frame);
  });
  client.on('unauthorized', () => options.onUnauthorized?.());

  const reconnectNow = () => client.reconnect();
  window.addEventListener('online', reconnectNow);

  return {
    get state() {
      return client.status;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onState(listener) {
      return client.on('status', listener);
    },
    subscribe(conversationId, lastSeq) {
      subscribed.add(conversationId);
      client.subscribe(conversationId, lastSeq);
    },
    unsubscribe(conversationId) {
      subscribed.delete(conversationId);
      client.unsubscribe(conversationId);
    },
    isSubscribed: (conversationId) => subscribed.has(conversationId),
    lastSeq: (conversationId) => client.lastSeq(conversationId),
    send(conversationId, text, sendOptions) {
      return client.send(conversationId, text, {
        clientMessageId: sendOptions.clientMessageId,
        ...(sendOptions.private && { private: true }),
        ...(sendOptions.attachments?.length && { attachments: sendOptions.attachments }),
      });
    },
    typing: (conversationId, isTyping) => client.typing(conversationId, isTyping),
    read: (conversationId, seq) => client.read(conversationId, seq),
    presence: (status) => client.presence(status),
    close() {
      window.removeEventListener('online', reconnectNow);
      client.close();
    },
  };
}
