import {
  BRIDGE_SOURCE,
  type FrameToHost,
  type HostToFrame,
  type Identity,
  type Language,
  type Position,
  readableOn,
  readEnvelope,
  safeColor,
  safeLanguage,
  safePosition,
  type WidgetMessage,
} from './bridge.ts';
import { createChime } from './chime.ts';

export interface WidgetOptions {
  /** The workspace's public widget key (`wk_...`). */
  widgetKey: string;
  /** Where the unique-support server runs, e.g. `https://support.example.com`. */
  server: string;
  /** Overrides the workspace setting: accent colour `#rrggbb`. */
  color?: string;
  /** Overrides the workspace setting: side of the page. */
  position?: Position;
  /** Overrides the workspace setting and the browser; the visitor can still switch. */
  language?: Language;
  /** Start with the chat open. @default false */
  open?: boolean;
  /** @default `${server}/widget/frame.html` */
  frameUrl?: string;
  /** Where the widget's element goes. @default document.body */
  container?: HTMLElement;
}

/** Events of the JS API and their payloads. */
export interface WidgetEvents {
  open: undefined;
  close: undefined;
  /** A new message in the visitor's conversation (either side), after the history loaded. */
  message: WidgetMessage;
  /** Messages from agents and the bot the visitor has not seen yet. */
  unread: { count: number };
}

/** The JS API (`window.UniqueSupport` with the script loader). */
export interface WidgetApi {
  open(): void;
  close(): void;
  toggle(): void;
  /** Who the visitor is: shown to agents; with `userId` + `userHash` the visitor is tied to that user. */
  identify(identity: Identity): void;
  /** Returns the function that stops listening. */
  on<K extends keyof WidgetEvents>(event: K, listener: (payload: WidgetEvents[K]) => void): () => void;
  setLanguage(language: Language): void;
  readonly isOpen: boolean;
  readonly unread: number;
  /** Removes the widget from the page. */
  destroy(): void;
}

const LABELS: Record<Language, { open: string; close: string; chat: string }> = {
  en: { open: 'Open chat', close: 'Close chat', chat: 'Chat' },
  'zh-CN': { open: '打开对话', close: '关闭对话', chat: '在线客服' },
};

const SVG = 'http://www.w3.org/2000/svg';
const CHAT_ICON =
  'M4 5.5A2.5 2.5 0 016.5 3h11A2.5 2.5 0 0120 5.5v8a2.5 2.5 0 01-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 014 13.5z';
const CLOSE_ICON = 'M6 6l12 12M18 6L6 18';

// Inside a shadow root: the host page's CSS cannot reach it, and it cannot leak out (open, so
// tests and the page's own tools can find the iframe; the isolation that matters is the iframe).
const CSS = `
:host{all:initial}
.root{position:fixed;z-index:2147483000;bottom:calc(20px + var(--dy,0px));right:calc(20px + var(--dx,0px));font-family:system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif}
.root.left{right:auto;left:calc(20px + var(--vx,0px))}
.launcher{position:relative;display:grid;place-items:center;width:60px;height:60px;padding:0;border:0;border-radius:50%;background:var(--accent,#2563eb);color:var(--on-accent,#fff);box-shadow:0 8px 24px rgba(15,23,42,.25);cursor:pointer;transition:transform .15s}
.launcher:hover{transform:scale(1.05)}
.launcher:focus-visible{outline:3px solid rgba(37,99,235,.5);outline-offset:3px}
.launcher svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.launcher .x,.open .launcher .bubble{display:none}
.open .launcher .x{display:block}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;border:2px solid #fff;border-radius:11px;background:#ef4444;color:#fff;font:700 12px/18px system-ui,sans-serif;text-align:center}
.badge[hidden]{display:none}
.panel{position:absolute;bottom:76px;right:0;width:min(380px,calc(100vw - 40px));height:min(640px,calc(100vh - 116px));border-radius:16px;overflow:hidden;background:#fff;box-shadow:0 16px 48px rgba(15,23,42,.28);opacity:0;visibility:hidden;transform:translateY(12px) scale(.98);transform-origin:bottom right;transition:opacity .18s,transform .18s,visibility 0s .18s}
.left .panel{right:auto;left:0;transform-origin:bottom left}
.open .panel{opacity:1;visibility:visible;transform:none;transition:opacity .18s,transform .18s}
iframe{display:block;width:100%;height:100%;border:0;color-scheme:light}
@media (max-width:480px){.open .panel{position:fixed;inset:auto;left:var(--vx,0px);top:var(--vy,0px);width:var(--vw,100vw);height:var(--vh,100vh);border-radius:0}.open .launcher{display:none}}
@media (prefers-reduced-motion:reduce){.panel,.open .panel,.launcher{transition:none}}
`;

