import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`: 100 on Linux). */
const CLK_TCK = 100;

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, all threads) the process has used; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  const fields = statFields(pid);
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLK_TCK : null;
}

/** Resident set size in bytes (VmRSS); null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** VmRSS split into anonymous memory (heap, stacks, JIT code) and file-backed pages (the binary, libraries). */
export function rssParts(pid: number): { rss: number; anon: number; file: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return null;
  }
}

/** Pids whose parent is `pid` (e.g. the workers of a cluster primary). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children;
}

/** Open file descriptors of a process (null when /proc does not tell). */
export function openFiles(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/**
 * CPU use of a set of processes over an interval, as a percentage of one core
 * (200% = both cores of a 2-core machine): `start()`, then `read()`.
 */
export class CpuMeter {
  private startedAt = 0;
  private startCpu = new Map<number, number>();

  constructor(private readonly pids: () => number[]) {}

  start(): void {
    this.startedAt = performance.now();
    this.startCpu = new Map(this.pids().map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  }

  /** Percent of one core since `start()`, summed over the processes. */
  read(): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    let used = 0;
    for (const pid of this.pids()) {
      const now = cpuSeconds(pid);
      if (now !== null) used += now - (this.startCpu.get(pid) ?? now);
    }
    return seconds > 0 ? (used / seconds) * 100 : 0;
  }
}

/** Whole machine CPU time (all cores) from /proc/stat: busy and total jiffies. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
