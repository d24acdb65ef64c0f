import { ERROR_CODES, type ErrorCode } from "./errorCodes.js";
import { VeilError } from "./veilError.js";

/** The body of every REST error response. */
export type ErrorBody = { error: { code: ErrorCode; message: string; details?: unknown } };

/**
 * A refusal of the relay's API: a stable `code` (see {@link ERROR_CODES}), the HTTP status and JSON-RPC
 * code that follow from it, a message a person can act on, optional `details` (served to the client, so
 * never secrets) and the low-level `cause` (logged, never served). relay/errors/errorAnswers.ts maps it.
 * @example throw new RelayError("SAME_TOKEN", "sellToken and buyToken must differ")
 */
export class RelayError extends VeilError<ErrorCode> {
  override name = "RelayError";
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    // No stack: a RelayError is an answer to the caller, not a bug (see VeilError).
    super(message, { cause: options.cause, stack: false });
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
}
