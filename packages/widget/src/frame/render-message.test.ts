import type { Message } from '@unique-support/protocol';
import { describe, expect, it } from 'vitest';
import { type Doc, h } from './dom.ts';
import { STRINGS } from './i18n.ts';
import { messageView } from './message-view.ts';
import { renderMessage } from './render-message.ts';

/**
 * A DOM with just what the renderer may use. Anything that parses markup throws, so a
 * test passes only if the renderer builds nodes one by one.
 */
class FakeNode {
  parentNode: FakeElement | null = null;
  readonly childNodes: FakeNode[] = [];
  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join('');
  }
}
class FakeText extends FakeNode {
  constructor(readonly data: string) {
    super();
  }
  override get textContent(): string {
    return this.data;
  }
}
class FakeElement extends FakeNode {
  className = '';
  readonly attributes = new Map<string, string>();
  constructor(readonly tagName: string) {
    super();
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  appendChild(child: FakeNode): FakeNode {
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  set innerHTML(_: string) {
    throw new Error('innerHTML used');
  }
  set outerHTML(_: string) {
    throw new Error('outerHTML used');
  }
  insertAdjacentHTML(): void {
    throw new Error('insertAdjacentHTML used');
  }
  /** Every element below, depth first. */
  all(): FakeElement[] {
    return this.childNodes.flatMap((c) => (c instanceof FakeElement ? [c, ...c.all()] : []));
  }
}

const doc = {
  createElement: (tag: string) => new FakeElement(tag),
  createElementNS: (_ns: string, tag: string) => new FakeElement(tag),
  createTextNode: (text: string) => new FakeText(text),
} as unknown as Doc;

const XSS = '<img src=x onerror=alert(1)>';
const BASE = 'https://support.example.com';

function render(patch: Partial<Message>): FakeElement {
  const message: Message = {
    id: 'msg_1',
    conversationId: 'cv_1',
    seq: 7,
    author: { type: 'agent', id: 'ag_1', name: 'Alice' },
    text: '',
    clientMessageId: null,
    createdAt: '2026-11-26T01:00:00.000Z',
    ...patch,
  };
  return renderMessage(doc, messageView(message, STRINGS.en, BASE), STRINGS.en) as unknown as FakeElement;
}

describe('renderMessage', () => {
  it('renders markup in a message as text nodes, never as elements', () => {
    const row = render({ text: `${XSS} and <script>alert(2)</script>` });
    const bubble = row.all().find((e) => e.className === 'bubble')!;
    expect(bubble.textContent).toBe(`${XSS} and <script>alert(2)</script>`);
    expect(bubble.childNodes.every((c) => c instanceof FakeText)).toBe(true);
    expect(row.all().map((e) => e.tagName)).toEqual(['div', 'div']);
  });

  it('also keeps an author name and a file name as text', () => {
    const row = render({
      author: { type: 'agent', id: 'a', name: XSS },
      attachments: [
        { id: 'a1', name: XSS, contentType: 'application/pdf', size: 10, url: '/api/v1/uploads/a1/x.pdf' },
      ],
    });
    expect(row.all().find((e) => e.className === 'author')!.textContent).toBe(XSS);
    const link = row.all().find((e) => e.tagName === 'a')!;
    expect(link.textContent).toBe(`${XSS} · 10 B`);
    expect(link.attributes.get('href')).toBe(`${BASE}/api/v1/uploads/a1/x.pdf`);
    expect(row.all().some((e) => e.tagName === 'img')).toBe(false);
  });

  it('shows an image through an <img> whose src is the checked server URL', () => {
    const row = render({
      attachments: [
        { id: 'a1', name: 'tea.png', contentType: 'image/png', size: 10, url: '/api/v1/uploads/a1/tea.png' },
      ],
    });
    const img = row.all().find((e) => e.tagName === 'img')!;
    expect(img.attributes.get('src')).toBe(`${BASE}/api/v1/uploads/a1/tea.png`);
    expect(img.attributes.get('alt')).toBe('tea.png');
    expect([...img.attributes.keys()].some((name) => name.startsWith('on'))).toBe(false);
  });

  it('links nothing when the server sends a URL that is not http(s)', () => {
    const row = render({
      text: 'javascript:alert(1)',
      attachments: [
        { id: 'a1', name: 'x.png', contentType: 'image/png', size: 1, url: 'javascript:alert(1)' },
      ],
    });
    expect(row.all().some((e) => e.tagName === 'a' || e.tagName === 'img')).toBe(false);
    expect(row.textContent).toContain('javascript:alert(1)');
  });

  it('links http(s) URLs in text, with the link text as text', () => {
    const row = render({ text: 'Track it: https://example.com/t?id=<b>1</b>' });
    const link = row.all().find((e) => e.tagName === 'a')!;
    expect(link.attributes.get('href')).toBe('https://example.com/t?id=');
    expect(link.attributes.get('rel')).toContain('noopener');
    expect(row.all().find((e) => e.className === 'bubble')!.textContent).toBe(
      'Track it: https://example.com/t?id=<b>1</b>',
    );
  });

  it('marks an interrupted answer', () => {
    const row = render({
      author: { type: 'bot', id: null, name: null },
      text: 'Half an ans',
      interrupted: true,
    });
    expect(row.all().find((e) => e.className === 'note')!.textContent).toBe(STRINGS.en.interrupted);
  });
});

describe('h', () => {
  it('refuses event-handler and style attributes', () => {
    expect(() => h(doc, 'img', { onerror: 'alert(1)' })).toThrow();
    expect(() => h(doc, 'div', { OnClick: 'x' })).toThrow();
    expect(() => h(doc, 'div', { style: 'color:red' })).toThrow();
  });
});
