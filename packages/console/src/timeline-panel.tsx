import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api.ts';
import { useConsole } from './console-context.ts';
import { clockSeconds, milliseconds, previewLine, usd } from './format.ts';
import { type MessageKey, useI18n } from './i18n.ts';
import { Icon, type IconName } from './icons.tsx';
import { navigate } from './router.ts';
import {
  messageDelays,
  pending,
  type StepTone,
  type TurnStep,
  timelineEntries,
  turnSteps,
  turnTone,
} from './timeline.ts';
import type { BotTurn, ConsoleConversation, Timeline, TimelineMessage } from './types.ts';
import { errorText, Spinner } from './ui.tsx';
import { visitorName } from './visitor-name.ts';

/** Wait this long after a new message before asking again: the bot's turn is recorded just after its answer. */
const REFRESH_DELAY_MS = 700;
const MAX_RETRIES = 4;

/**
 * What happened in a conversation, in order: each message's path (received → stored →
 * delivered) and, after each question, the bot's turn as a strip of steps. Loads on open,
 * again when the conversation gets a message or an answer stops streaming, and on demand.
 */
export function TimelinePanel({ conversation }: { conversation: ConsoleConversation }) {
  const { t, language } = useI18n();
  const conversationId = conversation.id;
  const lastSeq = useConsole((s) => s.threads[conversationId]?.messages.at(-1)?.seq ?? 0);
  const streaming = useConsole((s) => Object.keys(s.threads[conversationId]?.streaming ?? {}).length);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(async () => {
    const id = ++request.current;
    setLoading(true);
    try {
      const { timeline } = await api.timeline(conversationId);
      if (id !== request.current) return;
      setTimeline(timeline);
      setError(null);
      setUpdatedAt(new Date().toISOString());
    } catch (err) {
      if (id === request.current) setError(err);
    } finally {
      if (id === request.current) setLoading(false);
    }
  }, [conversationId]);

  // On open at once; after a new message or the end of a stream, a moment later.
  const first = useRef(true);
  const retries = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: lastSeq and streaming ask for a refresh
  useEffect(() => {
    retries.current = 0;
    if (first.current) {
      first.current = false;
      load();
      return;
    }
    const timer = setTimeout(load, REFRESH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [load, lastSeq, streaming]);

  // Something still on its way (a delivery, the bot's turn): look again, 1 s, 2 s, 4 s, 8 s later.
  const waiting = timeline !== null && pending(timeline, conversation.status === 'bot');
  // biome-ignore lint/correctness/useExhaustiveDependencies: each answer still waiting schedules the next look
  useEffect(() => {
    if (!waiting || retries.current >= MAX_RETRIES) return;
    const timer = setTimeout(
      () => {
        retries.current++;
        load();
      },
      1000 * 2 ** retries.current,
    );
    return () => clearTimeout(timer);
  }, [waiting, timeline, load]);
  const refresh = () => {
    retries.current = 0;
    load();
  };

  const missing = error instanceof ApiError && (error.missing || (error.status === 404 && !timeline));

  return (
    <div className="timeline-panel" data-testid="timeline-panel">
      <div className="timeline-head">
        <p className="muted small timeline-intro">{t('timeline.intro')}</p>
        <button
          type="button"
          className="icon-button"
          onClick={refresh}
          disabled={loading}
          aria-label={t('timeline.refresh')}
          title={t('timeline.refresh')}
          data-testid="timeline-refresh"
        >
          {loading ? <Spinner size={14} /> : <Icon name="refresh" size={15} />}
        </button>
      </div>
      {updatedAt && (
        <div className="timeline-updated muted small" aria-live="polite">
          {t('timeline.updated', { time: clockSeconds(updatedAt, language) })}
        </div>
      )}
      {missing ? (
        <p className="muted small pad">{t('timeline.unavailable')}</p>
      ) : error && !timeline ? (
        <div className="notice warn timeline-error">{errorText(t, error)}</div>
      ) : !timeline ? (
        <div className="pad">
          <Spinner />
        </div>
      ) : (
        <TimelineList timeline={timeline} conversation={conversation} />
      )}
    </div>
  );
}

function TimelineList({ timeline, conversation }: { timeline: Timeline; conversation: ConsoleConversation }) {
  const { t } = useI18n();
  const entries = timelineEntries(timeline);
  if (entries.length === 0) return <p className="muted small pad">{t('timeline.empty')}</p>;
  return (
    <ol className="timeline-list" data-testid="timeline-list">
      {entries.map((entry) =>
        entry.kind === 'message' ? (
          <MessageEntry key={entry.key} message={entry.message} conversation={conversation} />
        ) : (
          <TurnEntry key={entry.key} turn={entry.turn} />
        ),
      )}
    </ol>
  );
}

function MessageEntry({
  message,
  conversation,
}: {
  message: TimelineMessage;
  conversation: ConsoleConversation;
}) {
  const { t, language } = useI18n();
  const text = useConsole(
    (s) => s.threads[conversation.id]?.messages.find((m) => m.seq === message.seq)?.text ?? null,
  );
  const visitorEntry = useConsole((s) => s.visitors[conversation.visitorId]);
  const agentName = useConsole((s) => (message.author.id ? s.agents[message.author.id]?.name : undefined));
  const author =
    message.author.type === 'visitor'
      ? visitorName(t, conversation, visitorEntry)
      : message.author.type === 'bot'
        ? t('author.bot')
        : message.author.type === 'system'
          ? t('author.system')
          : (message.author.name ?? agentName ?? t('author.agent'));
  const delays = messageDelays(message);
  return (
    <li
      className={`tl-message ${message.author.type}${message.private ? ' private' : ''}`}
      data-testid="timeline-message"
      data-seq={message.seq}
    >
      <span className="tl-dot" aria-hidden="true" />
      <div className="tl-message-head">
        <span className="tl-author">{author}</span>
        {message.private && <span className="tag">{t('inbox.note')}</span>}
        <span className="tl-seq">#{message.seq}</span>
        <span className="spacer" />
        <time className="tl-clock" dateTime={message.storedAt}>
          {clockSeconds(message.storedAt, language)}
        </time>
      </div>
      {text && <div className="tl-text">{previewLine(text, 90)}</div>}
      <div className="tl-path" data-testid="timeline-path">
        {message.receivedAt && (
          <>
            <span>{t('timeline.received')}</span>
            <Icon name="arrowRight" size={11} />
          </>
        )}
        <span>
          {t('timeline.stored')}
          {delays.stored !== null && <b> +{milliseconds(delays.stored, language)}</b>}
        </span>
        <Icon name="arrowRight" size={11} />
        {delays.delivered !== null ? (
          <span>
            {t('timeline.delivered')} <b>+{milliseconds(delays.delivered, language)}</b>
          </span>
        ) : (
          <span className="tl-pending">{t('timeline.notDelivered')}</span>
        )}
      </div>
    </li>
  );
}

const STEP_ICONS: Record<TurnStep['kind'], IconName> = {
  cache: 'zap',
  retrieval: 'book',
  model: 'sparkles',
  fallback: 'shield',
  outcome: 'flag',
};

function TurnEntry({ turn }: { turn: BotTurn }) {
  const { t, language } = useI18n();
  const steps = turnSteps(turn);
  const tone = turnTone(turn);
  return (
    <li
      className={`tl-turn tone-${tone}`}
      data-testid="timeline-turn"
      data-outcome={turn.outcome}
      data-question-seq={turn.questionSeq}
    >
      <span className="tl-dot" aria-hidden="true" />
      <div className="tl-turn-head">
        <Icon name="sparkles" size={13} />
        <span className="tl-turn-title">{t('timeline.turn')}</span>
        <span className="spacer" />
        <span className="tl-clock">
          <Icon name="clock" size={11} />
          {t('timeline.took', { time: milliseconds(turn.durationMs, language) })}
        </span>
      </div>
      <ol className="tl-steps">
        {steps.map((step) => (
          <Step key={step.kind} kind={step.kind} tone={step.tone}>
            <StepBody step={step} turn={turn} />
          </Step>
        ))}
      </ol>
    </li>
  );
}

function Step({ kind, tone, children }: { kind: TurnStep['kind']; tone: StepTone; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <li className={`tl-step tone-${tone}`} data-testid={`timeline-step-${kind}`} data-tone={tone}>
      <span className="tl-step-icon" aria-hidden="true">
        <Icon name={STEP_ICONS[kind]} size={12} />
      </span>
      <div className="tl-step-body">
        <div className="tl-step-name">{t(`timeline.step.${kind}` as MessageKey)}</div>
        {children}
      </div>
    </li>
  );
}

function StepBody({ step, turn }: { step: TurnStep; turn: BotTurn }) {
  const { t, language } = useI18n();
  const isAdmin = useConsole((s) => s.me.role === 'admin');
  switch (step.kind) {
    case 'cache':
      return <div className="tl-step-value">{t(`timeline.cache.${turn.cache ?? 'miss'}`)}</div>;
    case 'retrieval':
      return turn.articles.length === 0 ? (
        <div className="tl-step-value">{t('timeline.noArticles')}</div>
      ) : (
        <ul className="tl-articles">
          {turn.articles.map((article) => (
            <li key={article.articleId} data-testid="timeline-article">
              {isAdmin ? (
                <a
                  href={`${import.meta.env.BASE_URL}admin/kb/${encodeURIComponent(article.articleId)}`}
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                    event.preventDefault();
                    navigate({ name: 'admin', section: 'kb', item: article.articleId });
                  }}
                  title={t('timeline.openArticle', { title: article.title })}
                >
                  {article.title}
                </a>
              ) : (
                <span>{article.title}</span>
              )}
              <span className="score" title={t('timeline.score', { score: article.score.toFixed(2) })}>
                {article.score.toFixed(2)}
              </span>
            </li>
          ))}
        </ul>
      );
    case 'model': {
      const model = turn.model!;
      return (
        <>
          <div className="tl-step-value">
            <code>
              {model.provider} · {model.model}
            </code>
          </div>
          <div className="tl-facts">
            <span>
              {model.firstTokenMs === null
                ? t('timeline.noFirstToken')
                : t('timeline.firstToken', { time: milliseconds(model.firstTokenMs, language) })}
            </span>
            <span>{t('timeline.total', { time: milliseconds(model.totalMs, language) })}</span>
            <span title={model.tokensEstimated ? t('timeline.estimated') : undefined}>
              {model.tokensEstimated && '≈ '}
              {t('timeline.tokens', { prompt: model.promptTokens, completion: model.completionTokens })}
            </span>
            <span>{t('timeline.cost', { cost: usd(model.costUsd) })}</span>
          </div>
          {!model.complete && <div className="tl-step-note">{t('timeline.incomplete')}</div>}
        </>
      );
    }
    case 'fallback':
      return (
        <>
          {turn.failedProviders.length > 0 ? (
            <ul className="tl-failures" data-testid="timeline-failures">
              {turn.failedProviders.map((failure, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a provider may fail twice; the order is the key
                <li key={index}>
                  <code>{failure.provider}</code>: {failure.reason}
                </li>
              ))}
            </ul>
          ) : (
            turn.outcome === 'knowledge' && <div className="tl-step-value">{t('timeline.noModel')}</div>
          )}
          {turn.outcome === 'knowledge' && <div className="tl-step-note">{t('timeline.quoted')}</div>}
        </>
      );
    case 'outcome':
      return (
        <div className="tl-step-value tl-outcome" data-testid="timeline-outcome">
          <strong>{t(`timeline.outcome.${turn.outcome}` as MessageKey)}</strong>
          {turn.answerSeq !== null && (
            <span className="tl-seq">{t('timeline.answer', { seq: turn.answerSeq })}</span>
          )}
          {turn.handedOff && turn.outcome !== 'handoff' && (
            <span className="tag">{t('timeline.handedOff')}</span>
          )}
        </div>
      );
  }
}
