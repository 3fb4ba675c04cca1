/**
 * The one table from an error to what an HTTP client or a WebSocket client is told:
 * a status, a close code, and a body `{ error: { code, message } }`. Chorus errors keep
 * their code; errors only the server raises (no token, another tenant's scope, a quota,
 * a route that does not exist) are ServerErrors with codes of their own. Anything else
 * is an internal error, reported without its details.
 */
import { type ErrorCode, ProcessGroupError } from "../index.js";

export type ServerCode =
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "QUOTA_EXCEEDED"
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "PAYLOAD_TOO_LARGE"
  | "INTERNAL";

/** An error the server itself raises, with its HTTP status. */
export class ServerError extends Error {
  override name = "ServerError";
  constructor(
    readonly status: number,
    readonly code: ServerCode,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Readonly<Record<ErrorCode, number>> = {
  GROUP_NOT_FOUND: 404,
  ACTOR_NOT_FOUND: 404,
  NOT_A_MEMBER: 404,
  GROUP_ALREADY_EXISTS: 409,
  ACTOR_ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  INVALID_NAME: 400,
  INVALID_TOPIC: 400,
  INVALID_ARGUMENT: 400,
  PAYLOAD_TOO_LARGE: 413,
  MAILBOX_FULL: 429,
  WATCH_OVERFLOW: 409,
  SYSTEM_STOPPED: 503,
  BACKEND_UNAVAILABLE: 503,
  JOIN_NOT_VISIBLE: 504,
  NODE_ID_IN_USE: 500,
  ASK_TIMEOUT: 504,
  ASK_FAILED: 502,
  GROUP_EMPTY: 409,
};

/** WebSocket close codes: the standard ones, and 4000 + an HTTP status for the rest. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  internal: 1011,
  tryAgainLater: 1013,
} as const;

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** What a client is told of `error`: its status and body. */
export function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ServerError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof ProcessGroupError) {
    return { status: STATUS[error.code], body: { error: { code: error.code, message: error.message } } };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "internal error" } } };
}

/** The close code for a WebSocket ended by `error`. */
export function closeCodeOf(error: unknown): number {
  const { status } = describeError(error);
  if (status === 503) return CLOSE.tryAgainLater;
  if (status >= 500) return CLOSE.internal;
  return 4000 + status;
}
