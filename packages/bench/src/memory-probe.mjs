import { writeFileSync } from 'node:fs';

/**
 * A preload for the bench's server processes (`node --expose-gc --import
 * memory-probe.mjs ...`; cluster workers inherit it): on SIGUSR2 it writes the process's memory
 * before and after a full GC to `$BENCH_PROBE_DIR/<pid>.json`. It does nothing else, so the
 * server under test is the shipped one.
 */
const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    globalThis.gc?.();
    const after = process.memoryUsage();
    writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ pid: process.pid, before, after }));
  });
}
