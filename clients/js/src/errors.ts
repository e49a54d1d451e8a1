// The error catalogue of docs/API.md ("Errors") and src/api/error_status.cpp,
// and the one error class every call of this client rejects with.

/** Every code the server sends, with the HTTP status it goes out with. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_path: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  conflict: 409,
  too_large: 413, // 431 for headers
  quota_exceeded: 413,
  rate_limited: 429,
  limit_reached: 429,
  internal: 500,
  unavailable: 503,
  runtime_unavailable: 503,
  image_not_found: 503,
  storage_unavailable: 503,
  disk_full: 507,
} as const;

export type ServerErrorCode = keyof typeof ERROR_STATUS;

/** Only in `project:status {state:"error", code}`: the container ended by itself. */
export type StatusErrorCode = ServerErrorCode | "container_exited";

/**
 * Codes this client makes itself (status 0): the server never sent them.
 * - `network_error`: fetch failed (server down, DNS, CORS)
 * - `bad_response`: an answer that is not what the API promises
 * - `disconnected`: the socket is not connected, or dropped before the ack
 * - `ack_timeout`: no ack within the request timeout
 * - `logged_out`: no tokens (never logged in, or logged out)
 */
export type ClientErrorCode = "network_error" | "bad_response" | "disconnected" | "ack_timeout" | "logged_out";

export type ErrorCode = StatusErrorCode | ClientErrorCode;

export const SERVER_ERROR_CODES = Object.keys(ERROR_STATUS) as ServerErrorCode[];

/** The wire shape: REST `{error: ErrorBody}`, acks `{ok:false, error: ErrorBody}`, `connect_error` `err.data`. */
export interface ErrorBody {
  code: string;
  message: string;
}

export class BerthError extends Error {
  override readonly name = "BerthError";
  /**
   * A catalogue code. Typed as the catalogue, but a newer server may send
   * one this version does not know: switch with a default branch.
   */
  readonly code: ErrorCode;
  /** The HTTP status; for socket acks the catalogue's status for the code; 0 for client-side codes. */
  readonly status: number;
  /** Seconds from a `Retry-After` header (429, 503), when there was one. */
  readonly retryAfter: number | undefined;

  constructor(code: string, message: string, status?: number, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code as ErrorCode;
    this.status = status ?? statusOf(code);
    this.retryAfter = options?.retryAfter;
  }

  /** From an ack's or a REST answer's `error` object (anything else is a bad_response). */
  static from(body: unknown, status?: number, retryAfter?: number): BerthError {
    if (isErrorBody(body)) return new BerthError(body.code, body.message, status, { retryAfter });
    return new BerthError("bad_response", `an error answer without {code, message}: ${preview(body)}`, status ?? 0);
  }
}

function statusOf(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? (code === "container_exited" ? 500 : 0);
}

export function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === "object" && v !== null && typeof (v as ErrorBody).code === "string" && typeof (v as ErrorBody).message === "string";
}

export function preview(v: unknown): string {
  let s: string;
  try {
    s = typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}
