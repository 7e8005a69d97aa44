import { type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { AssignMenu } from './assign-menu.tsx';
import { onCommand } from './commands.ts';
import { Composer, type ComposerHandle } from './composer.tsx';
import { useConsole, useStore } from './console-context.ts';
import type { PanelTab } from './conversation-panel.tsx';
import { dayLabel } from './format.ts';
import { type MessageKey, useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import { MessageItem, PendingItem, StreamingItem } from './message-item.tsx';
import { EMPTY_THREAD, sameDay, startsGroup } from './thread.ts';
import { Avatar, EmptyState, Spinner, StatusBadge } from './ui.tsx';
import { visitorName } from './visitor-name.ts';

export function ConversationView({
  conversationId,
  panel,
  onTogglePanel,
  onResolved,
  onTakenOver,
  onBack,
}: {
  conversationId: string;
  /** The side panel's tab on screen, null when it is closed. */
  panel: PanelTab | null;
  onTogglePanel: (tab: PanelTab) => void;
  onResolved: (id: string) => void;
  onTakenOver: (id: string) => void;
  onBack: () => void;
}) {
  const { t, language } = useI18n();
  const store = useStore();
  const conversation = useConsole((s) => s.conversations[conversationId]);
  const thread = useConsole((s) => s.threads[conversationId]) ?? EMPTY_THREAD;
  const visitorEntry = useConsole((s) => (conversation ? s.visitors[conversation.visitorId] : undefined));
  const typingUntil = useConsole((s) => s.typing[conversationId] ?? 0);
  const meId = useConsole((s) => s.me.id);
  const assignee = useConsole((s) =>
    conversation?.assigneeId ? s.agents[conversation.assigneeId] : undefined,
  );
  const live = useConsole((s) => s.live);
  const composer = useRef<ComposerHandle>(null);
  const [assignOpen, setAssignOpen] = useState(false);
  const [busy, setBusy] = useState<null | 'takeOver' | 'resolve'>(null);
  const missing = useConsole((s) => s.notFound === conversationId);

  useEffect(() => {
    store.open(conversationId);
  }, [conversationId, store]);
  useEffect(() => () => void store.open(null), [store]);

  // Read receipts while the conversation is on screen.
  const lastSeq = thread.messages[thread.messages.length - 1]?.seq ?? 0;
  useEffect(() => {
    if (lastSeq === 0 || live !== 'online') return;
    const mark = () => {
      if (!document.hidden) store.markRead(conversationId);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [lastSeq, conversationId, store, live]);

  const takeOver = useCallback(async () => {
    setBusy('takeOver');
    await store.takeOver(conversationId);
    setBusy(null);
    const now = store.getState().conversations[conversationId];
    if (now?.status === 'assigned' && now.assigneeId === store.getState().me.id) onTakenOver(conversationId);
    composer.current?.focus('reply');
  }, [store, conversationId, onTakenOver]);

  const resolve = useCallback(async () => {
    setBusy('resolve');
    const ok = await store.resolve(conversationId);
    setBusy(null);
    if (ok) onResolved(conversationId);
  }, [store, conversationId, onResolved]);

  const status = conversation?.status;
  useEffect(
    () =>
      onCommand((action) => {
        if (action === 'reply' || action === 'note') {
          composer.current?.focus(action);
          return true;
        }
        if (action === 'resolve' && status && status !== 'resolved') {
          resolve();
          return true;
        }
        if (
          action === 'takeOver' &&
          status &&
          (status === 'bot' || status === 'queued' || status === 'resolved')
        ) {
          takeOver();
          return true;
        }
        if (action === 'assign') {
          setAssignOpen(true);
          return true;
        }
        if (action === 'escape') {
          setAssignOpen(false);
          return false;
        }
        return false;
      }),
    [status, resolve, takeOver],
  );

  // Keep the newest message in view when already at the bottom.
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const streamingLength = Object.values(thread.streaming).reduce((n, s) => n + s.text.length, 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll again whenever something was added
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [thread.messages.length, thread.pending.length, streamingLength, typingUntil, thread.loaded]);

  if (!conversation) {
    return (
      <section className="conversation">
        {missing ? (
          <EmptyState icon="message" title={t('conv.notFound')} />
        ) : (
          <div className="splash">
            <Spinner size={20} />
          </div>
        )}
      </section>
    );
  }

  const name = visitorName(t, conversation, visitorEntry);
  const email = visitorEntry?.visitor?.email ?? conversation.visitor?.email;
  const now = Date.now();
  const streaming = Object.entries(thread.streaming);
  const lastAgentSeq =
    [...thread.messages].reverse().find((m) => m.author.type === 'agent' && !m.private)?.seq ?? 0;

  return (
    <section className="conversation" data-testid="conversation-view" data-conversation-id={conversation.id}>
      <header className="conversation-head">
        <button
          type="button"
          className="icon-button back-button"
          onClick={onBack}
          aria-label={t('conv.back')}
        >
          <Icon name="arrowLeft" />
        </button>
        <Avatar id={conversation.visitorId} name={name} size={34} />
        <div className="conversation-title">
          <div className="conversation-name">
            <span data-testid="conversation-visitor-name">{name}</span>
            <StatusBadge
              status={conversation.status}
              label={t(`status.${conversation.status}` as MessageKey)}
            />
          </div>
          <div className="conversation-sub">
            {email && <span>{email}</span>}
            {email && <span className="dot-sep">·</span>}
            <span>
              {(conversation.status === 'assigned' || conversation.status === 'resolved') && assignee
                ? assignee.id === meId
                  ? t('conv.assignedToYou')
                  : t('conv.assignedTo', { name: assignee.name })
                : t('conv.unassigned')}
            </span>
            {conversation.rating && (
              <>
                <span className="dot-sep">·</span>
                <span className="rating">
                  <Icon name="star" size={12} />
                  {t('conv.rating', { score: conversation.rating.score })}
                </span>
              </>
            )}
          </div>
        </div>
        <div className="conversation-actions">
          {(conversation.status === 'bot' || conversation.status === 'queued') && (
            <button
              type="button"
              className="button primary"
              onClick={takeOver}
              disabled={busy !== null}
              data-testid="take-over-button"
              title={`${t('conv.takeOver')} (t)`}
            >
              {busy === 'takeOver' ? <Spinner /> : <Icon name="hand" />}
              <span className="button-label">{t('conv.takeOver')}</span>
            </button>
          )}
          {conversation.status === 'resolved' && (
            <button
              type="button"
              className="button"
              onClick={takeOver}
              disabled={busy !== null}
              data-testid="reopen-button"
            >
              <Icon name="refresh" />
              <span className="button-label">{t('conv.reopen')}</span>
            </button>
          )}
          <AssignMenu conversation={conversation} open={assignOpen} onOpenChange={setAssignOpen} />
          {conversation.status !== 'resolved' && (
            <button
              type="button"
              className="button success"
              onClick={resolve}
              disabled={busy !== null}
              data-testid="resolve-button"
              title={`${t('conv.resolve')} (e)`}
            >
              {busy === 'resolve' ? <Spinner /> : <Icon name="check" />}
              <span className="button-label">{t('conv.resolve')}</span>
            </button>
          )}
          <button
            type="button"
            className={`icon-button${panel === 'timeline' ? ' active' : ''}`}
            onClick={() => onTogglePanel('timeline')}
            aria-label={t('conv.timeline')}
            aria-pressed={panel === 'timeline'}
            title={t('conv.timeline')}
            data-testid="timeline-toggle"
          >
            <Icon name="activity" />
          </button>
          <button
            type="button"
            className={`icon-button${panel === 'visitor' ? ' active' : ''}`}
            onClick={() => onTogglePanel('visitor')}
            aria-label={t('conv.panel')}
            aria-pressed={panel === 'visitor'}
            title={t('conv.panel')}
            data-testid="visitor-panel-toggle"
          >
            <Icon name="panel" />
          </button>
        </div>
      </header>
      <div
        className="message-scroller"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        <ol className="message-list" data-testid="message-list">
          {!thread.loaded && thread.messages.length === 0 && conversation.lastSeq > 0 && (
            <li className="message-loading">
              <Spinner /> {t('conv.loadingHistory')}
            </li>
          )}
          {thread.loaded && thread.messages.length === 0 && streaming.length === 0 && (
            <li className="message-loading">{t('conv.empty')}</li>
          )}
          {thread.messages.map((message, index) => {
            const previous = thread.messages[index - 1];
            const newDay = !previous || !sameDay(previous.createdAt, message.createdAt);
            return (
              <MessageItemRow
                key={message.id}
                newDay={newDay}
                dayText={dayLabel(message.createdAt, now, language, t('conv.today'), t('conv.yesterday'))}
              >
                <MessageItem
                  message={message}
                  grouped={!newDay && !startsGroup(previous, message)}
                  visitorName={name}
                  meId={meId}
                  seen={message.seq === lastAgentSeq && conversation.visitorReadSeq >= message.seq}
                />
              </MessageItemRow>
            );
          })}
          {streaming.map(([messageId, stream]) => (
            <StreamingItem key={messageId} messageId={messageId} text={stream.text} />
          ))}
          {thread.pending.map((pending) => (
            <PendingItem
              key={pending.clientMessageId}
              pending={pending}
              onRetry={() => store.retry(conversationId, pending.clientMessageId)}
              onDiscard={() => store.discard(conversationId, pending.clientMessageId)}
            />
          ))}
          {typingUntil > now && (
            <li className="typing-row" data-testid="visitor-typing">
              <span className="typing-dots">
                <span />
                <span />
                <span />
              </span>
              {t('conv.visitorTyping', { name })}
            </li>
          )}
        </ol>
      </div>
      <StatusBanner
        status={conversation.status}
        streaming={streaming.length > 0}
        onTakeOver={takeOver}
        busy={busy !== null}
      />
      <Composer ref={composer} conversation={conversation} visitorName={name} />
    </section>
  );
}

function MessageItemRow({
  newDay,
  dayText,
  children,
}: {
  newDay: boolean;
  dayText: string;
  children: ReactNode;
}) {
  return (
    <>
      {newDay && (
        <li className="day-separator">
          <span>{dayText}</span>
        </li>
      )}
      {children}
    </>
  );
}

function StatusBanner({
  status,
  streaming,
  onTakeOver,
  busy,
}: {
  status: string;
  streaming: boolean;
  onTakeOver: () => void;
  busy: boolean;
}) {
  const { t } = useI18n();
  if (status === 'bot') {
    return (
      <div className={`status-banner bot${streaming ? ' streaming' : ''}`}>
        <Icon name="sparkles" />
        <div className="status-banner-text">
          <strong>{t('conv.botBanner')}</strong>
          <span>{t('conv.botBannerHint')}</span>
        </div>
        <button type="button" className="button small" onClick={onTakeOver} disabled={busy}>
          {t('conv.takeOver')}
          <kbd className="kbd">t</kbd>
        </button>
      </div>
    );
  }
  if (status === 'queued') {
    return (
      <div className="status-banner queued">
        <Icon name="clock" />
        <div className="status-banner-text">
          <strong>{t('conv.queuedBanner')}</strong>
          <span>{t('conv.queuedBannerHint')}</span>
        </div>
      </div>
    );
  }
  if (status === 'resolved') {
    return (
      <div className="status-banner resolved">
        <Icon name="checkCircle" />
        <div className="status-banner-text">
          <span>{t('conv.resolvedBanner')}</span>
        </div>
      </div>
    );
  }
  return null;
}
