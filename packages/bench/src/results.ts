import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

/** The machine, for every result file. */
export function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'cpu',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()}`,
  };
}

/** Writes `bench-results/<date>-<scenario>.json` (git-ignored) and returns its path. */
export function writeResults(scenario: string, data: unknown): string {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${stamp}-${scenario}.json`);
  const json = JSON.stringify(
    { scenario, at: new Date().toISOString(), machine: machine(), ...(data as object) },
    (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value),
    2,
  );
  writeFileSync(path, `${json}\n`);
  return path;
}

/**
 * "target X", or "target X: missed by Y" when `value` is on the wrong side of `limit`.
 * `atLeast`: the value must be ≥ limit (else ≤).
 */
export function target(
  label: string,
  value: number,
  limit: number,
  atLeast: boolean,
  unit: (n: number) => string,
): string {
  const ok = atLeast ? value >= limit : value <= limit;
  if (ok || Number.isNaN(value)) return label;
  if (!Number.isFinite(value)) return `${label} — MISSED (not delivered)`;
  const gap = Math.abs(value - limit);
  const relative = limit !== 0 ? ` (${((gap / limit) * 100).toFixed(0)}%)` : '';
  return `${label} — MISSED by ${unit(gap)}${relative}`;
}
