import { useEffect, useRef } from 'react';
import type { Identity } from './bridge.ts';
import { createWidget, type WidgetApi, type WidgetEvents, type WidgetOptions } from './create-widget.ts';

export interface ChatWidgetProps extends Omit<WidgetOptions, 'container' | 'open'> {
  /** Controls the chat: true opens it, false closes it; leave out to let the visitor decide. */
  open?: boolean;
  /** Who the visitor is (sent again whenever it changes). */
  identity?: Identity;
  onOpen?: () => void;
  onClose?: () => void;
  onMessage?: (message: WidgetEvents['message']) => void;
  onUnread?: (count: number) => void;
  /** Receives the JS API once the widget is on the page, and null when it is removed. */
  onReady?: (api: WidgetApi | null) => void;
}

/**
 * The chat widget for React apps: renders nothing in place, puts the launcher and the chat
 * iframe on the page while mounted.
 *
 * @example
 * <ChatWidget widgetKey="wk_..." server="https://support.example.com"
 *   identity={{ name: user.name, email: user.email }} onUnread={setUnread} />
 */
export function ChatWidget(props: ChatWidgetProps): null {
  const { widgetKey, server, frameUrl, color, position, open, language } = props;
  const latest = useRef(props);
  latest.current = props;
  const widget = useRef<WidgetApi | null>(null);
  const identityKey = JSON.stringify(props.identity ?? null);

  // The widget itself: made again only when what its iframe URL depends on changes.
  useEffect(() => {
    const current = latest.current;
    const api = createWidget({
      widgetKey,
      server,
      frameUrl,
      color,
      position,
      language: current.language,
      open: current.open,
    });
    if (current.identity) api.identify(current.identity);
    widget.current = api;
    const stops = [
      api.on('open', () => latest.current.onOpen?.()),
      api.on('close', () => latest.current.onClose?.()),
      api.on('message', (message) => latest.current.onMessage?.(message)),
      api.on('unread', ({ count }) => latest.current.onUnread?.(count)),
    ];
    current.onReady?.(api);
    return () => {
      for (const stop of stops) stop();
      api.destroy();
      widget.current = null;
      latest.current.onReady?.(null);
    };
  }, [widgetKey, server, frameUrl, color, position]);

  useEffect(() => {
    if (open === true) widget.current?.open();
    else if (open === false) widget.current?.close();
  }, [open]);

  useEffect(() => {
    if (language) widget.current?.setLanguage(language);
  }, [language]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: identityKey stands for the identity's content
  useEffect(() => {
    if (latest.current.identity) widget.current?.identify(latest.current.identity);
  }, [identityKey]);

  return null;
}
