/**
 * Small SVG charts for the reports page: bars (grouped) and lines (with gaps for missing
 * values). No chart library. Each chart is one tab stop: hovering a column or moving through
 * them with the arrow keys shows its figures in the readout above the plot (announced to
 * screen readers), and a visually hidden table holds all the numbers.
 */
import { type KeyboardEvent, type PointerEvent, type RefObject, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n.ts';
import { labelEvery, niceScale, type ScaleKind, seriesMax } from './report-math.ts';

export interface Series {
  name: string;
  values: readonly (number | null)[];
  /** A CSS colour. */
  color: string;
  /** One colour per column instead (bars only). */
  colors?: readonly string[];
}

export interface ChartProps {
  title: string;
  /** Column names in full (readout, table). */
  labels: readonly string[];
  /** Column names under the axis (short); every n-th is shown when they are many. */
  axisLabels: readonly string[];
  series: readonly Series[];
  scale: ScaleKind;
  /** A value as text ("12", "3m 05s", "40%"); null is "—". */
  format: (value: number) => string;
  /** The column's header in the hidden table. */
  labelHeader: string;
  testId?: string;
  /** Taller or shorter than the default 180 px. */
  height?: number;
}

const PAD = { top: 10, right: 10, bottom: 24, left: 48 };

/** Width of an element, kept up to date (the SVG is drawn at its real size, so text stays crisp). */
function useWidth<T extends HTMLElement>(initial: number): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(200, Math.floor(el.getBoundingClientRect().width)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

function text(value: number | null | undefined, format: (v: number) => string): string {
  return value === null || value === undefined ? '—' : format(value);
}

export function BarChart(props: ChartProps) {
  return <Chart {...props} kind="bar" />;
}

export function LineChart(props: ChartProps) {
  return <Chart {...props} kind="line" />;
}

function Chart({
  title,
  labels,
  axisLabels,
  series,
  scale,
  format,
  labelHeader,
  testId,
  height = 180,
  kind,
}: ChartProps & { kind: 'bar' | 'line' }) {
  const { t } = useI18n();
  const [box, width] = useWidth<HTMLDivElement>(600);
  const [active, setActive] = useState<number | null>(null);
  const count = labels.length;
  const { max, ticks } = niceScale(seriesMax(series.map((s) => s.values)), scale);
  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = Math.max(1, height - PAD.top - PAD.bottom);
  const column = plotW / Math.max(1, count);
  const x = (i: number) => PAD.left + column * (i + 0.5);
  const y = (v: number) => PAD.top + plotH - (max > 0 ? (v / max) * plotH : 0);
  const every = labelEvery(count, Math.max(2, Math.floor(plotW / 56)));
  // Nothing at all to draw: no values (a 0 % rate or a 0 s median is a value; a count of 0 is not).
  const empty = series.every((s) => s.values.every((v) => v === null || (scale === 'count' && v === 0)));

  const readout =
    active === null
      ? null
      : `${labels[active]}: ${series.map((s) => `${s.name} ${text(s.values[active], format)}`).join(' · ')}`;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (count === 0) return;
    const current = active ?? count - 1;
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = Math.min(count - 1, current + 1);
    else if (event.key === 'ArrowLeft') next = Math.max(0, current - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = count - 1;
    if (next === null) return;
    event.preventDefault();
    setActive(next);
  };
  const onPointer = (event: PointerEvent<HTMLDivElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const i = Math.floor((event.clientX - rect.left - PAD.left) / column);
    setActive(i >= 0 && i < count ? i : null);
  };

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart-head">
        <span className="card-title">{title}</span>
        <span className="chart-readout">
          {readout ?? (
            <span className="chart-legend">
              {series.length > 1 &&
                series.map((s) => (
                  <span key={s.name} className="chart-key">
                    <span className="chart-swatch" style={{ background: s.color }} />
                    {s.name}
                  </span>
                ))}
            </span>
          )}
        </span>
      </figcaption>
      {/* One tab stop; the arrow keys walk the columns, read out as the slider's value. */}
      <div
        ref={box}
        className="chart-plot"
        role="slider"
        tabIndex={count > 0 ? 0 : -1}
        aria-label={title}
        aria-description={t('reports.chartHint')}
        aria-valuemin={1}
        aria-valuemax={Math.max(1, count)}
        aria-valuenow={(active ?? Math.max(0, count - 1)) + 1}
        aria-valuetext={readout ?? undefined}
        onKeyDown={onKeyDown}
        onFocus={() => setActive((a) => a ?? (count > 0 ? count - 1 : null))}
        onBlur={() => setActive(null)}
        onPointerMove={onPointer}
        onPointerLeave={() => setActive(null)}
      >
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
          {ticks.map((tick) => (
            <g key={tick} className="chart-grid">
              <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text x={PAD.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                {format(tick)}
              </text>
            </g>
          ))}
          {active !== null && (
            <rect
              className="chart-focus"
              x={PAD.left + column * active}
              y={PAD.top}
              width={column}
              height={plotH}
            />
          )}
          {kind === 'bar' ? (
            <Bars
              series={series}
              count={count}
              column={column}
              x={x}
              y={y}
              baseline={PAD.top + plotH}
              zeroMarks={scale !== 'count'}
            />
          ) : (
            <Lines series={series} count={count} x={x} y={y} active={active} />
          )}
          <line className="chart-axis" x1={PAD.left} x2={width - PAD.right} y1={y(0)} y2={y(0)} />
          {empty && (
            <text
              className="chart-empty"
              x={PAD.left + plotW / 2}
              y={PAD.top + plotH / 2}
              textAnchor="middle"
            >
              {t('reports.chartEmpty')}
            </text>
          )}
          {axisLabels.map((label, i) =>
            // Counted from the end, so the last day (today) always has its label.
            (count - 1 - i) % every === 0 ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
              <text key={i} className="chart-label" x={x(i)} y={height - 6} textAnchor="middle">
                {label}
              </text>
            ) : null,
          )}
        </svg>
      </div>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
            <tr key={i}>
              <th scope="row">{label}</th>
              {series.map((s) => (
                <td key={s.name}>{text(s.values[i], format)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Bars({
  series,
  count,
  column,
  x,
  y,
  baseline,
  zeroMarks,
}: {
  series: readonly Series[];
  count: number;
  column: number;
  x: (i: number) => number;
  y: (v: number) => number;
  baseline: number;
  /** Draw a stub for a 0 (a rate of 0 % is a figure; a missing day draws nothing). */
  zeroMarks: boolean;
}) {
  const group = Math.min(column * 0.72, 28 * series.length + 4 * (series.length - 1));
  const gap = series.length > 1 ? Math.min(3, group * 0.08) : 0;
  const bar = Math.max(1, (group - gap * (series.length - 1)) / series.length);
  const bars = [];
  for (let i = 0; i < count; i++) {
    const left = x(i) - group / 2;
    for (let s = 0; s < series.length; s++) {
      const one = series[s]!;
      const value = one.values[i];
      if (value === null || value === undefined || (value <= 0 && !zeroMarks)) continue;
      const top = Math.min(y(Math.max(0, value)), baseline - 3);
      bars.push(
        <rect
          key={`${i}:${s}`}
          x={left + s * (bar + gap)}
          y={top}
          width={bar}
          height={Math.max(1, baseline - top)}
          rx={Math.min(3, bar / 3)}
          fill={one.colors?.[i] ?? one.color}
        />,
      );
    }
  }
  return <g className="chart-bars">{bars}</g>;
}

function Lines({
  series,
  count,
  x,
  y,
  active,
}: {
  series: readonly Series[];
  count: number;
  x: (i: number) => number;
  y: (v: number) => number;
  active: number | null;
}) {
  return (
    <g className="chart-lines">
      {series.map((one) => {
        // A missing value breaks the line; a point alone gets a dot.
        let d = '';
        const dots: number[] = [];
        for (let i = 0; i < count; i++) {
          const value = one.values[i];
          if (value === null || value === undefined) continue;
          const previous = one.values[i - 1];
          const next = one.values[i + 1];
          const joined = i > 0 && previous !== null && previous !== undefined;
          d += `${joined ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
          const alone = !joined && (next === null || next === undefined);
          if (alone || count <= 31 || i === active) dots.push(i);
        }
        return (
          <g key={one.name}>
            {d && <path d={d} fill="none" stroke={one.color} strokeWidth={2} strokeLinejoin="round" />}
            {dots.map((i) => (
              <circle
                key={i}
                cx={x(i)}
                cy={y(one.values[i]!)}
                r={i === active ? 4.5 : 3}
                fill={i === active ? one.color : '#fff'}
                stroke={one.color}
                strokeWidth={2}
              />
            ))}
          </g>
        );
      })}
    </g>
  );
}
