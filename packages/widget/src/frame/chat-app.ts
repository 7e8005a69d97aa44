import { type Client, type ConnectionStatus, createClient, newClientMessageId } from '@unique-support/client';
import type { Attachment, Author, Conversation, Message } from '@unique-support/protocol';
import {
  type FrameToHost,
  type HostToFrame,
  type Identity,
  type Language,
  type Position,
  readableOn,
  safeColor,
  type WidgetMessage,
} from '../bridge.ts';
import { type Api, ApiError, createApi, type SessionRequest, type WidgetConfig } from './api.ts';
import { type Child, h, ICONS, icon, replaceChildren } from './dom.ts';
import { format, pickLanguage, STRINGS, type Strings } from './i18n.ts';
import { messageView, splitLinks, starLabel, typingLabel } from './message-view.ts';
import { renderMessage, renderSegments } from './render-message.ts';
import type { SavedStateStore } from './saved-state.ts';

export interface ChatAppOptions {
  doc: Document;
  win: Window;
  /** The element the app fills. */
  root: HTMLElement;
  widgetKey: string;
  /** The server origin (the iframe's own); REST and WebSocket go there. */
  base: string;
  /** From the loader's `data-*` attributes; they win over the workspace settings. */
  overrides: { color: string | null; position: Position | null; language: Language | null };
  saved: SavedStateStore;
  /** Posts to the host page; null when the frame runs on its own. */
  post: ((message: FrameToHost) => void) | null;
  /** @default createApi(base) */
  api?: Api;
}

const EMOJI = [
  '😀',
  '😂',
  '😊',
  '😍',
  '🤔',
  '😅',
  '😢',
  '😮',
  '👍',
  '👎',
  '🙏',
  '👏',
  '🎉',
  '❤️',
  '🔥',
  '✅',
  '👋',
  '🙂',
  '🤝',
  '💯',
  '📦',
  '🚚',
  '🍵',
  '⭐',
];
const TYPING_IDLE_MS = 2500;
const TYPING_SHOWN_MS = 7000;
const BOT_THINKING_MS = 30_000;
/** What the server takes (`ALLOWED_UPLOAD_TYPES`); it checks again, by content. */
const ACCEPT =
  '.png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.log,.zip,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface PendingMessage {
  clientMessageId: string;
  text: string;
  attachments: Attachment[];
  state: 'sending' | 'failed';
  row: HTMLElement;
}

interface Stream {
  row: HTMLElement;
  text: Text;
}

/**
 * The chat inside the iframe: one visitor, one conversation at a time. State lives here;
 * the DOM is rebuilt per region (`render*`) from it, except for the hot paths (a new
 * message, a streaming delta) which touch only their row.
 */
export class ChatApp {
  private readonly doc: Document;
  private readonly api: Api;
  private config: WidgetConfig | null = null;
  private language: Language;
  private strings: Strings;
  private token: string | null = null;
  private identity: Identity = {};
  private pageUrl: string | undefined;
  private conversation: Conversation | null = null;
  private client: Client | null = null;
  private status: ConnectionStatus = 'connecting';
  private everOnline = false;
  private live = false;
  private open: boolean;
  private readonly messages: Message[] = [];
  private readonly rows = new Map<string, HTMLElement>();
  private readonly streams = new Map<string, Stream>();
  private readonly pending = new Map<string, PendingMessage>();
  private readonly typers = new Map<string, { author: Author; timer: ReturnType<typeof setTimeout> }>();
  private botThinking: ReturnType<typeof setTimeout> | null = null;
  private readSeq = 0;
  private agentReadSeq = 0;
  private postedUnread = -1;
  private notices: { text: string; error?: boolean }[] = [];
  private offlineSent = false;
  /** Asked for a human before any conversation existed, with no agent online. */
  private wantsHuman = false;
  private ratingThanks = false;
  private rating = 0;
  private forms: { offline?: HTMLElement; rating?: HTMLElement } = {};
  private configAt = 0;
  private typingSent = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private sessionPromise: Promise<string> | null = null;
  /** Resuming the saved conversation; a first message waits for it (else it would start a new one). */
  private restoring: Promise<void> = Promise.resolve();
  private conversationPromise: Promise<Conversation> | null = null;
  private initDone!: () => void;
  private userIdentifiedDone!: () => void;
  /** `identify` named a user (with its hash). */
  private readonly userIdentified = new Promise<void>((resolve) => {
    this.userIdentifiedDone = resolve;
  });
  /** The identity the current token was made with (JSON), so an unchanged `identify` costs nothing. */
  private sessionIdentity = '';
  private readonly initReceived = new Promise<void>((resolve) => {
    this.initDone = resolve;
  });

  // Regions of the UI (built by render()).
  private readonly el = {} as {
    title: HTMLElement;
    status: HTMLElement;
    banner: HTMLElement;
    list: HTMLElement;
    greeting: HTMLElement;
    stored: HTMLElement;
    tail: HTMLElement;
    typing: HTMLElement;
    cards: HTMLElement;
    actions: HTMLElement;
    input: HTMLTextAreaElement;
    file: HTMLInputElement;
    emoji: HTMLElement;
    seen: HTMLElement;
  };

