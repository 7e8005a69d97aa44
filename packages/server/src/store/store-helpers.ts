import { ConversationStatus } from '@unique-support/protocol';
import { AppError } from '../errors.ts';

/** Every conversation status, in the protocol's order. */
export const CONVERSATION_STATUSES = ConversationStatus.anyOf.map((literal) => literal.const);

/** Page sizes shared by every Store implementation. */
export const CONVERSATION_LIMIT = { default: 50, max: 200 } as const;
export const MESSAGE_LIMIT = { default: 100, max: 1000 } as const;

/** `limit` as an integer in [0, max]; `def` when absent. */
export function clampLimit(limit: number | undefined, bounds: { default: number; max: number }): number {
  if (limit === undefined || Number.isNaN(limit)) return bounds.default;
  return Math.min(Math.max(Math.floor(limit), 0), bounds.max);
}

/** The listed keys of `patch` whose value is not undefined (extra runtime keys are dropped). */
export function pickDefined<T extends object, K extends keyof T>(
  patch: T,
  keys: readonly K[],
): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) {
    if (patch[key] !== undefined) out[key] = patch[key];
  }
  return out;
}

/** ASCII letters lower-cased, as SQLite's LIKE compares: other characters match exactly. */
export const foldAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Whether `text` contains `needle`, ASCII case-insensitively (SQLite `LIKE '%needle%'`). */
export const containsText = (text: string, needle: string) => foldAscii(text).includes(foldAscii(needle));

/** `text` for a LIKE pattern with `\\` as the escape character: `%`, `_` and `\\` match themselves. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Milliseconds (how SQL stores keep time) to the ISO strings of the protocol. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** ISO string to milliseconds, keeping null and undefined (= leave unchanged) as they are. */
export function toMs<T extends string | null | undefined>(value: T): number | Exclude<T, string> {
  if (typeof value !== 'string') return value as Exclude<T, string>;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError('BAD_REQUEST', `invalid timestamp: ${value}`);
  return ms;
}
