import { describe, expect, it } from 'vitest';
import {
  readableOn,
  readEnvelope,
  safeColor,
  safeLanguage,
  safePosition,
  verifiedParentOrigin,
} from './bridge.ts';

describe('bridge', () => {
  it('accepts only its own envelopes', () => {
    expect(readEnvelope({ source: 'unique-support', type: 'open' })).toEqual({
      source: 'unique-support',
      type: 'open',
    });
    expect(readEnvelope({ source: 'other', type: 'open' })).toBeNull();
    expect(readEnvelope({ source: 'unique-support' })).toBeNull();
    expect(readEnvelope('unique-support:open')).toBeNull();
    expect(readEnvelope(null)).toBeNull();
  });

  it('checks colours, positions and languages before they reach CSS or the URL', () => {
    expect(safeColor('#FF8800')).toBe('#ff8800');
    expect(safeColor('#abc')).toBe('#abc');
    expect(safeColor('red')).toBeNull();
    expect(safeColor('#fff;background:url(x)')).toBeNull();
    expect(safeColor(undefined)).toBeNull();
    expect(safePosition('left')).toBe('left');
    expect(safePosition('top')).toBeNull();
    expect(safeLanguage('zh-CN')).toBe('zh-CN');
    expect(safeLanguage('zh')).toBeNull();
  });

  it('picks readable text on the accent colour', () => {
    expect(readableOn('#2563eb')).toBe('#ffffff');
    expect(readableOn('#000')).toBe('#ffffff');
    expect(readableOn('#fde047')).toBe('#111827');
    expect(readableOn('#fff')).toBe('#111827');
  });
});

describe('verifiedParentOrigin', () => {
  const shop = 'https://shop.example.com';
  it('trusts the claimed origin only when the real parent has it', () => {
    expect(verifiedParentOrigin(shop, { framed: true, ancestor: shop, referrer: '' })).toBe(shop);
    expect(
      verifiedParentOrigin(shop, { framed: true, ancestor: 'https://evil.example', referrer: '' }),
    ).toBeNull();
    expect(verifiedParentOrigin(shop, { framed: true, ancestor: undefined, referrer: `${shop}/` })).toBe(
      shop,
    );
    expect(
      verifiedParentOrigin(shop, { framed: true, ancestor: undefined, referrer: 'https://evil.example/' }),
    ).toBeNull();
  });

  it('wants a bare origin, and a parent at all', () => {
    expect(verifiedParentOrigin(`${shop}/page`, { framed: true, ancestor: shop, referrer: '' })).toBeNull();
    expect(verifiedParentOrigin('*', { framed: true, ancestor: shop, referrer: '' })).toBeNull();
    expect(verifiedParentOrigin('null', { framed: true, ancestor: 'null', referrer: '' })).toBeNull();
    expect(verifiedParentOrigin(null, { framed: true, ancestor: shop, referrer: '' })).toBeNull();
    expect(verifiedParentOrigin(shop, { framed: false, ancestor: undefined, referrer: '' })).toBeNull();
  });
});
