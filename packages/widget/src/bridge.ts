/**
 * Messages between the host page (loader / React component) and the chat iframe, sent with
 * `postMessage` to an explicit origin and accepted only from the expected window and origin:
 * host → iframe goes to the server origin; iframe → host goes to the parent origin named in
 * the iframe URL, which the iframe checks against its real ancestor.
 */
import type { Attributes } from '@unique-support/protocol';

export const BRIDGE_SOURCE = 'unique-support';

export type Language = 'en' | 'zh-CN';
export type Position = 'left' | 'right';

/** Who the visitor is, from the merchant's page (`identify`). */
export interface Identity {
  name?: string;
  email?: string;
  attributes?: Attributes;
  /** The merchant's user id, trusted only with `userHash` = HMAC-SHA256(secret, userId) in hex. */
  userId?: string;
  userHash?: string;
}

/** A message as the host page sees it (`on('message')`): text stays plain text. */
export interface WidgetMessage {
  id: string;
  conversationId: string;
  seq: number;
  author: { type: 'visitor' | 'agent' | 'bot' | 'system'; name: string | null };
  text: string;
  createdAt: string;
  attachments: { name: string; contentType: string; size: number; url: string }[];
}

export type HostToFrame =
  | { type: 'init'; pageUrl: string; open: boolean; identity: Identity | null; language: Language | null }
  /** `focus`: the visitor clicked the launcher, so the composer may take the focus. */
  | { type: 'open'; focus?: boolean }
  | { type: 'close' }
  | { type: 'identify'; identity: Identity }
  | { type: 'language'; language: Language };

export type FrameToHost =
  /** The iframe listens: the host sends `init`. */
  | { type: 'ready' }
  /** Look from the workspace settings and the page's overrides (sent once the config is known). */
  | { type: 'appearance'; color: string; position: Position; language: Language; title: string }
  /** The visitor closed the chat from inside (header button, Escape). */
  | { type: 'close' }
  | { type: 'unread'; count: number; sound: boolean }
  | { type: 'message'; message: WidgetMessage };

export type Envelope<T> = T & { source: typeof BRIDGE_SOURCE };

/** The payload of a bridge message, or null for anything else on the window's message channel. */
export function readEnvelope<T extends { type: string }>(data: unknown): T | null {
  if (typeof data !== 'object' || data === null) return null;
  const { source, type } = data as { source?: unknown; type?: unknown };
  return source === BRIDGE_SOURCE && typeof type === 'string' ? (data as T) : null;
}

/** `#rgb`/`#rrggbb` only (it ends up in CSS); anything else is null. */
export function safeColor(value: string | null | undefined): string | null {
  return value && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value.trim()) ? value.trim().toLowerCase() : null;
}

/** Black or white, whichever reads better on a `safeColor` value. */
export function readableOn(color: string): string {
  const hex = color.length === 4 ? color.replace(/[0-9a-f]/gi, (c) => c + c).slice(1) : color.slice(1);
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [
    number,
    number,
    number,
  ];
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  return luminance > 0.4 ? '#111827' : '#ffffff';
}

export function safePosition(value: string | null | undefined): Position | null {
  return value === 'left' || value === 'right' ? value : null;
}

export function safeLanguage(value: string | null | undefined): Language | null {
  return value === 'en' || value === 'zh-CN' ? value : null;
}

/**
 * The origin of the page that framed us, as the iframe URL claims it (`?origin=`), accepted
 * only when it is a bare origin that matches the real parent (`ancestorOrigins`, else the
 * referrer, which the loader sends as the origin). Null: no host page to talk to.
 */
export function verifiedParentOrigin(
  claimed: string | null,
  facts: { framed: boolean; ancestor: string | undefined; referrer: string },
): string | null {
  if (!claimed || !facts.framed) return null;
  let origin: string;
  try {
    origin = new URL(claimed).origin;
  } catch {
    return null;
  }
  if (origin !== claimed || origin === 'null') return null;
  if (facts.ancestor !== undefined) return facts.ancestor === origin ? origin : null;
  if (facts.referrer) {
    try {
      return new URL(facts.referrer).origin === origin ? origin : null;
    } catch {
      return null;
    }
  }
  // No way to check (no ancestorOrigins, no referrer): postMessage still delivers only to this origin.
  return origin;
}
