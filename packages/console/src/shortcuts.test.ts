import { describe, expect, it } from 'vitest';
import { cannedQuery, expandCanned, insertCanned, matchCanned, shortcutAction } from './shortcuts.ts';

describe('shortcutAction', () => {
  it('maps single keys outside text fields', () => {
    expect(shortcutAction({ key: 'j' })).toBe('next');
    expect(shortcutAction({ key: 'k' })).toBe('previous');
    expect(shortcutAction({ key: 'r' })).toBe('reply');
    expect(shortcutAction({ key: 'e' })).toBe('resolve');
    expect(shortcutAction({ key: 't' })).toBe('takeOver');
    expect(shortcutAction({ key: '?', shiftKey: true })).toBe('help');
    expect(shortcutAction({ key: '/' })).toBe('search');
    expect(shortcutAction({ key: '3' })).toBe('tab3');
    expect(shortcutAction({ key: 'x' })).toBeNull();
  });
  it('leaves typing alone', () => {
    expect(shortcutAction({ key: 'j', editable: true })).toBeNull();
    expect(shortcutAction({ key: '/', editable: true })).toBeNull();
    expect(shortcutAction({ key: 'e', isComposing: true })).toBeNull();
    expect(shortcutAction({ key: 'Escape', editable: true })).toBe('escape');
  });
  it('ignores browser shortcuts but takes Ctrl/Cmd+K for search', () => {
    expect(shortcutAction({ key: 'r', ctrlKey: true })).toBeNull();
    expect(shortcutAction({ key: 'e', metaKey: true })).toBeNull();
    expect(shortcutAction({ key: 'k', metaKey: true })).toBe('search');
    expect(shortcutAction({ key: 'K', ctrlKey: true, editable: true })).toBe('search');
  });
});

describe('canned replies in the composer', () => {
  const replies = [
    { id: '1', shortcut: 'refund', text: 'Your refund is on its way.' },
    { id: '2', shortcut: 'hello', text: 'Hi {name}!' },
    { id: '3', shortcut: 'shipping', text: 'We ship worldwide; refunds take 5 days.' },
  ];
  it('finds the /query at the caret', () => {
    expect(cannedQuery('/', 1)).toEqual({ start: 0, query: '' });
    expect(cannedQuery('/ref', 4)).toEqual({ start: 0, query: 'ref' });
    expect(cannedQuery('thanks /He', 10)).toEqual({ start: 7, query: 'he' });
    expect(cannedQuery('a/b', 3)).toBeNull();
    expect(cannedQuery('see https://x.io/path', 21)).toBeNull();
    expect(cannedQuery('/ref and more', 13)).toBeNull();
    expect(cannedQuery('你好 /退款', 6)).toEqual({ start: 3, query: '退款' });
  });
  it('ranks shortcut prefixes before text matches', () => {
    expect(matchCanned(replies, '').map((r) => r.shortcut)).toEqual(['hello', 'refund', 'shipping']);
    expect(matchCanned(replies, 're').map((r) => r.shortcut)).toEqual(['refund', 'shipping']);
    expect(matchCanned(replies, 'hel').map((r) => r.shortcut)).toEqual(['hello']);
    expect(matchCanned(replies, 'refund').map((r) => r.shortcut)).toEqual(['refund', 'shipping']);
    expect(matchCanned(replies, 'zzz')).toEqual([]);
  });
  it('fills placeholders and replaces the query', () => {
    expect(expandCanned('Hi {name}, I am {agent}. {unknown}', { name: 'Emma', agent: 'Alex' })).toBe(
      'Hi Emma, I am Alex. {unknown}',
    );
    expect(expandCanned('Hi {{ name }}!', { name: 'Li' })).toBe('Hi Li!');
    expect(insertCanned('thanks /he', 7, 10, 'Hello!')).toEqual({ text: 'thanks Hello!', caret: 13 });
  });
});
