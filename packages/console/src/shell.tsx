import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from './app.tsx';
import { runCommand } from './commands.ts';
import { StoreContext, toast, useConsole, useStore } from './console-context.ts';
import { ConsoleStore } from './console-store.ts';
import { shortId } from './format.ts';
import { LANGUAGES, type MessageKey, useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import { isUnread } from './inbox.ts';
import { InboxPage } from './inbox-page.tsx';
import { Logo } from './logo.tsx';
import {
  askNotificationPermission,
  desktopNotify,
  type NotificationState,
  notificationState,
} from './notify.ts';
import { navigate, useRoute } from './router.ts';
import { SHORTCUT_LIST, shortcutAction } from './shortcuts.ts';
import { Avatar, errorText, Kbd, Modal, Spinner, useDismiss } from './ui.tsx';

const AdminPage = lazy(() => import('./admin/admin-page.tsx'));

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

export function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const { t } = useI18n();
  const store = useMemo(() => new ConsoleStore(session.agent, session.workspace), [session]);
  const tRef = useRef(t);
  tRef.current = t;

  useEffect(() => {
    store.events = {
      error: (error) => toast({ text: errorText(tRef.current, error), tone: 'error' }),
      notify: (note) => {
        const t = tRef.current;
        const state = store.getState();
        const conversation = state.conversations[note.conversationId];
        const visitor = conversation ? state.visitors[conversation.visitorId]?.visitor : undefined;
        const name =
          visitor?.name ||
          visitor?.email ||
          t('visitor.anonymous', { id: shortId(conversation?.visitorId ?? '') });
        const title = note.kind === 'assigned' ? t('notify.assigned') : t('notify.message', { name });
        const open = () => navigate({ name: 'inbox', tab: 'mine', conversationId: note.conversationId });
        if (document.hidden) {
          desktopNotify({
            title,
            body: note.body || name,
            tag: `${note.kind}:${note.conversationId}`,
            onClick: open,
          });
        } else if (note.kind === 'assigned') {
          toast({ text: `${title}: ${name}`, tone: 'info', action: { label: t('conv.select'), run: open } });
        }
      },
    };
    store.start(session.token);
    return () => store.stop();
  }, [store, session.token]);

  // Ask for notification permission once, on the first interaction (browsers want a gesture).
  useEffect(() => {
    const ask = () => {
      askNotificationPermission();
      window.removeEventListener('pointerdown', ask);
    };
    window.addEventListener('pointerdown', ask);
    return () => window.removeEventListener('pointerdown', ask);
  }, []);

  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const editable = isEditable(event.target);
      const action = shortcutAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        shiftKey: event.shiftKey,
        editable,
        isComposing: event.isComposing,
      });
      if (!action) return;
      if (document.querySelector('.modal') && action !== 'escape') return;
      if (action === 'help') {
        event.preventDefault();
        setHelp(true);
        return;
      }
      if (action === 'escape') {
        if (editable) (event.target as HTMLElement).blur();
        runCommand('escape');
        return;
      }
      if (runCommand(action)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <StoreContext.Provider value={store}>
      <div className="shell">
        <Header session={session} onLogout={onLogout} onHelp={() => setHelp(true)} />
        <TitleBadge />
        <main className="main">
          <Routes isAdmin={session.agent.role === 'admin'} />
        </main>
        {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
      </div>
    </StoreContext.Provider>
  );
}

function Routes({ isAdmin }: { isAdmin: boolean }) {
  const route = useRoute();
  if (route.name === 'admin') {
    return (
      <Suspense
        fallback={
          <div className="splash">
            <Spinner size={22} />
          </div>
        }
      >
        <AdminPage section={route.section} item={route.item} isAdmin={isAdmin} />
      </Suspense>
    );
  }
  return <InboxPage tab={route.tab} conversationId={route.conversationId} />;
}

/** "(3) Inbox · Workspace": unread conversations of mine plus the queue. */
function TitleBadge() {
  const { t } = useI18n();
  const count = useConsole((s) => {
    let n = 0;
    for (const c of Object.values(s.conversations)) {
      if (c.status === 'queued') n++;
      else if (c.status === 'assigned' && c.assigneeId === s.me.id && isUnread(c)) n++;
    }
    return n;
  });
  const name = useConsole((s) => s.workspace.name);
  useEffect(() => {
    document.title = `${count > 0 ? `(${count}) ` : ''}${t('nav.inbox')} · ${name}`;
  }, [count, name, t]);
  return null;
}

