import { describe, expect, it } from 'vitest';
import { format, LANGUAGES, matchLanguage, pickLanguage, STRINGS } from './i18n.ts';

describe('i18n', () => {
  it('has every string, non-empty, in every language, with the same placeholders', () => {
    const keys = Object.keys(STRINGS.en).sort();
    for (const language of LANGUAGES) {
      const table = STRINGS[language] as Record<string, string>;
      expect(Object.keys(table).sort()).toEqual(keys);
      for (const key of keys) {
        expect(table[key]?.trim(), `${language}.${key}`).toBeTruthy();
        const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect(placeholders(table[key]!), `${language}.${key}`).toEqual(
          placeholders((STRINGS.en as Record<string, string>)[key]!),
        );
      }
    }
  });

  it('maps browser tags to a widget language', () => {
    expect(matchLanguage('zh')).toBe('zh-CN');
    expect(matchLanguage('zh-CN')).toBe('zh-CN');
    expect(matchLanguage('zh-Hans-SG')).toBe('zh-CN');
    expect(matchLanguage('ZH-tw')).toBe('zh-CN');
    expect(matchLanguage('en-GB')).toBe('en');
    expect(matchLanguage('fr-FR')).toBeNull();
    expect(matchLanguage('')).toBeNull();
    expect(matchLanguage(undefined)).toBeNull();
  });

  it('picks the visitor choice, then the page, then the workspace, then the browser, then English', () => {
    const browser = ['fr-FR', 'zh-CN', 'en'];
    expect(pickLanguage({ chosen: 'en', override: 'zh-CN', configured: 'zh-CN', browser })).toBe('en');
    expect(pickLanguage({ override: 'zh-CN', configured: 'en', browser })).toBe('zh-CN');
    expect(pickLanguage({ configured: 'en', browser })).toBe('en');
    expect(pickLanguage({ configured: null, browser })).toBe('zh-CN');
    expect(pickLanguage({ configured: 'auto', browser: ['en-US'] })).toBe('en');
    expect(pickLanguage({ browser: ['de', 'fr'] })).toBe('en');
    expect(pickLanguage({})).toBe('en');
  });

  it('fills placeholders with plain values and leaves unknown ones', () => {
    expect(format('Uploading {name}…', { name: '<b>x</b>.png' })).toBe('Uploading <b>x</b>.png…');
    expect(format('{n} of 5 {unknown}', { n: 4 })).toBe('4 of 5 {unknown}');
  });
});
