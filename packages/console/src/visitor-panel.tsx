import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { api } from './api.ts';
import { toast, useConsole, useNow, useStore } from './console-context.ts';
import { browserSummary, fullDateTime, safeUrl, shortTime } from './format.ts';
import { type MessageKey, useI18n } from './i18n.ts';
import { Icon, type IconName } from './icons.tsx';
import { normalizeLabel } from './inbox.ts';
import { navigate, useRoute } from './router.ts';
import type { Assist, ConsoleConversation, VisitorDetails } from './types.ts';
import { Avatar, errorText, Spinner } from './ui.tsx';
import { visitorName } from './visitor-name.ts';

function locationText(location: VisitorDetails['location']): string | null {
  if (!location) return null;
  if (typeof location === 'string') return location;
  return [location.city, location.region, location.country].filter(Boolean).join(', ') || null;
}

function attributeText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

export function VisitorPanel({ conversation }: { conversation: ConsoleConversation }) {
  const { t, language } = useI18n();
  const store = useStore();
  const entry = useConsole((s) => s.visitors[conversation.visitorId]);
  const missing = useConsole((s) => s.missing.visitors === true);
  const typingUntil = useConsole((s) => s.typing[conversation.id] ?? 0);
  const now = useNow();
  const visitor = entry?.visitor;
  const name = visitorName(t, conversation, entry);
  const [past, setPast] = useState<ConsoleConversation[] | null>(null);

  useEffect(() => {
    store.loadVisitor(conversation.visitorId, true);
  }, [conversation.visitorId, store]);

  // Past conversations: from the visitor route, else from ?visitorId=.
  useEffect(() => {
    if (entry?.conversations) {
      setPast(entry.conversations);
      return;
    }
    if (entry?.status === 'loading') return;
    let alive = true;
    store
      .visitorConversations(conversation.visitorId)
      .then((list) => alive && setPast(list))
      .catch(() => alive && setPast(null));
    return () => {
      alive = false;
    };
  }, [entry, conversation.visitorId, store]);

  const page = safeUrl(visitor?.pageUrl ?? null);
  const location = locationText(visitor?.location);
  const browser = browserSummary(
    visitor?.userAgent ?? (visitor?.attributes?.userAgent as string | undefined),
  );
  const attributes = Object.entries(visitor?.attributes ?? {}).filter(([key]) => key !== 'userAgent');
  const others = (past ?? []).filter((c) => c.id !== conversation.id);
  const lastSeen = visitor?.lastSeenAt;

  return (
    <div data-testid="visitor-panel">
      <div className="visitor-card">
        <Avatar id={conversation.visitorId} name={name} size={48} />
        <div className="visitor-card-text">
          <div className="visitor-name" data-testid="visitor-name">
            {name}
          </div>
          {visitor?.email && (
            <div className="visitor-sub" data-testid="visitor-email">
              {visitor.email}
            </div>
          )}
          <div className="visitor-sub">
            {typingUntil > Date.now() ? (
              <span className="typing-inline">{t('inbox.typing')}</span>
            ) : lastSeen ? (
              <span title={fullDateTime(lastSeen, language)}>
                {t('visitor.lastSeen')} · {shortTime(lastSeen, now, language)}
              </span>
            ) : null}
          </div>
        </div>
      </div>

      <PanelSection title={t('visitor.details')}>
        {missing && !visitor ? (
          <p className="muted small">{t('visitor.unavailable')}</p>
        ) : !visitor && entry?.status === 'loading' ? (
          <Spinner />
        ) : (
          <dl className="detail-list">
            {visitor?.email && <Detail icon="mail" label={t('visitor.email')} value={visitor.email} />}
            <Detail
              icon="link"
              label={t('visitor.page')}
              value={
                page ? (
                  <a
                    href={page}
                    target="_blank"
                    rel="noopener noreferrer"
                    title={page}
                    data-testid="visitor-page"
                  >
                    {page.replace(/^https?:\/\//, '')}
                  </a>
                ) : (
                  (visitor?.pageUrl ?? null)
                )
              }
            />
            <Detail icon="globe" label={t('visitor.ip')} value={visitor?.ip ?? null} testId="visitor-ip" />
            {location && <Detail icon="mapPin" label={t('visitor.location')} value={location} />}
            {browser && <Detail icon="monitor" label={t('visitor.browser')} value={browser} />}
            <Detail
              icon="clock"
              label={t('visitor.firstSeen')}
              value={visitor?.createdAt ? fullDateTime(visitor.createdAt, language) : null}
            />
          </dl>
        )}
      </PanelSection>

      {attributes.length > 0 && (
        <PanelSection title={t('visitor.attributes')}>
          <dl className="attribute-list" data-testid="visitor-attributes">
            {attributes.map(([key, value]) => (
              <div key={key} className="attribute">
                <dt title={key}>{key}</dt>
                <dd title={attributeText(value)}>{attributeText(value)}</dd>
              </div>
            ))}
          </dl>
        </PanelSection>
      )}

      <PanelSection title={t('visitor.labels')}>
        <LabelEditor conversation={conversation} />
      </PanelSection>

      <PanelSection title={t('visitor.summary')}>
        <SummaryBox conversationId={conversation.id} />
      </PanelSection>

      <PanelSection title={`${t('visitor.past')}${past ? ` · ${others.length}` : ''}`}>
        {past === null ? (
          <p className="muted small">—</p>
        ) : others.length === 0 ? (
          <p className="muted small">{t('visitor.noPast')}</p>
        ) : (
          <ul className="past-list" data-testid="visitor-past">
            {others.slice(0, 10).map((c) => (
              <PastItem key={c.id} conversation={c} now={now} />
            ))}
          </ul>
        )}
      </PanelSection>
    </div>
  );
}

function PanelSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="panel-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function Detail({
  icon,
  label,
  value,
  testId,
}: {
  icon: IconName;
  label: string;
  value: ReactNode;
  testId?: string;
}) {
  return (
    <div className="detail">
      <dt>
        <Icon name={icon} size={13} />
        {label}
      </dt>
      <dd data-testid={testId}>{value ?? <span className="muted">—</span>}</dd>
    </div>
  );
}

