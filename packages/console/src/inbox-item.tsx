import { memo } from 'react';
import type { Preview } from './console-store.ts';
import { previewLine, shortTime, waitingTime } from './format.ts';
import { type MessageKey, useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import { isUnread } from './inbox.ts';
import type { Agent, ConsoleConversation } from './types.ts';
import { Avatar } from './ui.tsx';

export interface InboxItemProps {
  conversation: ConsoleConversation;
  name: string;
  preview: Preview | undefined;
  typing: boolean;
  active: boolean;
  meId: string;
  assignee: Agent | undefined;
  showStatus: boolean;
  now: number;
  onOpen: (id: string) => void;
  onLabel: (label: string) => void;
}

export const InboxItem = memo(function InboxItem({
  conversation: c,
  name,
  preview,
  typing,
  active,
  meId,
  assignee,
  showStatus,
  now,
  onOpen,
  onLabel,
}: InboxItemProps) {
  const { t, language } = useI18n();
  // Unread matters where a human owes an answer: the queue and my conversations.
  const unread =
    isUnread(c) && !active && (c.status === 'queued' || (c.status === 'assigned' && c.assigneeId === meId));
  const at = preview?.at && Date.parse(preview.at) > Date.parse(c.updatedAt) ? preview.at : c.updatedAt;
  let prefix: string | null = null;
  if (preview && !typing) {
    if (preview.private) prefix = t('inbox.note');
    else if (preview.authorType === 'bot') prefix = t('inbox.bot');
    else if (preview.authorType === 'agent') prefix = preview.authorId === meId ? t('inbox.you') : null;
  }
  const text = typing
    ? t('inbox.typing')
    : preview
      ? previewLine(preview.text) || (preview.attachments ? t('inbox.attachment') : '')
      : c.lastSeq === 0
        ? t('inbox.noMessages')
        : '';
  return (
    <div
      className={`inbox-item${active ? ' active' : ''}${unread ? ' unread' : ''}`}
      data-testid="inbox-item"
      data-conversation-id={c.id}
      data-status={c.status}
      data-active={active || undefined}
    >
      <button
        type="button"
        className="inbox-item-hit"
        onClick={() => onOpen(c.id)}
        aria-current={active || undefined}
      >
        <span className="inbox-item-avatar">
          <Avatar id={c.visitorId} name={name} size={36} />
          {c.status === 'bot' && (
            <span className="avatar-bot-badge" title={t('status.bot')}>
              <Icon name="sparkles" size={10} />
            </span>
          )}
        </span>
        <span className="inbox-item-body">
          <span className="inbox-item-top">
            <span className="inbox-item-name">{name}</span>
            <span className="inbox-item-time">{shortTime(at, now, language)}</span>
          </span>
          <span className={`inbox-item-preview${typing || preview?.streaming ? ' live' : ''}`}>
            {preview?.streaming && !typing && <span className="pulse" aria-hidden="true" />}
            {prefix && <span className="inbox-item-prefix">{prefix}: </span>}
            <span className="inbox-item-text">{text}</span>
          </span>
        </span>
      </button>
      <span className="inbox-item-meta">
        {showStatus && (
          <span className={`badge small status-${c.status}`}>{t(`status.${c.status}` as MessageKey)}</span>
        )}
        {c.status === 'queued' && c.queuedAt && (
          <span className="inbox-item-wait">
            <Icon name="clock" size={11} />
            {t('inbox.waiting', { time: waitingTime(c.queuedAt, now, language) })}
          </span>
        )}
        {c.labels?.slice(0, 3).map((label) => (
          <button type="button" key={label} className="label-chip small" onClick={() => onLabel(label)}>
            {label}
          </button>
        ))}
        <span className="inbox-item-spacer" />
        {assignee && c.status === 'assigned' && assignee.id !== meId && (
          <span className="inbox-item-assignee" title={assignee.name}>
            <Avatar id={assignee.id} name={assignee.name} size={18} />
          </span>
        )}
        {unread && <span className="unread-dot" data-testid="unread-dot" />}
      </span>
    </div>
  );
});