function Header({
  session,
  onLogout,
  onHelp,
}: {
  session: Session;
  onLogout: () => void;
  onHelp: () => void;
}) {
  const { t, language, setLanguage } = useI18n();
  const route = useRoute();
  const workspace = useConsole((s) => s.workspace);
  const live = useConsole((s) => s.live);
  const isAdmin = session.agent.role === 'admin';
  return (
    <header className="header">
      <div className="header-brand">
        <Logo size={26} />
        <span className="header-product">{t('app.name')}</span>
        <span className="header-sep" />
        <span className="header-workspace" title={workspace.name}>
          {workspace.name}
        </span>
      </div>
      <nav className="header-nav">
        <button
          type="button"
          className={route.name === 'inbox' ? 'nav-link active' : 'nav-link'}
          onClick={() =>
            navigate({ name: 'inbox', tab: route.name === 'inbox' ? route.tab : 'all', conversationId: null })
          }
          data-testid="nav-inbox"
        >
          <Icon name="inbox" />
          <span className="nav-label">{t('nav.inbox')}</span>
        </button>
        <button
          type="button"
          className={route.name === 'admin' ? 'nav-link active' : 'nav-link'}
          onClick={() => navigate({ name: 'admin', section: isAdmin ? 'agents' : 'canned' })}
          data-testid="nav-admin"
        >
          <Icon name="settings" />
          <span className="nav-label">{t('nav.admin')}</span>
        </button>
      </nav>
      <div className="header-tools">
        <span
          className={`live-status ${live}`}
          data-testid="live-status"
          data-state={live}
          title={t(`live.${live}`)}
        >
          <span className="live-dot" />
          <span className="live-label">{t(`live.${live}`)}</span>
        </span>
        <PresenceToggle />
        <NotificationBell />
        <button
          type="button"
          className="icon-button"
          onClick={onHelp}
          title={t('header.shortcuts')}
          aria-label={t('header.shortcuts')}
        >
          <Icon name="keyboard" />
        </button>
        <select
          className="lang-select"
          aria-label={t('header.language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value as typeof language)}
          data-testid="language-switch"
        >
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.code === 'en' ? 'EN' : '中文'}
            </option>
          ))}
        </select>
        <UserMenu session={session} onLogout={onLogout} />
      </div>
    </header>
  );
}

function PresenceToggle() {
  const { t } = useI18n();
  const presence = useConsole((s) => s.presence);
  const store = useStore();
  return (
    <button
      type="button"
      className={`presence-toggle ${presence}`}
      onClick={() => store.setPresence(presence === 'online' ? 'away' : 'online')}
      title={t('header.presenceHint')}
      aria-pressed={presence === 'away'}
      data-testid="presence-toggle"
      data-status={presence}
    >
      <span className="presence-knob" />
      {presence === 'online' ? t('header.online') : t('header.away')}
    </button>
  );
}

function NotificationBell() {
  const { t } = useI18n();
  const [state, setState] = useState<NotificationState>(notificationState);
  if (state === 'unsupported') return null;
  const label =
    state === 'granted'
      ? t('header.notificationsOn')
      : state === 'denied'
        ? t('header.notificationsBlocked')
        : t('header.notificationsOff');
  return (
    <button
      type="button"
      className={`icon-button bell ${state}`}
      title={label}
      aria-label={label}
      onClick={async () => setState(await askNotificationPermission(true))}
      data-testid="notifications-button"
    >
      <Icon name={state === 'granted' ? 'bell' : 'bellOff'} />
    </button>
  );
}

function UserMenu({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, () => setOpen(false));
  const presence = useConsole((s) => s.presence);
  return (
    <div className="menu-anchor" ref={ref}>
      <button
        type="button"
        className="user-button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        data-testid="user-menu"
      >
        <Avatar id={session.agent.id} name={session.agent.name} size={28} presence={presence} />
      </button>
      {open && (
        <div className="menu menu-right" role="menu">
          <div className="menu-header">
            <div className="menu-name">{session.agent.name}</div>
            <div className="menu-sub">{session.agent.email}</div>
            <div className="menu-sub">
              {session.agent.role === 'admin' ? t('agents.roleAdmin') : t('agents.roleAgent')}
            </div>
          </div>
          <button
            type="button"
            className="menu-item"
            role="menuitem"
            onClick={onLogout}
            data-testid="logout-button"
          >
            <Icon name="logout" />
            {t('header.logout')}
          </button>
        </div>
      )}
    </div>
  );
}

function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal title={t('shortcut.title')} onClose={onClose} testId="shortcuts-dialog">
      <ul className="shortcut-list">
        {SHORTCUT_LIST.map((s) => (
          <li key={s.label}>
            <span>{t(s.label as MessageKey)}</span>
            <span className="shortcut-keys">
              {s.keys.map((k) => (k === '…' ? <span key={k}>–</span> : <Kbd key={k}>{k}</Kbd>))}
            </span>
          </li>
        ))}
      </ul>
    </Modal>
  );
}