function PastItem({ conversation, now }: { conversation: ConsoleConversation; now: number }) {
  const { t, language } = useI18n();
  const route = useRoute();
  const preview = useConsole((s) => s.previews[conversation.id]);
  return (
    <li>
      <button
        type="button"
        className="past-item"
        onClick={() =>
          navigate({
            name: 'inbox',
            tab: route.name === 'inbox' ? route.tab : 'all',
            conversationId: conversation.id,
          })
        }
      >
        <span className={`badge small status-${conversation.status}`}>
          {t(`status.${conversation.status}` as MessageKey)}
        </span>
        <span className="past-text">{preview?.text ?? conversation.id}</span>
        <span className="past-time">{shortTime(conversation.updatedAt, now, language)}</span>
      </button>
    </li>
  );
}

function LabelEditor({ conversation }: { conversation: ConsoleConversation }) {
  const { t } = useI18n();
  const store = useStore();
  const conversations = useConsole((s) => s.conversations);
  const [draft, setDraft] = useState('');
  const labels = conversation.labels ?? [];
  const known = useMemo(() => {
    const set = new Set<string>();
    for (const c of Object.values(conversations)) for (const l of c.labels ?? []) set.add(l);
    return [...set].sort();
  }, [conversations]);

  const add = () => {
    const label = normalizeLabel(draft);
    setDraft('');
    if (!label || labels.includes(label)) return;
    store.setLabels(conversation.id, [...labels, label]);
  };

  return (
    <div className="label-editor">
      <div className="label-list">
        {labels.map((label) => (
          <span key={label} className="label-chip" data-testid="label-chip">
            <Icon name="tag" size={11} />
            {label}
            <button
              type="button"
              className="label-remove"
              aria-label={`${t('composer.remove')} ${label}`}
              onClick={() =>
                store.setLabels(
                  conversation.id,
                  labels.filter((l) => l !== label),
                )
              }
            >
              <Icon name="x" size={10} />
            </button>
          </span>
        ))}
      </div>
      <input
        className="label-input"
        list="known-labels"
        value={draft}
        placeholder={t('visitor.addLabel')}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
            e.preventDefault();
            add();
          }
        }}
        data-testid="label-input"
      />
      <datalist id="known-labels">
        {known.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
    </div>
  );
}

function SummaryBox({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const [summary, setSummary] = useState<Assist | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      setSummary((await api.summary(conversationId)).summary);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="summary-box">
      {summary?.text && <p className="summary-text">{summary.text}</p>}
      <button
        type="button"
        className="button ghost small"
        onClick={run}
        disabled={busy}
        data-testid="summary-button"
      >
        {busy ? <Spinner size={12} /> : <Icon name="sparkles" size={14} />}
        {busy ? t('visitor.summarizing') : t('visitor.summarize')}
      </button>
    </div>
  );
}
