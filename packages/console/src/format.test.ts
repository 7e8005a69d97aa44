import { describe, expect, it } from 'vitest';
import {
  browserSummary,
  fileSize,
  initials,
  milliseconds,
  percent,
  previewLine,
  safeUrl,
  seconds,
  shortId,
  shortTime,
  usd,
  waitingTime,
} from './format.ts';

describe('format', () => {
  const now = Date.parse('2026-03-10T12:00:00.000Z');
  it('gives short relative times', () => {
    expect(shortTime('2026-03-10T11:59:50.000Z', now, 'en')).toBe('now');
    expect(shortTime('2026-03-10T11:55:00.000Z', now, 'en')).toBe('5m');
    expect(shortTime('2026-03-10T09:00:00.000Z', now, 'en')).toBe('3h');
    expect(shortTime('2026-03-10T11:55:00.000Z', now, 'zh-CN')).toBe('5 分钟');
    expect(shortTime('not a date', now, 'en')).toBe('');
    expect(waitingTime('2026-03-10T11:59:50.000Z', now, 'en')).toBe('<1m');
    expect(waitingTime('2026-03-10T11:48:00.000Z', now, 'en')).toBe('12m');
    expect(waitingTime('2026-03-10T09:00:00.000Z', now, 'zh-CN')).toBe('3小时');
  });
  it('makes initials of Latin and Chinese names', () => {
    expect(initials('Emma Wilson')).toBe('EW');
    expect(initials('emma')).toBe('E');
    expect(initials('李娜')).toBe('李');
    expect(initials('  ')).toBe('?');
  });
  it('only links http(s) and same-origin paths', () => {
    expect(safeUrl('https://shop.example/a')).toBe('https://shop.example/a');
    expect(safeUrl('/api/v1/uploads/up_1/a.png')).toBe('/api/v1/uploads/up_1/a.png');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('//evil.example/x')).toBeNull();
    expect(safeUrl('data:text/html,<b>')).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
  it('formats sizes, ids, previews and browsers', () => {
    expect(fileSize(512)).toBe('512 B');
    expect(fileSize(1536)).toBe('1.5 KB');
    expect(fileSize(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(shortId('vi_mwww3vsbEGpx')).toBe('EGPX');
    expect(previewLine('a\n\n  b', 10)).toBe('a b');
    expect(previewLine('abcdefghijkl', 5)).toBe('abcd…');
    expect(
      browserSummary(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
      ),
    ).toBe('Chrome · macOS');
    expect(browserSummary(null)).toBeNull();
  });
  it('formats durations in ms and seconds, rates and dollars', () => {
    expect(milliseconds(0, 'en')).toBe('0 ms');
    expect(milliseconds(3.4, 'en')).toBe('3 ms');
    expect(milliseconds(999, 'en')).toBe('999 ms');
    expect(milliseconds(1234, 'en')).toBe('1.23 s');
    expect(milliseconds(12_345, 'en')).toBe('12.3 s');
    expect(milliseconds(125_000, 'en')).toBe('2m 05s');
    expect(milliseconds(-5, 'en')).toBe('0 ms');
    expect(milliseconds(null, 'en')).toBe('—');
    expect(seconds(42, 'en')).toBe('42s');
    expect(seconds(59.6, 'en')).toBe('1m');
    expect(seconds(185, 'en')).toBe('3m 05s');
    expect(seconds(7800, 'en')).toBe('2h 10m');
    expect(seconds(3600, 'en')).toBe('1h');
    expect(seconds(97_200, 'en')).toBe('1d 3h');
    expect(seconds(185, 'zh-CN')).toBe('3分5秒');
    expect(seconds(7200, 'zh-CN')).toBe('2小时');
    expect(seconds(null, 'en')).toBe('—');
    expect(seconds(Number.NaN, 'en')).toBe('—');
    expect(percent(0.666)).toBe('67%');
    expect(percent(1)).toBe('100%');
    expect(percent(null)).toBe('—');
    expect(usd(0)).toBe('$0');
    expect(usd(0.00042)).toBe('$0.00042');
    expect(usd(0.000123)).toBe('$0.00012');
    expect(usd(1.255)).toBe('$1.26');
    expect(usd(1234.5)).toBe('$1,234.50');
    expect(usd(null)).toBe('—');
  });
});
