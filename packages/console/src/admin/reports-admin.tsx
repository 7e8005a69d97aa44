import { type ReactNode, useMemo, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { toast } from '../console-context.ts';
import { percent, seconds, usd } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n.ts';
import { Icon, type IconName } from '../icons.tsx';
import type { Report } from '../types.ts';
import { errorText, Spinner } from '../ui.tsx';
import { AdminSectionFrame, Unavailable } from './admin-section.tsx';
import { BarChart, LineChart } from './charts.tsx';
import { fillDays, lastDays, longDate, type RangeProblem, rangeProblem, shortDate } from './report-math.ts';
import { useResource } from './use-resource.ts';

type Preset = 7 | 30 | 'custom';

const PROBLEM_TEXT: Record<RangeProblem, MessageKey> = {
  invalid: 'reports.invalid',
  order: 'reports.order',
  tooLong: 'reports.tooLong',
};

/** CSAT 1 → 5, red to green. */
const SCORE_COLORS = ['#d92d20', '#ef6820', '#e5a50b', '#66b04a', '#17803d'];

/** Saves a blob under a file name (the bearer token rules out a plain link). */
function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ReportsAdmin() {
  const { t, language } = useI18n();
  const [preset, setPreset] = useState<Preset>(7);
  const [range, setRange] = useState(() => lastDays(7, Date.now()));
  const [draft, setDraft] = useState(range);
  const [exporting, setExporting] = useState(false);
  const problem = rangeProblem(draft.from, draft.to);
  const report = useResource<Report>(
    () => api.report(range.from, range.to).then((b) => b.report),
    `${range.from}/${range.to}`,
  );

  const choose = (next: Preset) => {
    setPreset(next);
    if (next === 'custom') return;
    const value = lastDays(next, Date.now());
    setRange(value);
    setDraft(value);
  };
  const edit = (field: 'from' | 'to', value: string) => {
    const next = { ...draft, [field]: value };
    setPreset('custom');
    setDraft(next);
    if (rangeProblem(next.from, next.to) === null) setRange(next);
  };

  const exportCsv = async () => {
    setExporting(true);
    try {
      const { blob, filename } = await api.reportCsv(range.from, range.to);
      saveBlob(blob, filename ?? `report-${range.from}-${range.to}.csv`);
      toast({ text: t('reports.exported'), tone: 'success' }, 2000);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setExporting(false);
    }
  };

  const data = report.data;
  const days = useMemo(() => (data ? fillDays(data.from, data.to, data.days) : []), [data]);
  const forbidden = report.error instanceof ApiError && report.error.status === 403;

  return (
    <AdminSectionFrame
      title={t('admin.reports')}
      intro={t('reports.intro')}
      actions={
        <button
          type="button"
          className="button"
          onClick={exportCsv}
          disabled={exporting || report.missing || forbidden}
          data-testid="reports-export"
        >
          {exporting ? <Spinner size={12} /> : <Icon name="download" />}
          {t('reports.export')}
        </button>
      }
    >
      <div className="card reports-toolbar">
        <div className="segmented" role="radiogroup" aria-label={t('reports.period')}>
          {([7, 30, 'custom'] as const).map((p) => (
            // biome-ignore lint/a11y/useSemanticElements: a segmented control styled like the widget page's
            <button
              key={p}
              type="button"
              role="radio"
              aria-checked={preset === p}
              className={preset === p ? 'active' : ''}
              onClick={() => choose(p)}
              data-testid={`reports-preset-${p}`}
            >
              {p === 7 ? t('reports.last7') : p === 30 ? t('reports.last30') : t('reports.custom')}
            </button>
          ))}
        </div>
        <label className="reports-date">
          <span>{t('reports.from')}</span>
          <input
            type="date"
            value={draft.from}
            max={draft.to}
            onChange={(e) => edit('from', e.target.value)}
            aria-invalid={problem !== null}
            data-testid="reports-from"
          />
        </label>
        <label className="reports-date">
          <span>{t('reports.to')}</span>
          <input
            type="date"
            value={draft.to}
            min={draft.from}
            onChange={(e) => edit('to', e.target.value)}
            aria-invalid={problem !== null}
            data-testid="reports-to"
          />
        </label>
        {report.loading && <Spinner size={14} />}
        {problem && (
          <span className="reports-problem" role="alert">
            {t(PROBLEM_TEXT[problem])}
          </span>
        )}
      </div>

      {report.missing ? (
        <Unavailable text={t('reports.unavailable')} />
      ) : forbidden ? (
        <div className="notice">
          <Icon name="lock" />
          {t('admin.adminOnly')}
        </div>
      ) : report.error && !data ? (
        <div className="notice warn">{errorText(t, report.error)}</div>
      ) : !data ? (
        <div className="pad">
          <Spinner />
        </div>
      ) : (
        <ReportBody report={data} days={days} language={language} />
      )}
    </AdminSectionFrame>
  );
}

function ReportBody({ report, days, language }: { report: Report; days: Report['days']; language: string }) {
  const { t } = useI18n();
  const totals = report.totals;
  const labels = days.map((d) => longDate(d.date, language));
  const axis = days.map((d) => shortDate(d.date, language));
  const count = (v: number) => String(Math.round(v));
  const time = (v: number) => seconds(v, language);
  return (
    <>
      <div className="stat-grid" data-testid="report-totals">
        <Stat
          icon="message"
          label={t('reports.conversations')}
          value={String(totals.conversations)}
          sub={t('reports.resolvedCount', { count: totals.resolved })}
          testId="report-conversations"
        />
        <Stat
          icon="clock"
          label={t('reports.firstResponse')}
          value={seconds(totals.firstResponse.medianSeconds, language)}
          sub={t('reports.p90', {
            time: seconds(totals.firstResponse.p90Seconds, language),
            count: totals.firstResponse.count,
          })}
          testId="report-first-response"
        />
        <Stat
          icon="checkCircle"
          label={t('reports.resolution')}
          value={seconds(totals.resolution.medianSeconds, language)}
          sub={t('reports.p90', {
            time: seconds(totals.resolution.p90Seconds, language),
            count: totals.resolution.count,
          })}
          testId="report-resolution"
        />
        <Stat
          icon="star"
          label={t('reports.csat')}
          value={totals.csat.average === null ? '—' : `${totals.csat.average.toFixed(1)} / 5`}
          sub={t(totals.csat.count === 1 ? 'reports.rating' : 'reports.ratings', {
            count: totals.csat.count,
          })}
          testId="report-csat"
        />
        <Stat
          icon="sparkles"
          label={t('reports.deflection')}
          value={percent(totals.bot.deflectionRate)}
          sub={t('reports.deflectionSub', {
            deflected: totals.bot.deflected,
            total: totals.bot.conversations,
          })}
          testId="report-deflection"
        />
        <Stat
          icon="zap"
          label={t('reports.saved')}
          value={String(totals.bot.cacheHits)}
          sub={t('reports.savedSub', { calls: totals.bot.llmCalls })}
          testId="report-cache-hits"
        />
        <Stat
          icon="shield"
          label={t('reports.costSaved')}
          value={usd(totals.bot.costSavedUsd)}
          sub={t('reports.costSub', { cost: usd(totals.bot.costUsd) })}
          testId="report-cost-saved"
        />
      </div>

      {totals.conversations === 0 && (
        <div className="notice">
          <Icon name="chart" />
          {t('reports.noData')}
        </div>
      )}

      <ChartCard>
        <BarChart
          title={t('reports.chart.conversations')}
          labels={labels}
          axisLabels={axis}
          labelHeader={t('reports.date')}
          scale="count"
          format={count}
          series={[
            {
              name: t('reports.series.conversations'),
              values: days.map((d) => d.conversations),
              color: 'var(--brand)',
            },
          ]}
          testId="chart-conversations"
        />
      </ChartCard>
      <ChartCard>
        <LineChart
          title={t('reports.chart.times')}
          labels={labels}
          axisLabels={axis}
          labelHeader={t('reports.date')}
          scale="duration"
          format={time}
          series={[
            {
              name: t('reports.series.firstResponse'),
              values: days.map((d) => d.firstResponse.medianSeconds),
              color: 'var(--assigned)',
            },
            {
              name: t('reports.series.resolution'),
              values: days.map((d) => d.resolution.medianSeconds),
              color: 'var(--resolved)',
            },
          ]}
          testId="chart-times"
        />
      </ChartCard>
      <div className="two-cards">
        <ChartCard>
          <BarChart
            title={t('reports.chart.csat')}
            labels={['1 ★', '2 ★', '3 ★', '4 ★', '5 ★']}
            axisLabels={['1 ★', '2 ★', '3 ★', '4 ★', '5 ★']}
            labelHeader={t('reports.score')}
            scale="count"
            format={count}
            series={[
              {
                name: t('reports.series.ratings'),
                values: totals.csat.scores,
                color: 'var(--brand)',
                colors: SCORE_COLORS,
              },
            ]}
            testId="chart-csat"
          />
        </ChartCard>
        <ChartCard>
          <BarChart
            title={t('reports.chart.deflection')}
            labels={labels}
            axisLabels={axis}
            labelHeader={t('reports.date')}
            scale="percent"
            format={(v) => percent(v)}
            series={[
              {
                name: t('reports.series.deflection'),
                values: days.map((d) => d.bot.deflectionRate),
                color: 'var(--bot)',
              },
            ]}
            testId="chart-deflection"
          />
        </ChartCard>
      </div>
      <ChartCard>
        <BarChart
          title={t('reports.chart.cache')}
          labels={labels}
          axisLabels={axis}
          labelHeader={t('reports.date')}
          scale="count"
          format={count}
          series={[
            {
              name: t('reports.series.cacheHits'),
              values: days.map((d) => d.bot.cacheHits),
              color: 'var(--resolved)',
            },
            {
              name: t('reports.series.llmCalls'),
              values: days.map((d) => d.bot.llmCalls),
              color: 'var(--bot)',
            },
          ]}
          testId="chart-cache"
        />
      </ChartCard>
    </>
  );
}

function ChartCard({ children }: { children: ReactNode }) {
  return <div className="card chart-card">{children}</div>;
}

function Stat({
  icon,
  label,
  value,
  sub,
  testId,
}: {
  icon: IconName;
  label: string;
  value: string;
  sub: string;
  testId: string;
}) {
  return (
    <div className="card stat" data-testid={testId}>
      <div className="stat-label">
        <Icon name={icon} size={14} />
        {label}
      </div>
      <div className="stat-value" data-testid={`${testId}-value`}>
        {value}
      </div>
      <div className="stat-sub">{sub}</div>
    </div>
  );
}
