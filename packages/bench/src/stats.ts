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
