import type { KeyboardEvent } from 'react';
import { useI18n } from './i18n.ts';
import { Icon, type IconName } from './icons.tsx';
import { TimelinePanel } from './timeline-panel.tsx';
import type { ConsoleConversation } from './types.ts';
import { VisitorPanel } from './visitor-panel.tsx';

export type PanelTab = 'visitor' | 'timeline';
export const PANEL_TABS: readonly {
  id: PanelTab;
  icon: IconName;
  label: 'panel.visitor' | 'panel.timeline';
}[] = [
  { id: 'visitor', icon: 'users', label: 'panel.visitor' },
  { id: 'timeline', icon: 'activity', label: 'panel.timeline' },
];

/** The column beside a conversation: the visitor's details, or the conversation's timeline. */
export function ConversationPanel({
  conversation,
  tab,
  onTab,
  onClose,
}: {
  conversation: ConsoleConversation;
  tab: PanelTab;
  onTab: (tab: PanelTab) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  // Arrow keys move between the tabs (WAI-ARIA tabs pattern, automatic activation).
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = PANEL_TABS.findIndex((p) => p.id === tab);
    let next = -1;
    if (event.key === 'ArrowRight') next = (index + 1) % PANEL_TABS.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + PANEL_TABS.length) % PANEL_TABS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = PANEL_TABS.length - 1;
    if (next < 0) return;
    event.preventDefault();
    const id = PANEL_TABS[next]!.id;
    onTab(id);
    document.getElementById(`panel-tab-${id}`)?.focus();
  };
  return (
    <aside
      className={`visitor-panel side-panel ${tab}`}
      aria-label={t('panel.tabs')}
      data-testid="conversation-panel"
    >
      <div className="panel-tabs">
        <div className="panel-tablist" role="tablist" aria-label={t('panel.tabs')} onKeyDown={onKeyDown}>
          {PANEL_TABS.map((p) => (
            <button
              key={p.id}
              id={`panel-tab-${p.id}`}
              type="button"
              role="tab"
              aria-selected={tab === p.id}
              aria-controls={`panel-${p.id}`}
              tabIndex={tab === p.id ? 0 : -1}
              className={tab === p.id ? 'panel-tab active' : 'panel-tab'}
              onClick={() => onTab(p.id)}
              data-testid={`panel-tab-${p.id}`}
            >
              <Icon name={p.icon} size={14} />
              {t(p.label)}
            </button>
          ))}
        </div>
        <button
          type="button"
          className="icon-button panel-close"
          onClick={onClose}
          aria-label={t('common.close')}
        >
          <Icon name="x" />
        </button>
      </div>
      <div className="panel-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`panel-tab-${tab}`}>
        {tab === 'visitor' ? (
          <VisitorPanel conversation={conversation} />
        ) : (
          <TimelinePanel key={conversation.id} conversation={conversation} />
        )}
      </div>
    </aside>
  );
}
