/** Display helpers: pure, locale passed in. */

/** Short time for lists: "now", "5m", "3h", then the weekday, then the date. */
export function shortTime(iso: string, now: number, locale: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  const zh = locale.startsWith('zh');
  if (seconds < 45) return zh ? '刚刚' : 'now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return zh ? `${minutes} 分钟` : `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return zh ? `${hours} 小时` : `${hours}h`;
  const days = Math.floor(hours / 24);
  const date = new Date(at);
  if (days < 7) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(date);
  const sameYear = new Date(now).getFullYear() === date.getFullYear();
  return new Intl.DateTimeFormat(
    locale,
    sameYear ? { month: 'short', day: 'numeric' } : { dateStyle: 'medium' },
  ).format(date);
}

/** A compact duration since `iso`: "<1m", "5m", "2h", "3d" (Chinese: "<1分钟"...). */
export function waitingTime(iso: string, now: number, locale: string): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  const zh = locale.startsWith('zh');
  if (!Number.isFinite(minutes)) return '';
  if (minutes < 1) return zh ? '<1分钟' : '<1m';
  if (minutes < 60) return zh ? `${minutes}分钟` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return zh ? `${hours}小时` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return zh ? `${days}天` : `${days}d`;
}

export function clockTime(iso: string, locale: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '';
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
}

/** "14:03:27": a clock time to the second. */
export function clockSeconds(iso: string, locale: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '';
  return new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(at);
}

export function dayLabel(iso: string, now: number, locale: string, today: string, yesterday: string): string {
  const date = new Date(iso);
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  const diff = start.getTime() - new Date(date).setHours(0, 0, 0, 0);
  if (diff <= 0) return today;
  if (diff <= 86_400_000) return yesterday;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

export function fullDateTime(iso: string, locale: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** "1.2 MB" */
export function fileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A short, stable tag for an anonymous visitor: the id's last 4 characters. */
export function shortId(id: string): string {
  return id
    .replace(/[^a-zA-Z0-9]/g, '')
    .slice(-4)
    .toUpperCase();
}

/** Initials for an avatar: first letters of two words, or the first (CJK) character. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = Array.from(words[0]!)[0] ?? '?';
  if (/[\u3400-\u9fff]/.test(first)) return first;
  const second = words.length > 1 ? (Array.from(words[words.length - 1]!)[0] ?? '') : '';
  return (first + second).toUpperCase();
}

const AVATAR_HUES = [12, 32, 145, 170, 200, 220, 250, 280, 320, 350];

/** A stable pastel colour pair for an id. */
export function avatarColors(id: string): { background: string; color: string } {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  const hue = AVATAR_HUES[Math.abs(hash) % AVATAR_HUES.length]!;
  return { background: `hsl(${hue} 70% 92%)`, color: `hsl(${hue} 45% 32%)` };
}

/** An attachment/page URL we are willing to link: http(s) or same-origin paths only. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** One line of preview: whitespace collapsed, cut at `max` characters. */
export function previewLine(text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Rough user-agent summary: "Chrome on macOS". */
export function browserSummary(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Chrome\//.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : null;
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Mac OS X/.test(userAgent)
        ? 'macOS'
        : /Android/.test(userAgent)
          ? 'Android'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} · ${os}`;
  return browser ?? os;
}

/** A short duration in milliseconds: "0 ms", "230 ms", "1.24 s", "12.3 s", then as `seconds()`. */
export function milliseconds(ms: number | null | undefined, locale: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 10_000) return `${(value / 1000).toFixed(2)} s`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  return seconds(value / 1000, locale);
}

/** A duration in seconds, two units at most: "42s", "3m 05s", "2h 10m", "1d 3h" (zh: "3分5秒"...). */
export function seconds(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const zh = locale.startsWith('zh');
  const s = Math.max(0, Math.round(value));
  const [d, h, m, sec] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  if (zh) {
    if (s < 60) return `${sec}秒`;
    if (s < 3600) return sec ? `${m}分${sec}秒` : `${m}分钟`;
    if (s < 86_400) return m ? `${h}小时${m}分` : `${h}小时`;
    return h ? `${d}天${h}小时` : `${d}天`;
  }
  if (s < 60) return `${sec}s`;
  if (s < 3600) return sec ? `${m}m ${pad(sec)}s` : `${m}m`;
  if (s < 86_400) return m ? `${h}h ${pad(m)}m` : `${h}h`;
  return h ? `${d}d ${h}h` : `${d}d`;
}

/** A rate in [0, 1] as a whole percentage; null → "—". */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 100)}%`;
}

/** US dollars: "$0", "$0.00042" (two significant digits under a cent), "$1.25". */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (abs < 0.01) {
    const digits = Math.min(10, 1 - Math.floor(Math.log10(abs)));
    return `${sign}$${abs.toFixed(digits)}`;
  }
  return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
