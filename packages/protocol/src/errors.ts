/**
 * The closed error vocabulary of the public surface. Every error a client sees
 * carries one of these codes; anything unexpected is INTERNAL with a request id.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400 },
  UNAUTHORIZED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  CONFLICT: { status: 409 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  RATE_LIMITED: { status: 429 },
  INTERNAL: { status: 500 },
  UNAVAILABLE: { status: 503 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes used by the server. */
export const CLOSE_CODES = {
  /** Normal closure. */
  NORMAL: 1000,
  /** Frame over the hard size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** Server restarting: reconnect (to another node) and resume by lastSeq. */
  SERVICE_RESTART: 1012,
  /** The client could not keep up: its outbound queue passed its bound. Reconnect and resume. */
  TRY_AGAIN_LATER: 1013,
  /** Missing, forged or expired token. */
  UNAUTHORIZED: 4401,
  /** The principal no longer exists or was disabled. */
  FORBIDDEN: 4403,
} as const;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string; details?: unknown };
}
