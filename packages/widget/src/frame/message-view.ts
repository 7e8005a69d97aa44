import type { Attachment, Author, Message } from '@unique-support/protocol';
import { format, type Strings } from './i18n.ts';

/**
 * What the widget shows of a message, as plain data: the DOM layer puts every string in
 * with `textContent` or as an attribute value, and every URL in here went through
 * `safeUrl`. Nothing is ever parsed as HTML.
 */
export interface MessageView {
  id: string;
  seq: number;
  /** `visitor` on the right; `other` (agent, bot) on the left; `system` centred. */
  side: 'visitor' | 'other' | 'system';
  /** Shown above messages of agents and the bot; null for the visitor's own. */
  author: string | null;
  segments: Segment[];
  attachments: AttachmentView[];
  interrupted: boolean;
  /** ISO time, for a tooltip. */
  time: string;
}

/** A run of text, or a link whose `href` is a checked http(s) URL. */
export type Segment = { text: string; href?: string };

export interface AttachmentView {
  kind: 'image' | 'file';
  name: string;
  /** Absolute http(s) URL, or null when the server sent something else (then nothing links). */
  url: string | null;
  size: string;
}

/** http(s) URLs only, resolved against `base`; anything else (`javascript:`, `data:`...) is null. */
export function safeUrl(url: string, base: string): string | null {
  try {
    const parsed = new URL(url, base);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"。，；：！？）】」』]+$/;

/** Splits text into plain runs and http(s) links (trailing punctuation stays text). */
export function splitLinks(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const raw = match[0].replace(TRAILING, '');
    const start = match.index ?? 0;
    const href = raw.length > 'https://'.length ? safeUrl(raw, 'http://invalid') : null;
    if (!href) continue;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length || segments.length === 0) segments.push({ text: text.slice(last) });
  return segments;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Inline previews for raster images and SVG (an `<img>` never runs a script inside an SVG). */
const IMAGE = /^image\/(png|jpe?g|gif|webp|avif|bmp|svg\+xml)$/i;

export function attachmentView(attachment: Attachment, base: string): AttachmentView {
  return {
    kind: IMAGE.test(attachment.contentType) ? 'image' : 'file',
    name: attachment.name,
    url: safeUrl(attachment.url, base),
    size: formatSize(attachment.size),
  };
}

export function authorName(author: Author, strings: Strings): string {
  // The bot is named in the visitor's language (the server's name for it is English).
  if (author.type === 'bot') return strings.bot;
  if (author.type === 'agent') return author.name || strings.agent;
  if (author.type === 'system') return strings.system;
  return strings.you;
}

/** The view of a stored message; `base` resolves relative attachment URLs (the server origin). */
export function messageView(message: Message, strings: Strings, base: string): MessageView {
  const { author } = message;
  const side = author.type === 'visitor' ? 'visitor' : author.type === 'system' ? 'system' : 'other';
  return {
    id: message.id,
    seq: message.seq,
    side,
    author: side === 'other' ? authorName(author, strings) : null,
    segments: message.text ? splitLinks(message.text) : [],
    attachments: (message.attachments ?? []).map((a) => attachmentView(a, base)),
    interrupted: message.interrupted === true,
    time: message.createdAt,
  };
}

/** "Alice is typing…" */
export function typingLabel(author: Author, strings: Strings): string {
  const name = author.type === 'visitor' ? strings.someone : authorName(author, strings);
  return format(strings.typing, { name });
}

export const starLabel = (n: number, strings: Strings) => format(strings.rateStar, { n });
