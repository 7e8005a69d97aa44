import { describe, expect, it } from 'vitest';
import { dictionaries, interpolate, pickLanguage, translator } from './i18n.ts';

describe('i18n', () => {
  it('has the same keys, all filled, in every language', () => {
    const english = Object.keys(dictionaries.en).sort();
    const chinese = Object.keys(dictionaries['zh-CN']).sort();
    expect(chinese).toEqual(english);
    for (const dictionary of Object.values(dictionaries)) {
      for (const [key, value] of Object.entries(dictionary)) expect(value.trim(), key).not.toBe('');
    }
  });
  it('uses the same placeholders in every language', () => {
    const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of Object.entries(dictionaries.en)) {
      expect(names(dictionaries['zh-CN'][key as keyof typeof dictionaries.en]), key).toEqual(names(value));
    }
  });
  it('picks Chinese for any zh browser, else English', () => {
    expect(pickLanguage(['zh-CN'])).toBe('zh-CN');
    expect(pickLanguage(['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLanguage(['fr-FR', 'zh'])).toBe('zh-CN');
    expect(pickLanguage(['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLanguage(['de-DE'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
  it('interpolates and keeps unknown placeholders visible', () => {
    expect(interpolate('Hi {name}', { name: 'Li' })).toBe('Hi Li');
    expect(interpolate('Hi {name}', {})).toBe('Hi {name}');
    expect(translator('zh-CN')('tab.queued')).toBe('排队中');
    expect(translator('en')('conv.assignedTo', { name: 'Mei' })).toBe('Assigned to Mei');
  });
});
