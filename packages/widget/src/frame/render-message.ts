import { type Doc, h } from './dom.ts';
import type { Strings } from './i18n.ts';
import type { AttachmentView, MessageView, Segment } from './message-view.ts';

/** Text runs as text nodes, links as `<a>` whose text is text and whose href was checked. */
export function renderSegments(doc: Doc, segments: Segment[]): Node[] {
  return segments.map((segment) =>
    segment.href
      ? h(
          doc,
          'a',
          { href: segment.href, target: '_blank', rel: 'noopener noreferrer nofollow' },
          segment.text,
        )
      : doc.createTextNode(segment.text),
  );
}

export function renderAttachment(doc: Doc, attachment: AttachmentView): HTMLElement {
  const label = `${attachment.name} · ${attachment.size}`;
  if (!attachment.url) return h(doc, 'span', { class: 'file' }, label);
  const link = { href: attachment.url, target: '_blank', rel: 'noopener noreferrer', title: label };
  if (attachment.kind === 'image') {
    return h(
      doc,
      'a',
      { ...link, class: 'image' },
      h(doc, 'img', { src: attachment.url, alt: attachment.name, loading: 'lazy' }),
    );
  }
  return h(
    doc,
    'a',
    { ...link, class: 'file' },
    h(doc, 'span', { class: 'clip', 'aria-hidden': 'true' }),
    label,
  );
}

/**
 * One message row: author line, bubble (text, links, attachments), interrupted marker.
 * `streaming` marks a bot answer still growing (its text is set by the caller).
 */
export function renderMessage(doc: Doc, view: MessageView, strings: Strings, streaming = false): HTMLElement {
  const media = view.segments.length === 0 && view.attachments.every((a) => a.kind === 'image' && a.url);
  const bubble = h(
    doc,
    'div',
    {
      class: media ? 'bubble media' : 'bubble',
      title: view.time ? new Date(view.time).toLocaleString() : null,
    },
    ...renderSegments(doc, view.segments),
  );
  if (view.attachments.length) {
    bubble.appendChild(
      h(doc, 'div', { class: 'attachments' }, ...view.attachments.map((a) => renderAttachment(doc, a))),
    );
  }
  return h(
    doc,
    'div',
    {
      class: `row ${view.side}${streaming ? ' streaming' : ''}`,
      'data-id': view.id,
      'data-seq': view.seq || null,
    },
    view.author ? h(doc, 'div', { class: 'author' }, view.author) : null,
    bubble,
    view.interrupted ? h(doc, 'div', { class: 'note' }, strings.interrupted) : null,
  );
}
