/**
 * The only way the widget builds DOM: elements from a fixed tag name, attributes set one
 * by one, and text as text nodes. There is no path from a string to markup here (no
 * `innerHTML`, no `insertAdjacentHTML`), so message text can never become HTML.
 */

/** The part of `document` the widget builds with (a fake in unit tests). */
export type Doc = Pick<Document, 'createElement' | 'createTextNode' | 'createElementNS'>;

export type Child = Node | string | null | undefined | false;

/** Attribute values are data; keys are the widget's own (never `on…` or `style`). */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Doc,
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on|^style$/i.test(name)) throw new Error(`attribute ${name} is not allowed`);
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(doc, element, children);
  return element;
}

export function append(doc: Doc, parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
}

/** Replaces an element's children. */
export function replaceChildren(doc: Doc, parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(doc, parent, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A 24×24 stroked icon from the widget's own path data. */
export function icon(doc: Doc, ...paths: string[]): SVGSVGElement {
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  for (const d of paths) {
    const path = doc.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

export const ICONS = {
  close: 'M6 6l12 12M18 6L6 18',
  send: 'M4 12l16-8-6 16-2.5-6.5z M11.5 13.5L20 4',
  attach: 'M20 11.5l-8 8a5 5 0 01-7-7l8.5-8.5a3.3 3.3 0 014.7 4.7l-8.5 8.5a1.7 1.7 0 01-2.4-2.4l7.8-7.8',
  smile: 'M12 21a9 9 0 100-18 9 9 0 000 18z M8.5 14a4.5 4.5 0 007 0 M9 9.5h.01 M15 9.5h.01',
  headset: 'M4 14v-2a8 8 0 0116 0v2 M4 14h3v5H5a1 1 0 01-1-1z M20 14h-3v5h2a1 1 0 001-1z',
} as const;
