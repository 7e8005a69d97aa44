import { describe, expect, it } from 'vitest';
import { parseRate, RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows max events per sliding window, per key', () => {
    let now = 1_000;
    const limiter = new RateLimiter({ max: 3, windowMs: 100 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    now += 99;
    expect(limiter.take('a')).toBe(false);
    now += 1;
    // The first three fell out of the window together.
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
  });

  it('a refused event does not count', () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 1, windowMs: 10 }, () => now);
    expect(limiter.take('a')).toBe(true);
    now = 5;
    expect(limiter.take('a')).toBe(false);
    now = 10;
    expect(limiter.take('a')).toBe(true);
  });

  it('forgets idle keys', () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 5, windowMs: 10 }, () => now);
    for (let i = 0; i < 500; i++) limiter.take(`k${i}`);
    now = 100;
    for (let i = 0; i < 500; i++) limiter.take('busy');
    expect(limiter.size).toBe(1);
  });
});

describe('parseRate', () => {
  it('reads count/window with a unit, seconds by default, and off', () => {
    expect(parseRate('20/10s')).toEqual({ max: 20, windowMs: 10_000 });
    expect(parseRate(' 5 / 2 ')).toEqual({ max: 5, windowMs: 2000 });
    expect(parseRate('100/1m')).toEqual({ max: 100, windowMs: 60_000 });
    expect(parseRate('3/500ms')).toEqual({ max: 3, windowMs: 500 });
    expect(parseRate('off')).toBeNull();
    expect(parseRate('0')).toBeNull();
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'fast', '20', '20/0s', '0/10s', '-1/10s', '20/10h']) {
      expect(() => parseRate(bad), bad).toThrow();
    }
  });
});