function svgIcon(doc: Document, className: string, d: string): SVGSVGElement {
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', className);
  const path = doc.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  svg.appendChild(path);
  return svg;
}

/**
 * Puts the launcher bubble and the chat iframe on the page and returns the JS API. The
 * launcher lives in a shadow root; the chat runs in an iframe on the server origin,
 * reached only through `postMessage` with explicit target origins.
 */
export function createWidget(options: WidgetOptions): WidgetApi {
  const doc = document;
  const win = window;
  const serverOrigin = new URL(options.server, win.location.href).origin;
  const overrides = {
    color: safeColor(options.color),
    position: safePosition(options.position),
    language: safeLanguage(options.language),
  };
  const frameUrl = new URL(options.frameUrl ?? '/widget/frame.html', `${serverOrigin}/`);
  if (frameUrl.origin !== serverOrigin) throw new Error('frameUrl must be on the server origin');
  frameUrl.searchParams.set('key', options.widgetKey);
  frameUrl.searchParams.set('origin', win.location.origin);
  if (overrides.color) frameUrl.searchParams.set('color', overrides.color);
  if (overrides.position) frameUrl.searchParams.set('position', overrides.position);
  if (overrides.language) frameUrl.searchParams.set('language', overrides.language);

  let isOpen = false;
  let unread = 0;
  let frameReady = false;
  let identity: Identity | null = null;
  /** Sent to the iframe: the page's choice (options, `setLanguage`). */
  let language: Language | null = overrides.language;
  /** What the iframe shows, for the launcher's labels. */
  let shown: Language | null = overrides.language;
  let destroyed = false;
  const listeners = new Map<keyof WidgetEvents, Set<(payload: never) => void>>();
  const chime = createChime(win);

  // DOM: <unique-support-widget> with a shadow root holding the launcher and the panel.
  const host = doc.createElement('unique-support-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = CSS;
  const root = doc.createElement('div');
  root.className = `root ${overrides.position ?? 'right'}`;
  if (overrides.color) {
    root.style.setProperty('--accent', overrides.color);
    root.style.setProperty('--on-accent', readableOn(overrides.color));
  }
  const panel = doc.createElement('div');
  panel.className = 'panel';
  const iframe = doc.createElement('iframe');
  iframe.src = frameUrl.href;
  iframe.referrerPolicy = 'origin';
  iframe.setAttribute('allow', 'clipboard-write');
  panel.appendChild(iframe);
  const launcher = doc.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-haspopup', 'dialog');
  const badge = doc.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  launcher.append(svgIcon(doc, 'bubble', CHAT_ICON), svgIcon(doc, 'x', CLOSE_ICON), badge);
  launcher.onclick = () => {
    if (isOpen) return api.close();
    openChat(true);
  };
  root.append(panel, launcher);
  shadow.append(style, root);

  /**
   * On phones, pins the launcher and the full-screen chat to what is visible (the visual
   * viewport): a page wider than the screen, pinch zoom or the on-screen keyboard would
   * otherwise push them out of sight.
   */
  function fitToViewport(): void {
    const viewport = win.visualViewport;
    const vars = ['--dx', '--dy', '--vx', '--vy', '--vw', '--vh'];
    if (!viewport || !small.matches) {
      for (const name of vars) root.style.removeProperty(name);
      return;
    }
    const px = (n: number) => `${Math.max(0, Math.round(n))}px`;
    root.style.setProperty('--dx', px(win.innerWidth - viewport.offsetLeft - viewport.width));
    root.style.setProperty('--dy', px(win.innerHeight - viewport.offsetTop - viewport.height));
    root.style.setProperty('--vx', px(viewport.offsetLeft));
    root.style.setProperty('--vy', px(viewport.offsetTop));
    root.style.setProperty('--vw', px(viewport.width));
    root.style.setProperty('--vh', px(viewport.height));
  }
  const small = win.matchMedia('(max-width: 480px)');
  win.visualViewport?.addEventListener('resize', fitToViewport);
  win.visualViewport?.addEventListener('scroll', fitToViewport);
  win.addEventListener('resize', fitToViewport);

  function labels() {
    const tag = shown ?? (win.navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
    return LABELS[tag];
  }

  function renderLauncher(): void {
    const text = labels();
    launcher.setAttribute('aria-label', isOpen ? text.close : text.open);
    launcher.setAttribute('aria-expanded', String(isOpen));
    iframe.title = text.chat;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0 || isOpen;
  }

  function emit<K extends keyof WidgetEvents>(event: K, payload: WidgetEvents[K]): void {
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        (listener as (p: WidgetEvents[K]) => void)(payload);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  /** To the iframe, on the server origin only; before it is ready, `init` will carry the state. */
  function post(message: HostToFrame): void {
    if (!frameReady || destroyed) return;
    iframe.contentWindow?.postMessage({ ...message, source: BRIDGE_SOURCE }, serverOrigin);
  }

  function onMessage(event: MessageEvent): void {
    if (event.source !== iframe.contentWindow || event.origin !== serverOrigin) return;
    const message = readEnvelope<FrameToHost>(event.data);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        frameReady = true;
        post({ type: 'init', pageUrl: win.location.href, open: isOpen, identity, language });
        break;
      case 'appearance': {
        const color = safeColor(message.color);
        if (color) {
          root.style.setProperty('--accent', color);
          root.style.setProperty('--on-accent', readableOn(color));
        }
        root.className = `root ${safePosition(message.position) ?? 'right'}${isOpen ? ' open' : ''}`;
        shown = safeLanguage(message.language) ?? shown;
        renderLauncher();
        break;
      }
      case 'close':
        api.close();
        launcher.focus();
        break;
      case 'unread': {
        const count = Math.max(0, Math.floor(Number(message.count) || 0));
        const louder = count > unread;
        unread = count;
        renderLauncher();
        if (message.sound && louder && (!isOpen || doc.hidden)) chime.play();
        emit('unread', { count });
        break;
      }
      case 'message':
        emit('message', message.message);
        break;
    }
  }
  win.addEventListener('message', onMessage);

  /** Opens; `focus` only for the visitor's own click (a page opening the chat must not steal focus). */
  function openChat(focus: boolean): void {
    if (isOpen || destroyed) return;
    isOpen = true;
    root.classList.add('open');
    renderLauncher();
    post({ type: 'open', focus });
    if (focus) iframe.focus();
    emit('open', undefined);
  }

  const api: WidgetApi = {
    open: () => openChat(false),
    close() {
      if (!isOpen || destroyed) return;
      isOpen = false;
      root.classList.remove('open');
      renderLauncher();
      post({ type: 'close' });
      emit('close', undefined);
    },
    toggle() {
      if (isOpen) api.close();
      else api.open();
    },
    identify(next) {
      identity = { ...identity, ...next };
      post({ type: 'identify', identity: next });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    setLanguage(next) {
      const checked = safeLanguage(next);
      if (!checked) return;
      language = checked;
      shown = checked;
      renderLauncher();
      post({ type: 'language', language: checked });
    },
    get isOpen() {
      return isOpen;
    },
    get unread() {
      return unread;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      win.removeEventListener('message', onMessage);
      win.visualViewport?.removeEventListener('resize', fitToViewport);
      win.visualViewport?.removeEventListener('scroll', fitToViewport);
      win.removeEventListener('resize', fitToViewport);
      chime.destroy();
      host.remove();
      listeners.clear();
    },
  };

  renderLauncher();
  fitToViewport();
  (options.container ?? doc.body).appendChild(host);
  if (options.open) api.open();
  return api;
}
