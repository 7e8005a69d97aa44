/** At most `max` events per `windowMs`, per key. */
export interface Rate {
  max: number;
  windowMs: number;
}

/** Takes an event for a key: true when under the limit (and counted), false when over it. */
export interface Limiter {
  take(key: string): boolean | Promise<boolean>;
}

/**
 * A sliding-window log per key, in memory (one process's view: each node limits on its own).
 * `take` records an event when the key is under its limit. Keys idle for a whole window are
 * swept now and then, so memory follows the active keys.
 */
export class RateLimiter implements Limiter {
  private readonly events = new Map<string, number[]>();
  private takes = 0;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {}

  /** true (and counted) when `key` may act now; false when it is over its limit. */
  take(key: string): boolean {
    const now = this.now();
    if (++this.takes % 1000 === 0) this.sweep(now);
    const since = now - this.rate.windowMs;
    let times = this.events.get(key);
    if (!times) {
      times = [];
      this.events.set(key, times);
    }
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length >= this.rate.max) return false;
    times.push(now);
    return true;
  }

  /** Keys tracked (for tests). */
  get size(): number {
    return this.events.size;
  }

  private sweep(now: number): void {
    const since = now - this.rate.windowMs;
    for (const [key, times] of this.events) {
      if (times.length === 0 || times.at(-1)! <= since) this.events.delete(key);
    }
  }
}

/** Parses `20/10s` (20 per 10 seconds), `20/10` (seconds implied) or `off`; null for `off`. */
export function parseRate(text: string): Rate | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off' || trimmed === '0') return null;
  const match = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m)?$/.exec(trimmed);
  if (!match) throw new Error(`expected "<count>/<seconds>s" (e.g. 20/10s) or "off", got "${text}"`);
  const max = Number(match[1]);
  const unit = match[3] === 'ms' ? 1 : match[3] === 'm' ? 60_000 : 1000;
  const windowMs = Number(match[2]) * unit;
  if (max < 1 || windowMs < 1) throw new Error(`rate "${text}" must allow at least 1 event per window`);
  return { max, windowMs };
}
