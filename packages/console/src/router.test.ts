import { describe, expect, it } from 'vitest';
import { parseRoute, routePath } from './router.ts';

describe('router', () => {
  const base = '/console/';
  it('parses console paths', () => {
    expect(parseRoute('/console/', base)).toEqual({ name: 'inbox', tab: 'all', conversationId: null });
    expect(parseRoute('/console/inbox/mine', base)).toEqual({
      name: 'inbox',
      tab: 'mine',
      conversationId: null,
    });
    expect(parseRoute('/console/inbox/queued/cv_1', base)).toEqual({
      name: 'inbox',
      tab: 'queued',
      conversationId: 'cv_1',
    });
    expect(parseRoute('/console/conversations/cv_2', base)).toEqual({
      name: 'inbox',
      tab: 'all',
      conversationId: 'cv_2',
    });
    expect(parseRoute('/console/admin/kb', base)).toEqual({ name: 'admin', section: 'kb' });
    expect(parseRoute('/console/admin/nope', base)).toEqual({ name: 'admin', section: 'agents' });
    expect(parseRoute('/console/admin/reports', base)).toEqual({ name: 'admin', section: 'reports' });
    expect(parseRoute('/console/admin/kb/kb_1', base)).toEqual({
      name: 'admin',
      section: 'kb',
      item: 'kb_1',
    });
    expect(parseRoute('/console/admin/bot/x', base)).toEqual({ name: 'admin', section: 'bot' });
    expect(parseRoute('/console/inbox/bogus', base)).toEqual({
      name: 'inbox',
      tab: 'all',
      conversationId: null,
    });
  });
  it('round-trips', () => {
    for (const path of [
      '/console/inbox/bot',
      '/console/inbox/mine/cv_9',
      '/console/admin/webhooks',
      '/console/admin/kb/kb_2',
    ]) {
      expect(routePath(parseRoute(path, base), base)).toBe(path);
    }
  });
});
