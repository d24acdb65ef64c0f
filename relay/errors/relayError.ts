import { ERROR_CODES, type ErrorCode } from "./errorCodes.js";

/** The body of every REST error response. */
export type ErrorBody = { error: { code: ErrorCode; message: string; details?: unknown } };

/**
 * The one error type of the relay: a stable `code` (see {@link ERROR_CODES}), the HTTP status and JSON-RPC
 * code that follow from it, a message a person can act on, optional `details` (served to the client, so
 * never secrets) and the low-level `cause` (logged, never served).
 * @example throw new RelayError("SAME_TOKEN", "sellToken and buyToken must differ")
 */
export class RelayError extends Error {
  override name = "RelayError";
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    // No stack: a RelayError is an answer to the caller, not a bug, and capturing the stack was a tenth of
    // a refused request's CPU (issue 13). What went wrong below is kept in `cause`, with its own stack.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  /** HTTP status of this error. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** JSON-RPC error code of this error. */
  get rpcCode(): number {
    return ERROR_CODES[this.code].rpc;
  }

  /** The REST error body `{error: {code, message, details?}}`. */
  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: { code: this.code, message: this.message } }
      : { error: { code: this.code, message: this.message, details: this.details } };
  }

  /** The JSON-RPC `error` member. */
  toRpcError(): { code: number; message: string; data?: unknown } {
    return this.details === undefined
      ? { code: this.rpcCode, message: this.message }
      : { code: this.rpcCode, message: this.message, data: { code: this.code, details: this.details } };
  }
}

/** Wraps anything thrown into a RelayError: relay errors and typed errors with a known `code` keep it. */
export function toRelayError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in ERROR_CODES && code !== "INTERNAL") {
    const reason = (err as { reason?: unknown }).reason;
    return new RelayError(code as ErrorCode, (err as Error).message, {
      details: typeof reason === "string" ? { reason } : undefined,
      cause: err,
    });
  }
  return new RelayError("INTERNAL", "internal error", { cause: err });
}
