import { useMemo, useRef, useState } from 'react';
import { useConsole, useStore } from './console-context.ts';
import { useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import type { Agent, ConsoleConversation } from './types.ts';
import { Avatar, useDismiss } from './ui.tsx';

const PRESENCE_ORDER = { online: 0, away: 1, offline: 2 } as const;

/** Agents in the order one picks from: me, then online, away, offline; by name. */
export function assignOrder(agents: Agent[], meId: string): Agent[] {
  return [...agents].sort((a, b) => {
    if (a.id === meId) return -1;
    if (b.id === meId) return 1;
    const pa = PRESENCE_ORDER[a.status ?? 'offline'];
    const pb = PRESENCE_ORDER[b.status ?? 'offline'];
    return pa - pb || a.name.localeCompare(b.name);
  });
}

export function AssignMenu({
  conversation,
  open,
  onOpenChange,
}: {
  conversation: ConsoleConversation;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { t } = useI18n();
  const store = useStore();
  const agents = useConsole((s) => s.agents);
  const conversations = useConsole((s) => s.conversations);
  const meId = useConsole((s) => s.me.id);
  const ref = useRef<HTMLDivElement>(null);
  const [filter, setFilter] = useState('');
  const [cursor, setCursor] = useState(0);
  useDismiss(ref, open, () => onOpenChange(false));

  const load = useMemo(() => {
    const counts: Record<string, number> = {};
    for (const c of Object.values(conversations)) {
      if (c.status === 'assigned' && c.assigneeId) counts[c.assigneeId] = (counts[c.assigneeId] ?? 0) + 1;
    }
    return counts;
  }, [conversations]);

  const options = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return assignOrder(Object.values(agents), meId).filter(
      (a) => !q || a.name.toLowerCase().includes(q) || a.email.toLowerCase().includes(q),
    );
  }, [agents, meId, filter]);

  const choose = (agent: Agent) => {
    onOpenChange(false);
    setFilter('');
    if (agent.id !== conversation.assigneeId || conversation.status !== 'assigned')
      store.assign(conversation.id, agent.id);
  };

  const label =
    conversation.assigneeId && conversation.status === 'assigned' ? t('conv.transfer') : t('conv.assign');
  return (
    <div className="menu-anchor" ref={ref}>
      <button
        type="button"
        className="button"
        onClick={() => onOpenChange(!open)}
        aria-expanded={open}
        data-testid="assign-button"
        title={`${label} (a)`}
      >
        <Icon name="users" />
        <span className="button-label">{label}</span>
        <Icon name="chevronDown" size={14} />
      </button>
      {open && (
        <div className="menu menu-right assign-menu" role="menu" data-testid="assign-menu">
          <input
            className="menu-filter"
            placeholder={t('conv.assignTo')}
            value={filter}
            // biome-ignore lint/a11y/noAutofocus: the menu was opened to type in it
            autoFocus
            onChange={(e) => {
              setFilter(e.target.value);
              setCursor(0);
            }}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') {
                e.preventDefault();
                setCursor((c) => Math.min(options.length - 1, c + 1));
              } else if (e.key === 'ArrowUp') {
                e.preventDefault();
                setCursor((c) => Math.max(0, c - 1));
              } else if (e.key === 'Enter') {
                e.preventDefault();
                const agent = options[cursor];
                if (agent) choose(agent);
              }
            }}
          />
          <div className="menu-scroll">
            {options.map((agent, index) => (
              <button
                type="button"
                key={agent.id}
                role="menuitem"
                className={`menu-item agent-option${index === cursor ? ' focused' : ''}`}
                onClick={() => choose(agent)}
                onMouseEnter={() => setCursor(index)}
                data-testid="assign-option"
                data-agent-id={agent.id}
              >
                <Avatar id={agent.id} name={agent.name} size={24} presence={agent.status ?? 'offline'} />
                <span className="agent-option-name">
                  {agent.id === meId ? t('conv.me', { name: agent.name }) : agent.name}
                </span>
                <span className="agent-option-load">
                  {t('conv.load', { count: load[agent.id] ?? 0, max: agent.maxConcurrent })}
                </span>
                {agent.id === conversation.assigneeId && conversation.status === 'assigned' && (
                  <Icon name="check" size={14} />
                )}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
