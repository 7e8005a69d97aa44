/** Percentile of a sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/** One printed line per figure, aligned. */
export function report(title: string, rows: [string, string, string?][]): void {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value, target] of rows) {
    console.log(`  ${name.padEnd(width)}  ${value.padStart(12)}${target ? `   (target ${target})` : ''}`);
  }
}

/** A table with a header row, columns aligned to the right. */
export function table(title: string, header: string[], rows: string[][]): void {
  console.log(`\n${title}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** 12,345 */
export const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '∞';

/** 1.23 ms, or "not delivered" for Infinity. */
export const msOrLost = (value: number) => (Number.isFinite(value) ? ms(value) : 'not delivered');
