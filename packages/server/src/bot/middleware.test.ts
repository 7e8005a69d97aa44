import { describe, expect, it } from 'vitest';
import { asksForHuman } from './middleware.ts';

const DEFAULT_HANDOFF_KEYWORDS = ['转人工', '人工', 'human', 'agent'];

describe('asksForHuman', () => {
  it.each(['转人工', '我要人工服务', 'human please', 'Can I talk to an AGENT?', 'agent'])(
    'hands off on "%s"',
    (text) => {
      expect(asksForHuman(text, DEFAULT_HANDOFF_KEYWORDS)).toBe(true);
    },
  );

  it.each(['Where is my order?', 'humanity', 'the agenda', 'agents-only'])(
    'keeps "%s" with the bot',
    (text) => {
      expect(asksForHuman(text, DEFAULT_HANDOFF_KEYWORDS)).toBe(false);
    },
  );

  it('uses the configured keywords', () => {
    expect(asksForHuman('operator!', ['operator'])).toBe(true);
    expect(asksForHuman('human', ['operator'])).toBe(false);
  });
});
