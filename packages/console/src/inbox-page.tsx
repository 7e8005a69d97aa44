import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { onCommand } from './commands.ts';
import { useConsole, useNow, useStore } from './console-context.ts';
import type { ConsoleState } from './console-store.ts';
import { ConversationPanel, type PanelTab } from './conversation-panel.tsx';
import { ConversationView } from './conversation-view.tsx';
import { useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import { inboxList, neighbour, nextAfterRemoval, tabCounts } from './inbox.ts';
import { InboxItem } from './inbox-item.tsx';
import { navigate } from './router.ts';
import { INBOX_TABS, type InboxTab } from './types.ts';
import { EmptyState, Kbd, Spinner } from './ui.tsx';
import { visitorName } from './visitor-name.ts';

const PANEL_KEY = 'unique-support.console.visitor-panel';
const PANEL_TAB_KEY = 'unique-support.console.panel-tab';

function storedPanelTab(): PanelTab {
  try {
    return localStorage.getItem(PANEL_TAB_KEY) === 'timeline' ? 'timeline' : 'visitor';
  } catch {
    return 'visitor';
  }
}

function searchTextOf(state: ConsoleState, t: Parameters<typeof visitorName>[0]) {
  return (c: ConsoleState['conversations'][string]) => {
    const entry = state.visitors[c.visitorId];
    const parts = [
      visitorName(t, c, entry),
      entry?.visitor?.email ?? '',
      state.previews[c.id]?.text ?? '',
      c.id,
    ];
    if (c.labels) parts.push(...c.labels);
    const thread = state.threads[c.id];
    if (thread) for (const m of thread.messages) parts.push(m.text);
    return parts.join('\n');
  };
}

export function InboxPage({ tab, conversationId }: { tab: InboxTab; conversationId: string | null }) {
  const { t } = useI18n();
  const store = useStore();
  const [query, setQuery] = useState('');
  const [label, setLabel] = useState<string | null>(null);
  const [serverHits, setServerHits] = useState<string[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [localOnly, setLocalOnly] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  // Beside the conversation on wide screens; over it (closed until asked for) on narrow ones.
  const [panel, setPanel] = useState(
    () => localStorage.getItem(PANEL_KEY) !== '0' && window.innerWidth > 1100,
  );

  const conversations = useConsole((s) => s.conversations);
  const previews = useConsole((s) => s.previews);
  const visitors = useConsole((s) => s.visitors);
  const typing = useConsole((s) => s.typing);
  const agents = useConsole((s) => s.agents);
  const meId = useConsole((s) => s.me.id);
  const loaded = useConsole((s) => s.loaded);
  const resolvedLoaded = useConsole((s) => s.resolvedLoaded);
  const now = useNow();

  const searchMode = query.trim() !== '' || label !== null;

  useEffect(() => {
    if (tab === 'resolved' && !resolvedLoaded) store.loadResolved();
  }, [tab, resolvedLoaded, store]);

  // Server search (messages, labels), debounced; local matches show meanwhile.
  useEffect(() => {
    if (!searchMode) {
      setServerHits(null);
      setLocalOnly(false);
      return;
    }
    let cancelled = false;
    setSearching(true);
    const timer = setTimeout(() => {
      store
        .search(query, label)
        .then((hits) => {
          if (cancelled) return;
          setServerHits(hits ? hits.map((c) => c.id) : null);
          setLocalOnly(hits === null);
        })
        .catch(() => !cancelled && setLocalOnly(true))
        .finally(() => !cancelled && setSearching(false));
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query, label, searchMode, store]);

  // `visitors` is read through the store's snapshot (names and e-mails to search in).
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  const list = useMemo(() => {
    const state = store.getState();
    const lastMessageAt = (c: ConsoleState['conversations'][string]) => previews[c.id]?.at;
    if (!searchMode) return inboxList(Object.values(conversations), { tab, meId, lastMessageAt });
    const searchText = searchTextOf(state, t);
    const local = new Set<string>();
    for (const status of ['all', 'resolved'] as const) {
      for (const c of inboxList(Object.values(conversations), {
        tab: status,
        meId,
        label,
        query,
        searchText,
        lastMessageAt,
      })) {
        local.add(c.id);
      }
    }
    for (const id of serverHits ?? []) local.add(id);
    const all = [...local].map((id) => conversations[id]).filter((c) => c !== undefined);
    return [
      ...inboxList(all, { tab: 'all', meId, lastMessageAt }),
      ...inboxList(all, { tab: 'resolved', meId, lastMessageAt }),
    ];
  }, [conversations, previews, tab, meId, searchMode, query, label, serverHits, store, t, visitors]);

  const counts = useMemo(() => tabCounts(Object.values(conversations), meId), [conversations, meId]);

  // Fetch names and previews for what is on screen.
  useEffect(() => {
    const visible = list.slice(0, 80);
    store.ensurePreviews(visible);
    for (const c of visible) store.loadVisitor(c.visitorId);
  }, [list, store]);

  const listRef = useRef(list);
  listRef.current = list;
  const open = useCallback(
    (id: string | null) => navigate({ name: 'inbox', tab, conversationId: id }),
    [tab],
  );

  useEffect(
    () =>
      onCommand((action) => {
        if (action === 'next' || action === 'previous') {
          const id = neighbour(listRef.current, conversationId, action === 'next' ? 1 : -1);
          if (id && id !== conversationId) open(id);
          document
            .querySelector(`[data-conversation-id="${CSS.escape(id ?? '')}"]`)
            ?.scrollIntoView({ block: 'nearest' });
          return true;
        }
        if (action === 'search') {
          searchRef.current?.focus();
          searchRef.current?.select();
          return true;
        }
        if (action.startsWith('tab')) {
          const next = INBOX_TABS[Number(action.slice(3)) - 1];
          if (next) navigate({ name: 'inbox', tab: next, conversationId });
          return true;
        }
        if (action === 'escape' && document.activeElement === document.body && searchMode) {
          setQuery('');
          setLabel(null);
          return true;
        }
        return false;
      }),
    [conversationId, open, searchMode],
  );

  const onLabel = useCallback((value: string) => setLabel(value), []);
  const afterResolve = useCallback(
    (resolvedId: string) => {
      if (tab === 'resolved' || searchMode) return;
      open(nextAfterRemoval(listRef.current, resolvedId));
    },
    [open, tab, searchMode],
  );

  // Taken over: it is mine now, so show it where it lives (unless searching).
  const afterTakeOver = useCallback(
    (id: string) => {
      if (!searchMode && tab !== 'all' && tab !== 'mine')
        navigate({ name: 'inbox', tab: 'mine', conversationId: id }, true);
    },
    [tab, searchMode],
  );

  const [panelTab, setPanelTab] = useState<PanelTab>(storedPanelTab);
  const showPanel = (open: boolean, tab: PanelTab = panelTab) => {
    setPanel(open);
    setPanelTab(tab);
    try {
      localStorage.setItem(PANEL_KEY, open ? '1' : '0');
      localStorage.setItem(PANEL_TAB_KEY, tab);
    } catch {
      // storage disabled: remembered for this page only
    }
  };
  /** The header's buttons: open the panel on that tab, or close it when it already shows it. */
  const togglePanel = (tab: PanelTab) => showPanel(!(panel && panelTab === tab), tab);

  const conversation = conversationId ? conversations[conversationId] : undefined;

  return (
    <div
      className={`inbox-page${panel && conversation ? ` with-panel panel-${panelTab}` : ''}${conversationId ? ' has-open' : ''}`}
    >
      <section className="inbox-column" aria-label={t('nav.inbox')}>
        <div className="inbox-search">
          <Icon name="search" className="inbox-search-icon" />
          <input
            ref={searchRef}
            type="search"
            placeholder={t('inbox.search')}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setQuery('');
                setLabel(null);
              }
            }}
            data-testid="search-input"
          />
          {!query && <Kbd>/</Kbd>}
        </div>
        {searchMode ? (
          <div className="search-head">
            <span className="search-title">
              {query.trim() ? t('inbox.searchResults', { q: query.trim() }) : null}
              {label && (
                <span className="label-chip">
                  <Icon name="tag" size={11} />
                  {label}
                </span>
              )}
            </span>
            {searching && <Spinner size={12} />}
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setQuery('');
                setLabel(null);
              }}
            >
              {t('inbox.clear')}
            </button>
          </div>
        ) : (
          <div className="inbox-tabs" role="tablist">
            {INBOX_TABS.map((name) => {
              const count = name === 'resolved' ? null : counts[name];
              return (
                <button
                  key={name}
                  type="button"
                  role="tab"
                  aria-selected={tab === name}
                  className={tab === name ? 'inbox-tab active' : 'inbox-tab'}
                  onClick={() => navigate({ name: 'inbox', tab: name, conversationId })}
                  data-testid={`inbox-tab-${name}`}
                >
                  {t(`tab.${name}`)}
                  {count !== null && count > 0 && (
                    <span
                      className={`tab-count${name === 'queued' ? ' warn' : ''}`}
                      data-testid={`inbox-tab-count-${name}`}
                    >
                      {count}
                    </span>
                  )}
                </button>
              );
            })}
          </div>
        )}
        {searchMode && localOnly && <div className="search-note">{t('inbox.searchLocal')}</div>}
        <div className="inbox-list" data-testid="inbox-list">
          {!loaded || (tab === 'resolved' && !resolvedLoaded && !searchMode) ? (
            <div className="inbox-skeleton">
              {[0, 1, 2, 3, 4].map((i) => (
                <div key={i} className="skeleton-row">
                  <span className="skeleton circle" />
                  <span className="skeleton-lines">
                    <span className="skeleton line" />
                    <span className="skeleton line short" />
                  </span>
                </div>
              ))}
            </div>
          ) : list.length === 0 ? (
            <div data-testid="inbox-empty">
              <EmptyState
                icon={searchMode ? 'search' : tab === 'queued' ? 'checkCircle' : 'inbox'}
                title={searchMode ? t('inbox.empty.search') : t(`inbox.empty.${tab}`)}
              />
            </div>
          ) : (
            list.map((c) => (
              <InboxItem
                key={c.id}
                conversation={c}
                name={visitorName(t, c, visitors[c.visitorId])}
                preview={previews[c.id]}
                typing={(typing[c.id] ?? 0) > Date.now()}
                active={c.id === conversationId}
                meId={meId}
                assignee={c.assigneeId ? agents[c.assigneeId] : undefined}
                showStatus={tab === 'all' || searchMode}
                now={now}
                onOpen={open}
                onLabel={onLabel}
              />
            ))
          )}
        </div>
      </section>
      {conversationId ? (
        <ConversationView
          key={conversationId}
          conversationId={conversationId}
          panel={panel ? panelTab : null}
          onTogglePanel={togglePanel}
          onResolved={afterResolve}
          onTakenOver={afterTakeOver}
          onBack={() => open(null)}
        />
      ) : (
        <section className="conversation-placeholder">
          <EmptyState icon="message" title={t('conv.select')} hint={t('conv.selectHint')} />
        </section>
      )}
      {conversation && panel && (
        <ConversationPanel
          conversation={conversation}
          tab={panelTab}
          onTab={(tab) => showPanel(true, tab)}
          onClose={() => showPanel(false)}
        />
      )}
    </div>
  );
}
