/**
 * The script merchants paste:
 *
 *   <script src="https://support.example.com/widget/loader.js" data-widget-key="wk_..." async></script>
 *
 * Reads `data-widget-key`, `data-server` (default: this script's origin), `data-color`,
 * `data-position`, `data-language` and `data-open` from its own tag, puts the widget on the
 * page and exposes the JS API as `window.UniqueSupport`. Calls queued before it loaded
 * (`window.UniqueSupport = [['identify', {...}], ['open']]`) are replayed in order.
 */
import type { Language, Position } from './bridge.ts';
import { createWidget, type WidgetApi } from './create-widget.ts';

type PublicApi = Pick<WidgetApi, 'open' | 'close' | 'toggle' | 'identify' | 'on' | 'setLanguage'>;
type Queued = [keyof PublicApi, ...unknown[]];

declare global {
  interface Window {
    UniqueSupport?: PublicApi | Queued[];
  }
}

function start(): void {
  const existing = window.UniqueSupport;
  if (existing && !Array.isArray(existing)) return; // loaded twice
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[data-widget-key]');
  const data = script?.dataset ?? {};
  if (!script || !data.widgetKey) {
    console.error('unique-support: the loader <script> needs data-widget-key');
    return;
  }
  const widget = createWidget({
    widgetKey: data.widgetKey,
    server: data.server || new URL(script.src, location.href).origin,
    color: data.color,
    position: data.position as Position | undefined,
    language: data.language as Language | undefined,
    open: data.open === 'true',
  });
  const api: PublicApi = Object.freeze({
    open: () => widget.open(),
    close: () => widget.close(),
    toggle: () => widget.toggle(),
    identify: (identity) => widget.identify(identity),
    on: (event, listener) => widget.on(event, listener),
    setLanguage: (language) => widget.setLanguage(language),
  });
  window.UniqueSupport = api;
  for (const [method, ...args] of Array.isArray(existing) ? existing : []) {
    const fn = api[method] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof fn === 'function') fn(...args);
  }
  window.dispatchEvent(new CustomEvent('unique-support:ready'));
}

if (document.body) start();
else document.addEventListener('DOMContentLoaded', start, { once: true });
