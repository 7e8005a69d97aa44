import { describe, expect, it } from 'vitest';
import { savedState } from './saved-state.ts';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    map,
  };
}

describe('savedState', () => {
  it('keeps the visitor and its conversation per widget key', () => {
    const storage = memoryStorage();
    const a = savedState('wk_a', storage);
    a.update({ visitorToken: 't', visitorId: 'v1' });
    a.setConversation('v1', 'cv_1');
    const again = savedState('wk_a', storage);
    expect(again.get()).toMatchObject({ visitorToken: 't', visitorId: 'v1' });
    expect(again.conversationOf('v1')).toBe('cv_1');
    expect(savedState('wk_b', storage).get()).toEqual({});
    again.setConversation('v1', undefined);
    expect(savedState('wk_a', storage).conversationOf('v1')).toBeUndefined();
  });

  it('remembers the conversation of each of the last five visitors', () => {
    const state = savedState('wk_a', memoryStorage());
    for (let i = 1; i <= 7; i++) state.setConversation(`v${i}`, `cv_${i}`);
    state.setConversation('v4', 'cv_4b');
    expect(state.conversationOf('v1')).toBeUndefined();
    expect(state.conversationOf('v2')).toBeUndefined();
    expect(state.conversationOf('v3')).toBe('cv_3');
    expect(state.conversationOf('v4')).toBe('cv_4b');
    expect(state.conversationOf('v7')).toBe('cv_7');
    expect(state.conversationOf(undefined)).toBeUndefined();
  });

  it('works from memory when storage is missing, full or corrupt', () => {
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const state = savedState('wk_a', throwing);
    state.update({ visitorId: 'v1' });
    expect(state.get()).toEqual({ visitorId: 'v1' });
    const none = savedState('wk_a', null);
    none.update({ language: 'zh-CN' });
    expect(none.get()).toEqual({ language: 'zh-CN' });
    for (const junk of ['{not json', 'null', '42']) {
      const corrupt = memoryStorage();
      corrupt.map.set('unique-support:wk_a', junk);
      expect(savedState('wk_a', corrupt).get()).toEqual({});
    }
  });
});
