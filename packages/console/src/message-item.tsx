import { memo, type ReactNode } from 'react';
import { clockTime, fileSize, fullDateTime, safeUrl } from './format.ts';
import { useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import type { PendingMessage } from './thread.ts';
import type { Attachment, ConsoleMessage } from './types.ts';
import { Avatar } from './ui.tsx';

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;
const TRAILING_RE = /[.,;:!?)\]}，。！？）】]+$/;

/**
 * Message text as React text nodes (never HTML); http(s) URLs become links whose visible
 * text is the URL itself.
 */
export function MessageText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    const url = match[0].replace(TRAILING_RE, '');
    if (start > last) parts.push(text.slice(last, start));
    const href = safeUrl(url);
    parts.push(
      href ? (
        <a key={start} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {url}
        </a>
      ) : (
        url
      ),
    );
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (
    <div className="message-text" data-testid="message-text">
      {parts}
    </div>
  );
}

function Attachments({ attachments }: { attachments: Attachment[] }) {
  return (
    <div className="attachments">
      {attachments.map((a) => {
        const href = safeUrl(a.url);
        if (!href) return null;
        if (/^image\/(png|jpe?g|gif|webp|avif)$/i.test(a.contentType)) {
          return (
            <a key={a.id} className="attachment-image" href={href} target="_blank" rel="noopener noreferrer">
              <img src={href} alt={a.name} loading="lazy" />
            </a>
          );
        }
        return (
          <a
            key={a.id}
            className="attachment-file"
            href={href}
            target="_blank"
            rel="noopener noreferrer"
            download={a.name}
          >
            <Icon name="file" />
            <span className="attachment-name">{a.name}</span>
            <span className="attachment-size">{fileSize(a.size)}</span>
          </a>
        );
      })}
    </div>
  );
}

export const MessageItem = memo(function MessageItem({
  message,
  grouped,
  visitorName,
  meId,
  seen,
}: {
  message: ConsoleMessage;
  grouped: boolean;
  visitorName: string;
  meId: string;
  seen: boolean;
}) {
  const { t, language } = useI18n();
  const type = message.author.type;
  if (type === 'system') {
    return (
      <li
        className="message system"
        data-testid="message-item"
        data-seq={message.seq}
        data-author-type="system"
      >
        <span className="system-text" data-testid="message-text">
          {message.text}
        </span>
      </li>
    );
  }
  const side = type === 'visitor' ? 'left' : 'right';
  const authorName =
    type === 'visitor'
      ? visitorName
      : type === 'bot'
        ? t('author.bot')
        : message.author.id === meId
          ? t('inbox.you')
          : message.author.name || t('author.agent');
  const kind = message.private ? 'note' : type;
  return (
    <li
      className={`message ${side} ${kind}${grouped ? ' grouped' : ''}`}
      data-testid="message-item"
      data-seq={message.seq}
      data-author-type={type}
      data-private={message.private ? 'true' : undefined}
      data-interrupted={message.interrupted ? 'true' : undefined}
    >
      {side === 'left' && (
        <span className="message-avatar">
          {!grouped && (
            <Avatar id={message.author.id ?? message.conversationId} name={visitorName} size={28} />
          )}
        </span>
      )}
      <div className="message-body">
        {!grouped && (
          <div className="message-meta">
            {message.private && <Icon name="lock" size={11} />}
            {type === 'bot' && <Icon name="sparkles" size={11} />}
            <span className="message-author">
              {message.private ? `${t('conv.private')} · ${authorName}` : authorName}
            </span>
            <time dateTime={message.createdAt} title={fullDateTime(message.createdAt, language)}>
              {clockTime(message.createdAt, language)}
            </time>
          </div>
        )}
        <div className="bubble">
          {message.text && <MessageText text={message.text} />}
          {message.attachments && message.attachments.length > 0 && (
            <Attachments attachments={message.attachments} />
          )}
        </div>
        {(message.interrupted || seen) && (
          <div className="message-foot">
            {message.interrupted && (
              <span className="tag interrupted" data-testid="message-interrupted">
                <Icon name="hand" size={11} />
                {t('conv.interrupted')}
              </span>
            )}
            {seen && (
              <span className="seen">
                <Icon name="check" size={11} />
                {t('conv.seen')}
              </span>
            )}
          </div>
        )}
      </div>
      {side === 'right' && (
        <span className="message-avatar">
          {!grouped &&
            (type === 'bot' ? (
              <Avatar id="bot" name="Bot" size={28} kind="bot" />
            ) : (
              <Avatar id={message.author.id ?? 'agent'} name={message.author.name ?? 'A'} size={28} />
            ))}
        </span>
      )}
    </li>
  );
});

/** A bot answer arriving piece by piece. */
export function StreamingItem({ messageId, text }: { messageId: string; text: string }) {
  const { t } = useI18n();
  return (
    <li
      className="message right bot streaming"
      data-testid="message-item"
      data-streaming="true"
      data-message-id={messageId}
      data-author-type="bot"
    >
      <div className="message-body">
        <div className="message-meta">
          <Icon name="sparkles" size={11} />
          <span className="message-author">{t('author.bot')}</span>
          <span className="streaming-tag">
            <span className="pulse" />
            {t('conv.streaming')}
          </span>
        </div>
        <div className="bubble">
          <div className="message-text" data-testid="message-text">
            {text}
            <span className="caret" aria-hidden="true" />
          </div>
        </div>
      </div>
      <span className="message-avatar">
        <Avatar id="bot" name="Bot" size={28} kind="bot" />
      </span>
    </li>
  );
}

export function PendingItem({
  pending,
  onRetry,
  onDiscard,
}: {
  pending: PendingMessage;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const { t } = useI18n();
  return (
    <li
      className={`message right ${pending.private ? 'note' : 'agent'} pending${pending.failed ? ' failed' : ''}`}
      data-testid="message-item"
      data-pending="true"
      data-private={pending.private ? 'true' : undefined}
    >
      <div className="message-body">
        <div className="bubble">
          <MessageText text={pending.text} />
        </div>
        <div className="message-foot">
          {pending.failed ? (
            <span className="failed-text">
              {t('conv.failed')}: {pending.failed}
              <button type="button" className="link-button" onClick={onRetry}>
                {t('conv.retry')}
              </button>
              <button type="button" className="link-button" onClick={onDiscard}>
                {t('conv.discard')}
              </button>
            </span>
          ) : (
            <span className="sending">{t('conv.sending')}</span>
          )}
        </div>
      </div>
      <span className="message-avatar" />
    </li>
  );
}
