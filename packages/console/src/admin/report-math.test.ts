import { describe, expect, it } from 'vitest';
import type { ReportDay } from '../types.ts';
import {
  addDays,
  dayMs,
  daySpan,
  emptyFigures,
  fillDays,
  labelEvery,
  lastDays,
  niceScale,
  rangeProblem,
  seriesMax,
  shortDate,
} from './report-math.ts';

describe('report math', () => {
  it('counts UTC days', () => {
    expect(dayMs('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(dayMs('2026-02-30')).toBeNaN();
    expect(dayMs('2026-3-1')).toBeNaN();
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(daySpan('2026-03-01', '2026-03-07')).toBe(7);
    expect(daySpan('2026-03-07', '2026-03-01')).toBe(0);
    // Late in the evening west of UTC it is already tomorrow in UTC: reports use UTC days.
    expect(lastDays(7, Date.parse('2026-03-10T23:30:00-05:00'))).toEqual({
      from: '2026-03-05',
      to: '2026-03-11',
    });
    expect(lastDays(30, Date.parse('2026-03-10T12:00:00Z'))).toEqual({
      from: '2026-02-09',
      to: '2026-03-10',
    });
  });

  it('says why the server would refuse a range', () => {
    expect(rangeProblem('2026-03-01', '2026-03-01')).toBeNull();
    expect(rangeProblem('', '2026-03-01')).toBe('invalid');
    expect(rangeProblem('2026-03-02', '2026-03-01')).toBe('order');
    expect(rangeProblem('2025-01-01', '2026-01-01')).toBeNull(); // 366 days
    expect(rangeProblem('2025-01-01', '2026-01-02')).toBe('tooLong');
  });

  it('fills the days the server left out with zeros and no medians', () => {
    const day: ReportDay = { date: '2026-03-02', ...emptyFigures(), conversations: 4 };
    const days = fillDays('2026-03-01', '2026-03-03', [day]);
    expect(days.map((d) => [d.date, d.conversations])).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 4],
      ['2026-03-03', 0],
    ]);
    expect(days[0]!.firstResponse.medianSeconds).toBeNull();
    expect(days[0]!.bot.deflectionRate).toBeNull();
    expect(fillDays('2026-03-03', '2026-03-01', [])).toEqual([]);
  });

  it('picks round axis steps', () => {
    expect(niceScale(0, 'count')).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceScale(3, 'count')).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
    expect(niceScale(7, 'count')).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceScale(37, 'count')).toEqual({ max: 40, ticks: [0, 10, 20, 30, 40] });
    expect(niceScale(1234, 'count').max).toBe(1500);
    // Durations step by clock units: 15 s, 5 min, 1 h...
    expect(niceScale(50, 'duration')).toEqual({ max: 60, ticks: [0, 15, 30, 45, 60] });
    expect(niceScale(1000, 'duration')).toEqual({ max: 1200, ticks: [0, 300, 600, 900, 1200] });
    expect(niceScale(4 * 3600 - 1, 'duration').ticks).toEqual([0, 3600, 7200, 10_800, 14_400]);
    expect(niceScale(0.3, 'percent')).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    for (const max of [1, 9, 11, 99, 101, 5000, 86_399]) {
      const scale = niceScale(max, 'count');
      expect(scale.max).toBeGreaterThanOrEqual(max);
      expect(scale.ticks.length).toBeLessThanOrEqual(6);
    }
  });

  it('thins axis labels and finds the largest value', () => {
    expect(labelEvery(7)).toBe(1);
    expect(labelEvery(30)).toBe(4);
    expect(labelEvery(366, 10)).toBe(37);
    expect(seriesMax([[1, null, 3], [null], [2]])).toBe(3);
    expect(seriesMax([[null]])).toBe(0);
    expect(shortDate('2026-03-01', 'en')).toBe('Mar 1');
    expect(shortDate('nope', 'en')).toBe('nope');
  });
});
