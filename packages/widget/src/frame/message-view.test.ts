import type { Message } from '@unique-support/protocol';
import { describe, expect, it } from 'vitest';
import { STRINGS } from './i18n.ts';
import { attachmentView, formatSize, messageView, safeUrl, splitLinks, typingLabel } from './message-view.ts';

const BASE = 'https://support.example.com';
const XSS = '<img src=x onerror=alert(1)>';

function message(patch: Partial<Message> = {}): Message {
  return {
    id: 'msg_1',
    conversationId: 'cv_1',
    seq: 3,
    author: { type: 'agent', id: 'ag_1', name: 'Alice' },
    text: 'hello',
    clientMessageId: null,
    createdAt: '2026-11-26T01:00:00.000Z',
    ...patch,
  };
}

describe('messageView', () => {
  it('keeps markup in message text as the same characters', () => {
    for (const text of [
      XSS,
      '<script>alert(1)</script>',
      '&lt;b&gt; & "quotes"',
      '<a href="javascript:alert(1)">x</a>',
    ]) {
      const view = messageView(message({ text }), STRINGS.en, BASE);
      expect(view.segments.map((s) => s.text).join('')).toBe(text);
      expect(view.segments.every((s) => s.href === undefined)).toBe(true);
    }
  });

  it('puts the visitor on the right, agents and the bot on the left with a name, system messages in the middle', () => {
    const visitor = messageView(
      message({ author: { type: 'visitor', id: 'v', name: 'Vera' } }),
      STRINGS.en,
      BASE,
    );
    expect([visitor.side, visitor.author]).toEqual(['visitor', null]);
    const agent = messageView(message(), STRINGS.en, BASE);
    expect([agent.side, agent.author]).toEqual(['other', 'Alice']);
    const bot = messageView(
      message({ author: { type: 'bot', id: null, name: 'Assistant' } }),
      STRINGS['zh-CN'],
      BASE,
    );
    expect([bot.side, bot.author]).toEqual(['other', '智能助手']);
    const nameless = messageView(
      message({ author: { type: 'agent', id: 'a', name: null } }),
      STRINGS.en,
      BASE,
    );
    expect(nameless.author).toBe('Agent');
    expect(
      messageView(message({ author: { type: 'system', id: null, name: null } }), STRINGS.en, BASE).side,
    ).toBe('system');
  });

  it('marks an interrupted bot answer', () => {
    expect(messageView(message({ interrupted: true }), STRINGS.en, BASE).interrupted).toBe(true);
    expect(messageView(message(), STRINGS.en, BASE).interrupted).toBe(false);
  });

  it('shows images inline and other files as links, with server URLs only', () => {
    const view = messageView(
      message({
        text: '',
        attachments: [
          {
            id: 'a1',
            name: 'tea.png',
            contentType: 'image/png',
            size: 2048,
            url: '/api/v1/uploads/a1/tea.png',
          },
          {
            id: 'a2',
            name: 'bill.pdf',
            contentType: 'application/pdf',
            size: 5_000_000,
            url: '/api/v1/uploads/a2/bill.pdf',
          },
          { id: 'a3', name: XSS, contentType: 'image/png', size: 1, url: 'javascript:alert(1)' },
        ],
      }),
      STRINGS.en,
      BASE,
    );
    expect(view.segments).toEqual([]);
    expect(view.attachments).toEqual([
      { kind: 'image', name: 'tea.png', url: `${BASE}/api/v1/uploads/a1/tea.png`, size: '2.0 KB' },
      { kind: 'file', name: 'bill.pdf', url: `${BASE}/api/v1/uploads/a2/bill.pdf`, size: '4.8 MB' },
      { kind: 'image', name: XSS, url: null, size: '1 B' },
    ]);
  });
});

describe('splitLinks', () => {
  it('links http(s) URLs and leaves trailing punctuation as text', () => {
    expect(splitLinks('See https://example.com/a?b=1. Thanks')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: '. Thanks' },
    ]);
    expect(splitLinks('订单：https://shop.example.cn/o/1。')).toEqual([
      { text: '订单：' },
      { text: 'https://shop.example.cn/o/1', href: 'https://shop.example.cn/o/1' },
      { text: '。' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of [
      'javascript:alert(1)',
      'data:text/html,<script>x</script>',
      'vbscript:x',
      'http://',
    ]) {
      expect(splitLinks(text)).toEqual([{ text }]);
    }
  });

  it('keeps an empty text as one empty run', () => {
    expect(splitLinks('')).toEqual([{ text: '' }]);
  });
});

describe('safeUrl', () => {
  it('accepts http(s), absolute or relative to the server, and nothing else', () => {
    expect(safeUrl('/api/v1/uploads/x/y.png', BASE)).toBe(`${BASE}/api/v1/uploads/x/y.png`);
    expect(safeUrl('https://cdn.example.com/y.png', BASE)).toBe('https://cdn.example.com/y.png');
    expect(safeUrl('javascript:alert(1)', BASE)).toBeNull();
    expect(safeUrl(' JavaScript:alert(1)', BASE)).toBeNull();
    expect(safeUrl('data:image/svg+xml,<svg onload=alert(1)>', BASE)).toBeNull();
    expect(safeUrl('http://[bad', BASE)).toBeNull();
  });
});

describe('helpers', () => {
  it('formats sizes', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(200 * 1024)).toBe('200 KB');
    expect(formatSize(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('treats only known image types as images', () => {
    const view = (contentType: string) =>
      attachmentView({ id: 'a', name: 'f', contentType, size: 1, url: '/f' }, BASE).kind;
    expect(view('image/jpeg')).toBe('image');
    expect(view('image/webp')).toBe('image');
    expect(view('text/html')).toBe('file');
    expect(view('application/zip')).toBe('file');
  });

  it('names who is typing', () => {
    expect(typingLabel({ type: 'agent', id: 'a', name: 'Alice' }, STRINGS.en)).toBe('Alice is typing…');
    expect(typingLabel({ type: 'bot', id: null, name: null }, STRINGS['zh-CN'])).toBe('智能助手 正在输入…');
  });
});
