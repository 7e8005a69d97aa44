/** Dates, ranges and chart scales of the reports page: pure, no React. */
import type { ReportDay, ReportFigures } from '../types.ts';

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The server's limit on a report's length. */
export const MAX_REPORT_DAYS = 366;

/** Milliseconds of a YYYY-MM-DD UTC day at midnight; NaN when it is not a real date. */
export function dayMs(date: string): number {
  const match = DATE_RE.exec(date);
  if (!match) return Number.NaN;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms : Number.NaN;
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return utcDay(dayMs(date) + days * DAY_MS);
}

/** Days from `from` to `to`, both included (0 when the range is not valid). */
export function daySpan(from: string, to: string): number {
  const a = dayMs(from);
  const b = dayMs(to);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return 0;
  return Math.round((b - a) / DAY_MS) + 1;
}

/** The last `days` UTC days, today included. */
export function lastDays(days: number, now: number): { from: string; to: string } {
  const to = utcDay(now);
  return { from: addDays(to, -(days - 1)), to };
}

export type RangeProblem = 'invalid' | 'order' | 'tooLong';

/** Why the server would refuse this range, or null. */
export function rangeProblem(from: string, to: string): RangeProblem | null {
  if (!Number.isFinite(dayMs(from)) || !Number.isFinite(dayMs(to))) return 'invalid';
  if (dayMs(to) < dayMs(from)) return 'order';
  if (daySpan(from, to) > MAX_REPORT_DAYS) return 'tooLong';
  return null;
}

export function emptyFigures(): ReportFigures {
  const duration = { count: 0, medianSeconds: null, p90Seconds: null, averageSeconds: null };
  return {
    conversations: 0,
    resolved: 0,
    firstResponse: { ...duration },
    resolution: { ...duration },
    csat: { count: 0, average: null, scores: [0, 0, 0, 0, 0] },
    bot: {
      conversations: 0,
      deflected: 0,
      deflectionRate: null,
      turns: 0,
      llmCalls: 0,
      cacheHits: 0,
      costUsd: 0,
      costSavedUsd: 0,
    },
  };
}

/** Every day of the range once, in order: a day the server left out has zeros (and no medians). */
export function fillDays(from: string, to: string, days: readonly ReportDay[]): ReportDay[] {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const span = Math.min(daySpan(from, to), MAX_REPORT_DAYS);
  const out: ReportDay[] = [];
  for (let i = 0; i < span; i++) {
    const date = addDays(from, i);
    out.push(byDate.get(date) ?? { date, ...emptyFigures() });
  }
  return out;
}

export type ScaleKind = 'count' | 'duration' | 'percent';

/** Round steps for durations, in seconds: seconds, minutes, hours, days. */
const DURATION_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
  432_000, 864_000,
];

/**
 * A y axis from 0 that holds `max`, with about `ticks` round steps: 1-2-5 steps for counts,
 * clock steps for durations (seconds), 25 % steps for rates (0..1, always up to 100 %).
 */
export function niceScale(max: number, kind: ScaleKind, ticks = 4): { max: number; ticks: number[] } {
  if (kind === 'percent') return { max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  let step: number;
  if (kind === 'duration') {
    const raw = Math.max(top / ticks, 1);
    step = DURATION_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 864_000) * 864_000;
  } else {
    // Counts are whole: the smallest step is 1.
    const raw = Math.max(top / ticks, 1);
    const power = 10 ** Math.floor(Math.log10(raw));
    const unit = [1, 2, 5, 10].find((m) => m * power >= raw - 1e-9)!;
    step = unit * power;
  }
  const steps = Math.max(1, Math.ceil(top / step - 1e-9));
  const list: number[] = [];
  for (let i = 0; i <= steps; i++) list.push(i * step);
  return { max: steps * step, ticks: list };
}

/** Show every n-th date label so that about `most` fit under a chart. */
export function labelEvery(count: number, most = 8): number {
  return Math.max(1, Math.ceil(count / most));
}

/** "Mar 3" / "3月3日" for a UTC day. */
export function shortDate(date: string, locale: string): string {
  const ms = dayMs(date);
  if (!Number.isFinite(ms)) return date;
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(ms);
}

/** "Mon, Mar 3" / "3月3日周一" for a UTC day (tooltips, the hidden tables). */
export function longDate(date: string, locale: string): string {
  const ms = dayMs(date);
  if (!Number.isFinite(ms)) return date;
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(ms);
}

/** The largest non-null value of some series (0 when there is none). */
export function seriesMax(series: readonly (readonly (number | null)[])[]): number {
  let max = 0;
  for (const values of series)
    for (const v of values) if (v !== null && Number.isFinite(v) && v > max) max = v;
  return max;
}
