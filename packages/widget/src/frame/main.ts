import {
  BRIDGE_SOURCE,
  type FrameToHost,
  type HostToFrame,
  readEnvelope,
  safeColor,
  safeLanguage,
  safePosition,
  verifiedParentOrigin,
} from '../bridge.ts';
import { ChatApp } from './chat-app.ts';
import { savedState } from './saved-state.ts';

function boot(): void {
  const params = new URLSearchParams(location.search);
  const root = document.getElementById('app') ?? document.body;
  const widgetKey = params.get('key');
  if (!widgetKey) {
    root.textContent = 'unique-support: missing widget key';
    return;
  }
  const parentOrigin = verifiedParentOrigin(params.get('origin'), {
    framed: window.parent !== window,
    ancestor: location.ancestorOrigins?.[0],
    referrer: document.referrer,
  });
  const post = parentOrigin
    ? (message: FrameToHost) => window.parent.postMessage({ ...message, source: BRIDGE_SOURCE }, parentOrigin)
    : null;
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {}
  const app = new ChatApp({
    doc: document,
    win: window,
    root,
    widgetKey,
    base: location.origin,
    overrides: {
      color: safeColor(params.get('color')),
      position: safePosition(params.get('position')),
      language: safeLanguage(params.get('language')),
    },
    saved: savedState(widgetKey, storage),
    post,
  });
  if (parentOrigin) {
    window.addEventListener('message', (event) => {
      if (event.source !== window.parent || event.origin !== parentOrigin) return;
      const message = readEnvelope<HostToFrame>(event.data);
      if (message) app.receive(message);
    });
  }
  void app.start();
}

boot();
