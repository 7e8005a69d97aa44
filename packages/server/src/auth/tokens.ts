import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.ts';

export type TokenSubject = { type: 'agent' | 'visitor'; id: string; workspaceId: string };

const ISSUER = 'unique-support';
/** @default agents 12 h, visitors 30 days */
export const TOKEN_TTL_SECONDS = { agent: 12 * 3600, visitor: 30 * 24 * 3600 } as const;

/** Signed (HS256), expiring bearer tokens for agents and visitors. */
export class TokenService {
  /**
   * Imported once: given the raw secret, jose imports it into WebCrypto on every call, which
   * was ~30% of the CPU of a connect (docs/benchmarks.md, connections).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(secret: string) {
    this.key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
  }

  async sign(subject: TokenSubject, ttlSeconds: number = TOKEN_TTL_SECONDS[subject.type]): Promise<string> {
    return new SignJWT({ typ: subject.type, ws: subject.workspaceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(await this.key);
  }

  /** Throws AppError UNAUTHORIZED for a missing, forged, expired or malformed token. */
  async verify(token: string | undefined | null): Promise<TokenSubject> {
    if (!token) throw new AppError('UNAUTHORIZED', 'missing token');
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const { typ, ws, sub } = payload;
      if ((typ !== 'agent' && typ !== 'visitor') || typeof ws !== 'string' || typeof sub !== 'string') {
        throw new AppError('UNAUTHORIZED', 'invalid token');
      }
      return { type: typ, id: sub, workspaceId: ws };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof errors.JWTExpired) throw new AppError('UNAUTHORIZED', 'token expired');
      throw new AppError('UNAUTHORIZED', 'invalid token');
    }
  }
}