  constructor(private readonly options: ChatAppOptions) {
    this.doc = options.doc;
    this.api = options.api ?? createApi(options.base);
    this.open = options.post === null;
    this.language = this.pickLanguage();
    this.strings = STRINGS[this.language];
  }

  /** Builds the UI, announces itself to the host, loads the config, restores the conversation. */
  async start(): Promise<void> {
    const { win, post } = this.options;
    this.applyTheme();
    this.render();
    win.addEventListener('online', () => {
      this.client?.reconnect();
      this.renderBanner();
    });
    win.addEventListener('offline', () => this.renderBanner());
    this.doc.addEventListener('visibilitychange', () => this.markRead());
    if (post) {
      post({ type: 'ready' });
      setTimeout(() => this.initDone(), 1500);
    } else {
      this.initDone();
    }
    void this.loadConfig();
    this.restoring = (async () => {
      await this.initReceived;
      const saved = this.options.saved.get();
      if (saved.userId && this.identity.userId !== saved.userId) {
        // Last time the page said who its user is: give it a moment to say so again. A session
        // without the user starts an anonymous visitor (the server's rule for a logout).
        await Promise.race([this.userIdentified, new Promise((resolve) => setTimeout(resolve, 3000))]);
      }
      const identified = Object.values(identityFields(this.identity)).some(Boolean);
      if (saved.visitorToken || identified) await this.retry(async () => void (await this.ensureSession()));
      await this.resumeSaved();
    })();
    await this.restoring;
  }

  /** A message from the host page (already checked for origin and source). */
  receive(message: HostToFrame): void {
    switch (message.type) {
      case 'init':
        this.pageUrl = message.pageUrl;
        if (message.identity) this.identity = { ...message.identity };
        if (message.language) this.setLanguage(message.language, false);
        this.setOpen(message.open);
        this.initDone();
        break;
      case 'open':
        this.setOpen(true, message.focus === true);
        break;
      case 'close':
        this.setOpen(false);
        break;
      case 'identify':
        this.identity = { ...this.identity, ...message.identity };
        if (identityFields(this.identity).userId) this.userIdentifiedDone();
        void this.restoring.then(() => this.refreshSession()).catch(() => {});
        break;
      case 'language':
        this.setLanguage(message.language, true);
        break;
    }
  }

  // Session, conversation, connection -------------------------------------------

  private ensureSession(): Promise<string> {
    if (this.token) return Promise.resolve(this.token);
    this.sessionPromise ??= this.openSession().finally(() => {
      this.sessionPromise = null;
    });
    return this.sessionPromise;
  }

  /** Creates or resumes the visitor (with what `identify` said); a different visitor starts over. */
  private async openSession(): Promise<string> {
    const saved = this.options.saved.get();
    const request = {
      widgetKey: this.options.widgetKey,
      visitorToken: saved.visitorToken,
      pageUrl: this.pageUrl?.slice(0, 2000),
    };
    // A bad identify() (a wrong userHash, a malformed e-mail) must not keep the visitor from
    // chatting: without the verified user, then without any identity.
    const fields = identityFields(this.identity);
    const attempts: Partial<SessionRequest>[] = [
      fields,
      { ...fields, userId: undefined, userHash: undefined },
      {},
    ];
    let session: { visitorId: string; visitorToken: string } | undefined;
    let used: Partial<SessionRequest> = {};
    for (const [i, identity] of attempts.entries()) {
      try {
        session = await this.api.session({ ...request, ...identity });
        used = identity;
        break;
      } catch (err) {
        const refused = err instanceof ApiError && [400, 401, 403].includes(err.status);
        if (!refused || i === attempts.length - 1) throw err;
      }
    }
    if (!session) throw new Error('no session');
    // Another visitor (a user logged in or out): its own conversation, if it had one here.
    if (saved.visitorId && saved.visitorId !== session.visitorId) this.forgetConversation();
    this.options.saved.update({
      visitorToken: session.visitorToken,
      visitorId: session.visitorId,
      userId: used.userId,
    });
    this.sessionIdentity = JSON.stringify(fields);
    this.token = session.visitorToken;
    return session.visitorToken;
  }

  /** `identify` after the visitor exists: tell the server (it may answer with another visitor). */
  private async refreshSession(): Promise<void> {
    await this.sessionPromise?.catch(() => {});
    if (this.token && JSON.stringify(identityFields(this.identity)) === this.sessionIdentity) return;
    this.token = null;
    const before = this.options.saved.get().visitorId;
    await this.ensureSession();
    if (before === this.options.saved.get().visitorId) return;
    this.render();
    await this.resumeSaved();
  }

  /**
   * Follows the saved conversation of the current visitor; with none saved here (a verified
   * user on a new device, cleared storage), the one `pickConversation` finds on the server.
   */
  private async resumeSaved(): Promise<void> {
    if (!this.token || this.conversation) return;
    const conversationId = this.options.saved.conversationOf(this.options.saved.get().visitorId);
    await this.retry(async () => {
      if (conversationId) return this.resume(conversationId);
      const { conversations } = await this.api.conversations(await this.ensureSession());
      const found = pickConversation(conversations, Date.now());
      // Not if the visitor started one meanwhile (or another visitor took over).
      if (found && !this.conversation && found.visitorId === this.options.saved.get().visitorId) {
        this.saveConversation(found.id);
        await this.resume(found.id);
      }
    });
  }

