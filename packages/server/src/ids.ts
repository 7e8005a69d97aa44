import { randomBytes } from 'node:crypto';

/**
 * Roughly time-ordered, url-safe ids with a type prefix: `cv_lq2x3k9a8Xy1_...`.
 * Time first so ids sort by creation; 72 random bits so they are unguessable.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(9).toString('base64url')}`;
}

/** A random secret string (widget keys, signing keys). */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
