import { useSyncExternalStore } from 'react';
import { INBOX_TABS, type InboxTab } from './types.ts';

export const ADMIN_SECTIONS = ['agents', 'kb', 'bot', 'widget', 'canned', 'webhooks', 'reports'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export type Route =
  | { name: 'inbox'; tab: InboxTab; conversationId: string | null }
  | { name: 'admin'; section: AdminSection; item?: string };

/**
 * Paths under the console's base (`/console/`):
 * `inbox/<tab>`, `inbox/<tab>/<conversationId>`, `admin/<section>`, `admin/kb/<articleId>`.
 */
export function parseRoute(pathname: string, base: string): Route {
  const rest = pathname.startsWith(base) ? pathname.slice(base.length) : pathname.replace(/^\//, '');
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'admin') {
    const section = ADMIN_SECTIONS.find((s) => s === parts[1]) ?? 'agents';
    return section === 'kb' && parts[2]
      ? { name: 'admin', section, item: parts[2] }
      : { name: 'admin', section };
  }
  if (parts[0] === 'conversations' && parts[1])
    return { name: 'inbox', tab: 'all', conversationId: parts[1] };
  const tab = INBOX_TABS.find((t) => t === parts[1]) ?? 'all';
  return { name: 'inbox', tab, conversationId: parts[0] === 'inbox' ? (parts[2] ?? null) : null };
}

export function routePath(route: Route, base: string): string {
  if (route.name === 'admin')
    return `${base}admin/${route.section}${route.item ? `/${encodeURIComponent(route.item)}` : ''}`;
  const conversation = route.conversationId ? `/${encodeURIComponent(route.conversationId)}` : '';
  return `${base}inbox/${route.tab}${conversation}`;
}

const BASE = import.meta.env?.BASE_URL ?? '/console/';
const listeners = new Set<() => void>();
let current = typeof location === 'undefined' ? parseRoute('/', BASE) : parseRoute(location.pathname, BASE);

function refresh(): void {
  current = parseRoute(location.pathname, BASE);
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', refresh);

export function navigate(route: Route, replace = false): void {
  const path = routePath(route, BASE);
  if (path !== location.pathname) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
  }
  refresh();
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
