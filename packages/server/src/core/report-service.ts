import type { BotTurnOutcome, DurationStats, Report, ReportFigures } from '@unique-support/protocol';
import { AppError } from '../errors.ts';
import type { ReportRows, Store } from '../store/store.ts';
import { type Principal, requireAdmin } from './principal.ts';

/** Longest period of one report, in days. */
export const MAX_REPORT_DAYS = 366;

/** Turns in which the bot itself answered the visitor. */
const ANSWERED: ReadonlySet<BotTurnOutcome> = new Set(['llm', 'cache', 'rules', 'knowledge']);
const DAY_MS = 86_400_000;

/**
 * Reports for admins over whole UTC days: volume, first response and resolution times, CSAT,
 * the bot's deflection rate (conversations it answered that never reached a human), and what
 * the answer cache saved. Conversations count on the day they were created, bot turns on the
 * day they ran.
 */
export class ReportService {
  constructor(private readonly store: Pick<Store, 'reportRows'>) {}

  async report(principal: Principal, period: { from: string; to: string }): Promise<Report> {
    requireAdmin(principal);
    const fromMs = parseDay(period.from, 'from');
    const toMs = parseDay(period.to, 'to');
    if (toMs < fromMs) throw new AppError('BAD_REQUEST', '"to" must not be before "from"');
    const dayCount = (toMs - fromMs) / DAY_MS + 1;
    if (dayCount > MAX_REPORT_DAYS) {
      throw new AppError('BAD_REQUEST', `a report covers at most ${MAX_REPORT_DAYS} days`);
    }
    const rows = await this.store.reportRows(
      principal.workspaceId,
      new Date(fromMs).toISOString(),
      new Date(toMs + DAY_MS).toISOString(),
    );
    const meanModelCost = meanCostOfModelAnswers(rows);
    const days = Array.from({ length: dayCount }, (_, i) => {
      const date = new Date(fromMs + i * DAY_MS).toISOString().slice(0, 10);
      const onDay = (iso: string) => iso.startsWith(date);
      return {
        date,
        ...figures(
          {
            conversations: rows.conversations.filter((c) => onDay(c.createdAt)),
            botTurns: rows.botTurns.filter((t) => onDay(t.startedAt)),
          },
          meanModelCost,
        ),
      };
    });
    return { from: period.from, to: period.to, totals: figures(rows, meanModelCost), days };
  }
}

/** The report's days as CSV, one line each, with a header. */
export function reportCsv(report: Report): string {
  const header = [
    'date',
    'conversations',
    'resolved',
    'first_response_median_s',
    'first_response_p90_s',
    'resolution_median_s',
    'csat_average',
    'csat_count',
    'bot_conversations',
    'deflection_rate',
    'llm_calls',
    'cache_hits',
    'cost_usd',
    'cost_saved_usd',
  ];
  const cell = (value: number | string | null) => (value === null ? '' : String(value));
  const lines = report.days.map((d) =>
    [
      d.date,
      d.conversations,
      d.resolved,
      d.firstResponse.medianSeconds,
      d.firstResponse.p90Seconds,
      d.resolution.medianSeconds,
      d.csat.average,
      d.csat.count,
      d.bot.conversations,
      d.bot.deflectionRate,
      d.bot.llmCalls,
      d.bot.cacheHits,
      d.bot.costUsd,
      d.bot.costSavedUsd,
    ]
      .map(cell)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

function figures(rows: ReportRows, meanModelCost: number): ReportFigures {
  const { conversations, botTurns } = rows;
  const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
  const firstResponse = conversations.flatMap((c) =>
    c.firstResponseAt ? [seconds(c.queuedAt ?? c.createdAt, c.firstResponseAt)] : [],
  );
  const resolution = conversations.flatMap((c) =>
    c.status === 'resolved' && c.resolvedAt ? [seconds(c.createdAt, c.resolvedAt)] : [],
  );
  const scores: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const c of conversations) if (c.rating) scores[c.rating.score - 1]! += 1;
  const rated = scores.reduce((a, b) => a + b, 0);

  const answeredIn = new Set(botTurns.filter((t) => ANSWERED.has(t.outcome)).map((t) => t.conversationId));
  const handedOff = new Set(botTurns.filter((t) => t.handedOff).map((t) => t.conversationId));
  const botConversations = conversations.filter((c) => answeredIn.has(c.id));
  const deflected = botConversations.filter(
    (c) => !handedOff.has(c.id) && c.queuedAt === null && c.assigneeId === null && c.firstResponseAt === null,
  ).length;
  const cacheHits = botTurns.filter((t) => t.outcome === 'cache').length;

  return {
    conversations: conversations.length,
    resolved: conversations.filter((c) => c.status === 'resolved').length,
    firstResponse: durationStats(firstResponse),
    resolution: durationStats(resolution),
    csat: {
      count: rated,
      average: rated === 0 ? null : round(scores.reduce((sum, n, i) => sum + n * (i + 1), 0) / rated, 2),
      scores,
    },
    bot: {
      conversations: botConversations.length,
      deflected,
      deflectionRate: botConversations.length === 0 ? null : round(deflected / botConversations.length, 4),
      turns: botTurns.length,
      llmCalls: botTurns.filter((t) => t.outcome === 'llm').length,
      cacheHits,
      costUsd: round(
        botTurns.reduce((sum, t) => sum + t.costUsd, 0),
        6,
      ),
      costSavedUsd: round(cacheHits * meanModelCost, 6),
    },
  };
}

function meanCostOfModelAnswers(rows: ReportRows): number {
  const calls = rows.botTurns.filter((t) => t.outcome === 'llm');
  return calls.length === 0 ? 0 : calls.reduce((sum, t) => sum + t.costUsd, 0) / calls.length;
}

function durationStats(values: number[]): DurationStats {
  if (values.length === 0) return { count: 0, medianSeconds: null, p90Seconds: null, averageSeconds: null };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianSeconds: round(percentile(sorted, 0.5), 1),
    p90Seconds: round(percentile(sorted, 0.9), 1),
    averageSeconds: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 1),
  };
}

/** Linear interpolation between the closest ranks. */
function percentile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function parseDay(text: string, name: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new AppError('BAD_REQUEST', `"${name}" must be a date like 2026-11-26`);
  }
  return ms;
}
