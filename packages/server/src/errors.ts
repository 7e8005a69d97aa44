import { ERROR_CODES, type ErrorCode } from '@unique-support/protocol';

/** The one error class of the server: a code from the closed vocabulary and a message safe to show. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

/** Anything that is not an AppError becomes INTERNAL; its message is not shown to clients. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'internal error');
}
