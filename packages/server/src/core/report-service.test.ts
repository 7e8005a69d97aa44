import { describe, expect, it } from 'vitest';
import type { ReportRows } from '../store/store.ts';
import type { Principal } from './principal.ts';
import { ReportService, reportCsv } from './report-service.ts';

const admin: Principal = { type: 'agent', id: 'ag_1', workspaceId: 'ws_1', name: 'A', role: 'admin' };
const agent: Principal = { ...admin, id: 'ag_2', role: 'agent' };

/** A known data set over 2026-11-01 and 2026-11-02. */
const conversation = (
  c: Partial<ReportRows['conversations'][number]> & { id: string; createdAt: string },
) => ({
  status: 'bot' as const,
  assigneeId: null,
  queuedAt: null,
  firstResponseAt: null,
  resolvedAt: null,
  rating: null,
  ...c,
});
const rows: ReportRows = {
  conversations: [
    conversation({
      id: 'c1',
      createdAt: '2026-11-01T10:00:00.000Z',
      queuedAt: '2026-11-01T10:05:00.000Z',
      firstResponseAt: '2026-11-01T10:06:00.000Z',
      resolvedAt: '2026-11-01T10:30:00.000Z',
      status: 'resolved',
      assigneeId: 'ag_1',
      rating: { score: 5, comment: null },
    }),
    conversation({ id: 'c2', createdAt: '2026-11-01T12:00:00.000Z' }),
    conversation({
      id: 'c3',
      createdAt: '2026-11-02T09:00:00.000Z',
      queuedAt: '2026-11-02T09:01:00.000Z',
      firstResponseAt: '2026-11-02T09:04:00.000Z',
      resolvedAt: '2026-11-02T10:00:00.000Z',
      status: 'resolved',
      assigneeId: 'ag_1',
      rating: { score: 3, comment: 'ok' },
    }),
    conversation({ id: 'c4', createdAt: '2026-11-02T11:00:00.000Z' }),
  ],
  botTurns: [
    {
      conversationId: 'c1',
      startedAt: '2026-11-01T10:00:05.000Z',
      outcome: 'llm',
      handedOff: false,
      costUsd: 0.004,
    },
    {
      conversationId: 'c2',
      startedAt: '2026-11-01T12:00:01.000Z',
      outcome: 'llm',
      handedOff: false,
      costUsd: 0.002,
    },
    {
      conversationId: 'c3',
      startedAt: '2026-11-02T09:00:10.000Z',
      outcome: 'cache',
      handedOff: false,
      costUsd: 0,
    },
    {
      conversationId: 'c3',
      startedAt: '2026-11-02T09:00:40.000Z',
      outcome: 'handoff',
      handedOff: true,
      costUsd: 0,
    },
    {
      conversationId: 'c4',
      startedAt: '2026-11-02T11:00:05.000Z',
      outcome: 'cache',
      handedOff: false,
      costUsd: 0,
    },
  ],
};

function service() {
  const asked: [string, string, string][] = [];
  const reports = new ReportService({
    reportRows: async (workspaceId, from, to) => {
      asked.push([workspaceId, from, to]);
      return rows;
    },
  });
  return { reports, asked };
}

describe('ReportService', () => {
  it('computes the figures of a known data set, in total and per UTC day', async () => {
    const { reports, asked } = service();
    const report = await reports.report(admin, { from: '2026-11-01', to: '2026-11-02' });
    expect(asked).toEqual([['ws_1', '2026-11-01T00:00:00.000Z', '2026-11-03T00:00:00.000Z']]);

    expect(report.totals).toEqual({
      conversations: 4,
      resolved: 2,
      firstResponse: { count: 2, medianSeconds: 120, p90Seconds: 168, averageSeconds: 120 },
      resolution: { count: 2, medianSeconds: 2700, p90Seconds: 3420, averageSeconds: 2700 },
      csat: { count: 2, average: 4, scores: [0, 0, 1, 0, 1] },
      bot: {
        conversations: 4,
        deflected: 2, // c2 and c4: the bot answered, no human was ever asked for
        deflectionRate: 0.5,
        turns: 5,
        llmCalls: 2,
        cacheHits: 2,
        costUsd: 0.006,
        costSavedUsd: 0.006, // 2 hits × 0.003, the mean cost of a model answer
      },
    });
    expect(report.days.map((d) => d.date)).toEqual(['2026-11-01', '2026-11-02']);
    const [first, second] = report.days;
    expect(first).toMatchObject({
      conversations: 2,
      resolved: 1,
      firstResponse: { count: 1, medianSeconds: 60 },
      resolution: { count: 1, medianSeconds: 1800 },
      csat: { count: 1, average: 5 },
      bot: {
        conversations: 2,
        deflected: 1,
        deflectionRate: 0.5,
        llmCalls: 2,
        cacheHits: 0,
        costUsd: 0.006,
        costSavedUsd: 0,
      },
    });
    expect(second).toMatchObject({
      conversations: 2,
      resolved: 1,
      firstResponse: { count: 1, medianSeconds: 180 },
      resolution: { count: 1, medianSeconds: 3600 },
      csat: { count: 1, average: 3 },
      bot: { conversations: 2, deflected: 1, llmCalls: 0, cacheHits: 2, costUsd: 0, costSavedUsd: 0.006 },
    });

    expect(reportCsv(report).split('\r\n')).toEqual([
      'date,conversations,resolved,first_response_median_s,first_response_p90_s,resolution_median_s,csat_average,csat_count,bot_conversations,deflection_rate,llm_calls,cache_hits,cost_usd,cost_saved_usd',
      '2026-11-01,2,1,60,60,1800,5,1,2,0.5,2,0,0.006,0',
      '2026-11-02,2,1,180,180,3600,3,1,2,0.5,0,2,0,0.006',
      '',
    ]);
  });

  it('gives empty days nulls, not zeros, where there is nothing to measure', async () => {
    const reports = new ReportService({ reportRows: async () => ({ conversations: [], botTurns: [] }) });
    const report = await reports.report(admin, { from: '2026-02-28', to: '2026-03-01' });
    expect(report.days.map((d) => d.date)).toEqual(['2026-02-28', '2026-03-01']);
    expect(report.totals).toMatchObject({
      conversations: 0,
      firstResponse: { count: 0, medianSeconds: null },
      csat: { count: 0, average: null },
      bot: { deflectionRate: null, costSavedUsd: 0 },
    });
  });

  it('refuses non-admins, bad dates, reversed and too long periods', async () => {
    const { reports } = service();
    await expect(reports.report(agent, { from: '2026-11-01', to: '2026-11-02' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    for (const [from, to] of [
      ['2026-11-31', '2026-12-01'],
      ['2026/11/01', '2026-11-02'],
      ['yesterday', '2026-11-02'],
      ['2026-11-02', '2026-11-01'],
      ['2025-01-01', '2026-11-02'],
    ] as const) {
      await expect(reports.report(admin, { from, to })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
  });
});
