/**
 * unique-support-web for bundlers: the React component and the JS API.
 *
 *   import { ChatWidget, createWidget } from 'unique-support-web';
 */
export type { Identity, Language, Position, WidgetMessage } from './bridge.ts';
export { ChatWidget, type ChatWidgetProps } from './chat-widget.ts';
export { createWidget, type WidgetApi, type WidgetEvents, type WidgetOptions } from './create-widget.ts';