  private saveConversation(conversationId: string | undefined): void {
    const { visitorId } = this.options.saved.get();
    if (visitorId) this.options.saved.setConversation(visitorId, conversationId);
  }

  private async resume(conversationId: string): Promise<void> {
    const token = await this.ensureSession();
    try {
      const { conversation } = await this.api.conversation(token, conversationId);
      this.setConversation(conversation);
      this.connect();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
        this.saveConversation(undefined);
        return;
      }
      throw err;
    }
  }

  private async ensureConversation(): Promise<Conversation> {
    await this.restoring;
    if (this.conversation) return this.conversation;
    this.conversationPromise ??= (async () => {
      const token = await this.ensureSession();
      const { conversation } = await this.api.createConversation(token);
      this.saveConversation(conversation.id);
      this.setConversation(conversation);
      this.connect();
      return conversation;
    })().finally(() => {
      this.conversationPromise = null;
    });
    return this.conversationPromise;
  }

  private connect(): void {
    const conversation = this.conversation;
    if (this.client || !conversation || !this.token) return;
    const client = createClient({ serverUrl: this.options.base, token: this.token });
    this.client = client;
    client.on('message', (message) => this.onMessage(message));
    client.on('delta', ({ messageId, delta, conversationId }) => {
      if (conversationId === this.conversation?.id) this.onDelta(messageId, delta);
    });
    client.on('subscribed', () => {
      this.live = true;
      this.markRead();
      this.postUnread(false);
    });
    client.on('conversation', (c) => this.setConversation(c));
    client.on('typing', (event) => {
      if (event.conversationId === this.conversation?.id && event.author.type !== 'visitor') {
        this.onTyping(event.author, event.isTyping);
      }
    });
    client.on('read', (event) => {
      if (event.conversationId === this.conversation?.id && event.author.type === 'agent') {
        this.agentReadSeq = Math.max(this.agentReadSeq, event.seq);
        this.renderSeen();
      }
    });
    client.on('status', (status) => this.onStatus(status));
    client.on('unauthorized', () => {
      // The token expired: get a fresh one (same visitor) and follow on from the last seq.
      const lastSeq = client.lastSeq(conversation.id);
      if (this.client === client) this.client = null;
      this.token = null;
      void this.retry(async () => {
        await this.ensureSession();
        if (this.conversation?.id !== conversation.id) return;
        this.connect();
        this.client?.subscribe(conversation.id, lastSeq);
      });
    });
    client.subscribe(conversation.id, 0);
  }

  private forgetConversation(): void {
    this.client?.close();
    this.client = null;
    this.conversation = null;
    this.live = false;
    this.messages.length = 0;
    this.rows.clear();
    this.streams.clear();
    this.pending.clear();
    this.readSeq = 0;
    this.agentReadSeq = 0;
    this.offlineSent = false;
    this.wantsHuman = false;
    this.ratingThanks = false;
    this.postUnread(false);
  }

  private onStatus(status: ConnectionStatus): void {
    const wasOffline = this.everOnline && this.status !== 'online';
    this.status = status;
    if (status === 'online') {
      this.everOnline = true;
      // conversation.updated is not replayed: read what changed while we were away.
      if (wasOffline) void this.refreshConversation();
    }
    this.renderBanner();
  }

  private async refreshConversation(): Promise<void> {
    const { conversation, token } = this;
    if (!conversation || !token) return;
    try {
      this.setConversation((await this.api.conversation(token, conversation.id)).conversation);
    } catch {}
    void this.loadConfig();
  }

  private setConversation(next: Conversation): void {
    const current = this.conversation;
    if (current && (current.id !== next.id || next.updatedAt < current.updatedAt)) return;
    const becameQueued = next.status === 'queued' && current?.status !== 'queued';
    this.conversation = next;
    this.agentReadSeq = Math.max(this.agentReadSeq, next.agentReadSeq);
    this.readSeq = Math.max(this.readSeq, next.visitorReadSeq);
    if (next.status !== 'bot') this.stopBotThinking();
    if (next.status !== 'resolved') {
      this.ratingThanks = false;
      this.rating = 0;
    }
    if (becameQueued) void this.loadConfig();
    this.renderActions();
    this.renderCards();
    this.renderSeen();
  }

  private async loadConfig(): Promise<void> {
    try {
      this.config = await this.api.config(this.options.widgetKey);
      this.configAt = Date.now();
    } catch {
      if (!this.config) setTimeout(() => void this.loadConfig(), 5000);
      return;
    }
    const language = this.pickLanguage();
    if (language !== this.language) this.setLanguage(language, false);
    this.applyTheme();
    this.renderHeader();
    this.renderGreeting();
    this.renderActions();
    this.renderCards();
    this.postAppearance();
  }

  // Incoming events --------------------------------------------------------------

  private onMessage(message: Message): void {
    if (message.conversationId !== this.conversation?.id) return;
    this.messages.push(message);
    const stream = this.streams.get(message.id);
    this.streams.delete(message.id);
    stream?.row.remove();
    const pending = message.clientMessageId ? this.pending.get(message.clientMessageId) : undefined;
    if (pending && message.author.type === 'visitor') {
      this.pending.delete(pending.clientMessageId);
      pending.row.remove();
    }
    if (message.author.type !== 'visitor') {
      this.clearTyping(message.author);
      this.stopBotThinking();
    }
    const pinned = this.nearBottom();
    const row = renderMessage(this.doc, messageView(message, this.strings, this.options.base), this.strings);
    this.rows.set(message.id, row);
    this.el.stored.appendChild(row);
    this.renderSeen();
    this.renderTyping();
    if (pinned || message.author.type === 'visitor') this.scrollToBottom();
    if (this.live) {
      this.options.post?.({ type: 'message', message: widgetMessage(message) });
      this.markRead();
      this.postUnread(message.author.type !== 'visitor');
    }
  }

  private onDelta(messageId: string, delta: string): void {
    let stream = this.streams.get(messageId);
    if (!stream) {
      if (this.rows.has(messageId)) return; // already stored: a late delta
      const text = this.doc.createTextNode('');
      const row = h(
        this.doc,
        'div',
        { class: 'row other streaming', 'data-id': messageId },
        h(this.doc, 'div', { class: 'author' }, this.strings.bot),
        h(this.doc, 'div', { class: 'bubble' }, text),
      );
      stream = { row, text };
      this.streams.set(messageId, stream);
      this.el.tail.insertBefore(row, this.el.typing);
      this.stopBotThinking();
    }
    const pinned = this.nearBottom();
    stream.text.appendData(delta);
    if (pinned) this.scrollToBottom();
  }

  private onTyping(author: Author, isTyping: boolean): void {
    const key = `${author.type}:${author.id}`;
    clearTimeout(this.typers.get(key)?.timer);
    this.typers.delete(key);
    if (isTyping) {
      this.typers.set(key, {
        author,
        timer: setTimeout(() => this.onTyping(author, false), TYPING_SHOWN_MS),
      });
    }
    this.renderTyping();
  }

  private clearTyping(author: Author): void {
    const key = `${author.type}:${author.id}`;
    clearTimeout(this.typers.get(key)?.timer);
    this.typers.delete(key);
  }

  private stopBotThinking(): void {
    if (this.botThinking === null) return;
    clearTimeout(this.botThinking);
    this.botThinking = null;
    this.renderTyping();
  }

  // Visitor actions ----------------------------------------------------------------

  private async send(text: string, attachments: Attachment[] = [], retryOf?: PendingMessage): Promise<void> {
    const pending: PendingMessage = retryOf ?? {
      clientMessageId: newClientMessageId(),
      text,
      attachments,
      state: 'sending',
      row: this.doc.createElement('div'),
    };
    pending.state = 'sending';
    this.pending.set(pending.clientMessageId, pending);
    this.renderPending(pending);
    this.scrollToBottom();
    try {
      const conversation = await this.ensureConversation();
      if (conversation.status === 'bot' && !this.botThinking) {
        this.botThinking = setTimeout(() => this.stopBotThinking(), BOT_THINKING_MS);
        this.renderTyping();
      }
      await this.client!.send(conversation.id, pending.text, {
        clientMessageId: pending.clientMessageId,
        attachments: pending.attachments.map((a) => a.id),
      });
    } catch {
      if (!this.pending.has(pending.clientMessageId)) return;
      pending.state = 'failed';
      this.stopBotThinking();
      this.renderPending(pending);
    }
  }

  private async upload(file: File): Promise<void> {
    const notice = { text: format(this.strings.uploading, { name: file.name }) };
    this.notices.push(notice);
    this.renderCards();
    try {
      const token = await this.ensureSession();
      const { attachment } = await this.api.upload(token, file);
      this.dropNotice(notice);
      await this.send('', [attachment]);
    } catch (err) {
      this.dropNotice(notice);
      const status = err instanceof ApiError ? err.status : 0;
      const key = status === 413 ? 'tooLarge' : status === 400 ? 'notAllowed' : 'uploadFailed';
      this.notify({ text: format(this.strings[key], { name: file.name }), error: true });
    }
  }

  private async handoff(): Promise<void> {
    try {
      await this.restoring;
      if (!this.conversation) {
        // Nobody to hand over to: ask for an e-mail instead of opening an empty conversation.
        await this.loadConfig();
        if (this.config && !this.config.agentsOnline) {
          this.wantsHuman = true;
          this.renderActions();
          this.renderCards();
          return;
        }
      }
      const conversation = await this.ensureConversation();
      const { conversation: next } = await this.api.handoff(this.token!, conversation.id);
      this.setConversation(next);
    } catch {
      this.notify({ text: this.strings.failed, error: true });
    }
  }

  private async rate(score: number, comment: string): Promise<void> {
    const conversation = this.conversation;
    if (!conversation || !this.token) return;
    try {
      const { conversation: next } = await this.api.rate(this.token, conversation.id, score, comment);
      this.ratingThanks = true;
      this.setConversation(next);
      this.renderCards();
    } catch {
      this.notify({ text: this.strings.failed, error: true });
    }
  }

  private async leaveOfflineMessage(form: { name: string; email: string; text: string }): Promise<void> {
    try {
      // Let the lookup of the visitor's conversation (resumeSaved) finish first: with none found
      // the offline conversation is followed below; with one found, the widget keeps showing it.
      await this.restoring;
      const token = await this.ensureSession();
      const { conversation } = await this.api.offlineMessage(token, {
        text: form.text,
        email: form.email,
        ...(form.name ? { name: form.name } : {}),
      });
      this.identity = { ...this.identity, email: form.email, ...(form.name ? { name: form.name } : {}) };
      this.offlineSent = true;
      // With no conversation yet, the offline message is it: follow it to see the reply later.
      if (!this.conversation) {
        this.saveConversation(conversation.id);
        this.setConversation(conversation);
        this.connect();
      }
      this.renderCards();
    } catch {
      this.notify({ text: this.strings.failed, error: true });
    }
  }

  private onInput(): void {
    const input = this.el.input;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    const { client, conversation } = this;
    if (!client || !conversation) return;
    const now = Date.now();
    if (now - this.typingSent > TYPING_IDLE_MS) {
      client.typing(conversation.id, true);
      this.typingSent = now;
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (!this.typingSent || !this.conversation) return;
    this.typingSent = 0;
    this.client?.typing(this.conversation.id, false);
  }

  private submit(): void {
    const text = this.el.input.value.trim();
    if (!text) return;
    this.el.input.value = '';
    this.onInput();
    this.stopTyping();
    void this.send(text);
  }

  // Host page ----------------------------------------------------------------------

  private setOpen(open: boolean, focus = false): void {
    if (this.open === open) return;
    this.open = open;
    if (open) {
      // Who is online changes: look again when the visitor opens the chat.
      if (Date.now() - this.configAt > 30_000) void this.loadConfig();
      this.markRead();
      this.scrollToBottom();
      // No automatic focus on touch screens: it would pop the keyboard up over the chat.
      if (focus && !this.options.win.matchMedia?.('(pointer: coarse)').matches) this.el.input.focus();
    }
  }

  private setLanguage(language: Language, chosen: boolean): void {
    if (chosen) this.options.saved.update({ language });
    if (language === this.language) return;
    this.language = language;
    this.strings = STRINGS[language];
    this.render();
    this.postAppearance();
  }

  private pickLanguage(): Language {
    const { win, saved, overrides } = this.options;
    return pickLanguage({
      chosen: saved.get().language,
      override: overrides.language,
      configured: this.config?.widget.language === 'auto' ? null : this.config?.widget.language,
      browser: win.navigator.languages?.length ? win.navigator.languages : [win.navigator.language],
    });
  }

  private color(): string {
    return this.options.overrides.color ?? safeColor(this.config?.widget.color) ?? '#2563eb';
  }

  private postAppearance(): void {
    if (!this.config) return;
    this.options.post?.({
      type: 'appearance',
      color: this.color(),
      position: this.options.overrides.position ?? this.config.widget.position ?? 'right',
      language: this.language,
      title: this.config.name || this.strings.title,
    });
  }

  private markRead(): void {
    const last = this.messages.at(-1);
    if (!this.open || this.doc.hidden || !last || !this.conversation || !this.live) return;
    if (last.seq > this.readSeq) {
      this.readSeq = last.seq;
      this.client?.read(this.conversation.id, last.seq);
    }
    this.postUnread(false);
  }

  private postUnread(sound: boolean): void {
    const count = this.messages.filter((m) => m.author.type !== 'visitor' && m.seq > this.readSeq).length;
    if (count === this.postedUnread) return;
    const louder = count > this.postedUnread && this.postedUnread >= 0;
    this.postedUnread = count;
    this.options.post?.({ type: 'unread', count, sound: sound && louder });
  }

  // Rendering ----------------------------------------------------------------------

  private applyTheme(): void {
    const color = this.color();
    const style = this.doc.documentElement.style;
    style.setProperty('--accent', color);
    style.setProperty('--on-accent', readableOn(color));
    this.doc.documentElement.lang = this.language;
  }

  /** Everything, from state (start, language switch, another visitor). */
  private render(): void {
    const { doc } = this;
    const s = this.strings;
    this.doc.documentElement.lang = this.language;
    const el = this.el;
    const draft = el.input?.value ?? '';
    this.forms = {};
    el.title = h(doc, 'div', { class: 'title' });
    el.status = h(doc, 'div', { class: 'status' });
    el.banner = h(doc, 'div', { class: 'banner', role: 'status' });
    el.greeting = h(doc, 'div');
    el.stored = h(doc, 'div', { class: 'stored' });
    el.typing = h(doc, 'div', { class: 'row other typing', 'aria-live': 'polite' });
    el.tail = h(doc, 'div', { class: 'tail' }, el.typing);
    el.cards = h(doc, 'div', { class: 'cards' });
    el.seen = h(doc, 'div', { class: 'seen' }, s.seen);
    el.list = h(
      doc,
      'main',
      { class: 'list', role: 'log', 'aria-live': 'polite' },
      el.greeting,
      el.stored,
      el.tail,
      el.cards,
    );
    el.actions = h(doc, 'div', { class: 'actions' });
    el.input = h(doc, 'textarea', {
      rows: 1,
      placeholder: s.placeholder,
      'aria-label': s.placeholder,
      maxlength: 4000,
    });
    el.input.value = draft;
    el.file = h(doc, 'input', { type: 'file', hidden: true, multiple: true, tabindex: -1, accept: ACCEPT });
    el.emoji = h(doc, 'div', { class: 'emoji', hidden: true, role: 'group', 'aria-label': s.emoji });

    const languageButton = h(
      doc,
      'button',
      { type: 'button', class: 'lang', title: s.switchLanguageLabel, 'aria-label': s.switchLanguageLabel },
      s.switchLanguage,
    );
    languageButton.onclick = () => this.setLanguage(this.language === 'en' ? 'zh-CN' : 'en', true);
    const closeButton = h(
      doc,
      'button',
      { type: 'button', class: 'icon-button', title: s.close, 'aria-label': s.close },
      icon(doc, ICONS.close),
    );
    closeButton.onclick = () => this.options.post?.({ type: 'close' });
    if (!this.options.post) closeButton.hidden = true;

    const attachButton = h(
      doc,
      'button',
      { type: 'button', class: 'icon-button', title: s.attach, 'aria-label': s.attach },
      icon(doc, ICONS.attach),
    );
    attachButton.onclick = () => el.file.click();
    el.file.onchange = () => {
      for (const file of Array.from(el.file.files ?? [])) void this.upload(file);
      el.file.value = '';
    };
    const emojiButton = h(
      doc,
      'button',
      {
        type: 'button',
        class: 'icon-button',
        title: s.emoji,
        'aria-label': s.emoji,
        'aria-expanded': 'false',
      },
      icon(doc, ICONS.smile),
    );
    emojiButton.onclick = () => {
      el.emoji.hidden = !el.emoji.hidden;
      emojiButton.setAttribute('aria-expanded', String(!el.emoji.hidden));
    };
    for (const emoji of EMOJI) {
      const button = h(doc, 'button', { type: 'button' }, emoji);
      button.onclick = () => this.insert(emoji);
      el.emoji.appendChild(button);
    }
    const sendButton = h(
      doc,
      'button',
      { type: 'submit', class: 'send', title: s.send, 'aria-label': s.send },
      icon(doc, ICONS.send),
    );
    const composer = h(
      doc,
      'form',
      { class: 'composer' },
      attachButton,
      el.input,
      emojiButton,
      sendButton,
      el.file,
    );
    composer.onsubmit = (event) => {
      event.preventDefault();
      this.submit();
    };
    el.input.oninput = () => this.onInput();
    el.input.onkeydown = (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      } else if (event.key === 'Escape') {
        this.options.post?.({ type: 'close' });
      }
    };
    el.input.onpaste = (event) => {
      const files = Array.from(event.clipboardData?.files ?? []);
      if (!files.length) return;
      event.preventDefault();
      for (const file of files) void this.upload(file);
    };

    const app = h(
      doc,
      'div',
      { class: 'app' },
      h(doc, 'header', {}, h(doc, 'div', { class: 'who' }, el.title, el.status), languageButton, closeButton),
      el.banner,
      el.list,
      el.actions,
      el.emoji,
      composer,
    );
    app.ondragover = (event) => event.preventDefault();
    app.ondrop = (event) => {
      event.preventDefault();
      for (const file of Array.from(event.dataTransfer?.files ?? [])) void this.upload(file);
    };
    replaceChildren(doc, this.options.root, app);

    this.renderHeader();
    this.renderBanner();
    this.renderGreeting();
    this.rows.clear();
    for (const message of this.messages) {
      const row = renderMessage(doc, messageView(message, s, this.options.base), s);
      this.rows.set(message.id, row);
      el.stored.appendChild(row);
    }
    for (const [id, stream] of this.streams) {
      const author = stream.row.querySelector('.author');
      if (author) author.textContent = s.bot;
      el.tail.insertBefore(stream.row, el.typing);
      this.streams.set(id, stream);
    }
    for (const pending of this.pending.values()) this.renderPending(pending);
    this.renderTyping();
    this.renderSeen();
    this.renderActions();
    this.renderCards();
    this.scrollToBottom();
  }

  private renderHeader(): void {
    const s = this.strings;
    const config = this.config;
    this.el.title.textContent = config?.name || s.title;
    const state = !config ? null : config.agentsOnline ? 'online' : config.botEnabled ? 'bot' : 'away';
    const text =
      state === 'online' ? s.online : state === 'bot' ? s.botOnline : state === 'away' ? s.away : '';
    replaceChildren(this.doc, this.el.status, h(this.doc, 'span', { class: `dot ${state ?? ''}` }), text);
  }

  private renderBanner(): void {
    const offline = this.options.win.navigator.onLine === false;
    const reconnecting = this.client !== null && this.everOnline && this.status !== 'online';
    const text = offline ? this.strings.offlineBanner : reconnecting ? this.strings.reconnecting : '';
    this.el.banner.textContent = text;
    this.el.banner.hidden = !text;
  }

  private renderGreeting(): void {
    const greeting = this.config?.widget.greeting || this.strings.greeting;
    replaceChildren(
      this.doc,
      this.el.greeting,
      h(
        this.doc,
        'div',
        { class: 'row other greeting' },
        h(this.doc, 'div', { class: 'author' }, this.config?.name || this.strings.title),
        h(this.doc, 'div', { class: 'bubble' }, ...renderSegments(this.doc, splitLinks(greeting))),
      ),
    );
  }

  private renderPending(pending: PendingMessage): void {
    const { doc } = this;
    const s = this.strings;
    const view = messageView(
      {
        id: pending.clientMessageId,
        conversationId: '',
        seq: 0,
        author: { type: 'visitor', id: null, name: null },
        text: pending.text,
        clientMessageId: pending.clientMessageId,
        createdAt: '',
        attachments: pending.attachments,
      },
      s,
      this.options.base,
    );
    const row = renderMessage(doc, view, s);
    row.classList.add('pending');
    if (pending.state === 'failed') {
      const retry = h(doc, 'button', { type: 'button', class: 'retry' }, s.notSent);
      retry.onclick = () => void this.send(pending.text, pending.attachments, pending);
      row.appendChild(retry);
    } else {
      row.appendChild(h(doc, 'div', { class: 'meta' }, s.sending));
    }
    if (pending.row.parentNode) pending.row.replaceWith(row);
    else this.el.tail.insertBefore(row, this.el.typing);
    pending.row = row;
  }

  private renderTyping(): void {
    const first = this.typers.values().next().value;
    const label = first
      ? typingLabel(first.author, this.strings)
      : this.botThinking !== null && this.streams.size === 0
        ? format(this.strings.typing, { name: this.strings.bot })
        : '';
    const { doc } = this;
    replaceChildren(
      doc,
      this.el.typing,
      label
        ? h(
            doc,
            'div',
            { class: 'bubble', title: label, 'aria-label': label },
            h(doc, 'span', { class: 'dots', 'aria-hidden': 'true' }, h(doc, 'i'), h(doc, 'i'), h(doc, 'i')),
          )
        : null,
    );
    this.el.typing.hidden = !label;
    if (label && this.nearBottom(160)) this.scrollToBottom();
  }

  /** "Seen" under the newest visitor message an agent has read. */
  private renderSeen(): void {
    let target: Message | undefined;
    for (const message of this.messages) {
      if (message.author.type === 'visitor' && message.seq <= this.agentReadSeq) target = message;
    }
    const row = target && this.rows.get(target.id);
    if (row) row.appendChild(this.el.seen);
    else this.el.seen.remove();
  }

  private renderActions(): void {
    const { doc } = this;
    const config = this.config;
    const status = this.conversation?.status;
    const canAskHuman =
      config?.botEnabled === true && !this.wantsHuman && (status === undefined || status === 'bot');
    if (!canAskHuman) return void replaceChildren(doc, this.el.actions);
    const button = h(
      doc,
      'button',
      { type: 'button', class: 'human' },
      icon(doc, ICONS.headset),
      this.strings.talkToHuman,
    );
    button.onclick = () => {
      button.disabled = true;
      void this.handoff().finally(() => {
        button.disabled = false;
      });
    };
    replaceChildren(doc, this.el.actions, button);
  }

  /** Cards under the messages: notices, waiting for a human, the offline form, the rating. */
  private renderCards(): void {
    const { doc } = this;
    const s = this.strings;
    const config = this.config;
    const conversation = this.conversation;
    const cards: Child[] = this.notices.map((n) =>
      h(doc, 'div', { class: `notice${n.error ? ' error' : ''}` }, n.text),
    );
    const needsHuman =
      conversation?.status === 'queued' ||
      (!conversation && config !== null && (!config.botEnabled || this.wantsHuman));
    // Forms are kept while shown, so a re-render never drops what the visitor typed.
    const forms = this.forms;
    if (needsHuman && config && !config.agentsOnline && !this.offlineSent) {
      forms.offline ??= this.offlineForm();
      cards.push(forms.offline);
    } else {
      forms.offline = undefined;
      if (needsHuman && config && !config.agentsOnline)
        cards.push(h(doc, 'div', { class: 'notice' }, s.offlineThanks));
      else if (conversation?.status === 'queued')
        cards.push(h(doc, 'div', { class: 'notice' }, s.waitingForHuman));
    }
    if (!this.ratingThanks && conversation?.status === 'resolved' && !conversation.rating) {
      forms.rating ??= this.ratingCard();
      cards.push(forms.rating);
    } else {
      forms.rating = undefined;
      if (this.ratingThanks) cards.push(h(doc, 'div', { class: 'notice' }, s.rateThanks));
    }
    const pinned = this.nearBottom();
    replaceChildren(doc, this.el.cards, ...cards);
    if (pinned) this.scrollToBottom();
  }

  private offlineForm(): HTMLElement {
    const { doc } = this;
    const s = this.strings;
    const name = h(doc, 'input', {
      type: 'text',
      placeholder: s.offlineName,
      'aria-label': s.offlineName,
      maxlength: 100,
      autocomplete: 'name',
    });
    const email = h(doc, 'input', {
      type: 'email',
      placeholder: s.offlineEmail,
      'aria-label': s.offlineEmail,
      required: true,
      maxlength: 200,
      autocomplete: 'email',
    });
    const text = h(doc, 'textarea', {
      rows: 3,
      placeholder: s.offlineMessage,
      'aria-label': s.offlineMessage,
      required: true,
      maxlength: 4000,
    });
    name.value = this.identity.name ?? '';
    email.value = this.identity.email ?? '';
    const error = h(doc, 'div', { class: 'form-error', role: 'alert' });
    const submit = h(doc, 'button', { type: 'submit', class: 'primary' }, s.offlineSend);
    const form = h(
      doc,
      'form',
      { class: 'card offline', novalidate: true },
      h(doc, 'p', {}, s.offlineTitle),
      name,
      email,
      text,
      error,
      submit,
    );
    form.onsubmit = (event) => {
      event.preventDefault();
      const value = { name: name.value.trim(), email: email.value.trim(), text: text.value.trim() };
      if (!EMAIL.test(value.email)) {
        error.textContent = s.invalidEmail;
        return;
      }
      if (!value.text) return void text.focus();
      error.textContent = '';
      submit.disabled = true;
      void this.leaveOfflineMessage(value).finally(() => {
        submit.disabled = false;
      });
    };
    return form;
  }

  private ratingCard(): HTMLElement {
    const { doc } = this;
    const s = this.strings;
    const stars = h(doc, 'div', { class: 'stars', role: 'radiogroup', 'aria-label': s.rateTitle });
    const comment = h(doc, 'textarea', {
      rows: 2,
      placeholder: s.rateComment,
      'aria-label': s.rateComment,
      maxlength: 1000,
    });
    const submit = h(
      doc,
      'button',
      { type: 'submit', class: 'primary', disabled: this.rating === 0 },
      s.rateSend,
    );
    const paint = () => {
      stars.childNodes.forEach((node, i) => {
        const star = node as HTMLElement;
        star.classList.toggle('on', i < this.rating);
        star.setAttribute('aria-checked', String(i + 1 === this.rating));
      });
      submit.disabled = this.rating === 0;
    };
    for (let n = 1; n <= 5; n++) {
      const star = h(doc, 'button', { type: 'button', role: 'radio', 'aria-label': starLabel(n, s) }, '★');
      star.onclick = () => {
        this.rating = n;
        paint();
      };
      stars.appendChild(star);
    }
    paint();
    const form = h(
      doc,
      'form',
      { class: 'card rating' },
      h(doc, 'p', {}, s.rateTitle),
      stars,
      comment,
      submit,
    );
    form.onsubmit = (event) => {
      event.preventDefault();
      if (!this.rating) return;
      submit.disabled = true;
      void this.rate(this.rating, comment.value.trim()).finally(() => {
        submit.disabled = false;
      });
    };
    return form;
  }

  private notify(notice: { text: string; error?: boolean }): void {
    this.notices.push(notice);
    this.renderCards();
    setTimeout(() => this.dropNotice(notice), 6000);
  }

  private dropNotice(notice: { text: string }): void {
    const i = this.notices.indexOf(notice);
    if (i < 0) return;
    this.notices.splice(i, 1);
    this.renderCards();
  }

  private insert(text: string): void {
    const input = this.el.input;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    input.setRangeText(text, start, end, 'end');
    input.focus();
    this.onInput();
  }

  private nearBottom(slack = 80): boolean {
    const list = this.el.list;
    return !list || list.scrollHeight - list.scrollTop - list.clientHeight < slack;
  }

  private scrollToBottom(): void {
    const list = this.el.list;
    if (list) list.scrollTop = list.scrollHeight;
  }

  /** Runs `task` until it succeeds, waiting 1 s, 2 s, 4 s... (30 s at most) between failures. */
  private async retry(task: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await task();
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    }
  }
}

/** The identity as the session endpoint takes it: empty values left out, lengths within its limits. */
export function identityFields(identity: Identity): Partial<SessionRequest> {
  const clip = (value: unknown, max: number) =>
    typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined;
  const attributes = Object.entries(identity.attributes ?? {})
    .filter(
      ([key, value]) => key && (value === null || ['string', 'number', 'boolean'].includes(typeof value)),
    )
    .slice(0, 50)
    .map(([key, value]) => [key.slice(0, 64), typeof value === 'string' ? value.slice(0, 1000) : value]);
  const userId = clip(identity.userId, 200);
  const userHash = clip(identity.userHash, 200);
  return {
    name: clip(identity.name, 100),
    email: clip(identity.email, 254),
    attributes: attributes.length ? Object.fromEntries(attributes) : undefined,
    // Only together: the server refuses one without the other.
    userId: userId && userHash ? userId : undefined,
    userHash: userId && userHash ? userHash : undefined,
  };
}

/** A resolved conversation is still worth showing (for its rating, its last answer) this long. */
const RECENTLY_RESOLVED_MS = 24 * 60 * 60 * 1000;

/**
 * Which of the visitor's conversations (newest activity first, as the server lists them) a
 * device without a saved one resumes: the newest that is not resolved; if all are resolved,
 * the newest one when it was resolved less than a day ago; else none (a new chat starts).
 */
export function pickConversation(
  conversations: readonly Conversation[],
  now: number,
): Conversation | undefined {
  const open = conversations.find((c) => c.status !== 'resolved');
  if (open) return open;
  const newest = conversations[0];
  const resolvedAt = Date.parse(newest?.resolvedAt ?? newest?.updatedAt ?? '');
  return newest && now - resolvedAt < RECENTLY_RESOLVED_MS ? newest : undefined;
}

/** What the host page's `on('message')` gets. */
function widgetMessage(message: Message): WidgetMessage {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    author: { type: message.author.type, name: message.author.name },
    text: message.text,
    createdAt: message.createdAt,
    attachments: (message.attachments ?? []).map(({ name, contentType, size, url }) => ({
      name,
      contentType,
      size,
      url,
    })),
  };
}
