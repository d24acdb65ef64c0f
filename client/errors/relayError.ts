import { ERROR_CODE_LIST, type ErrorCode } from "../wire/errorCodes.js";
import { BaseError } from "./baseError.js";

/** Error codes the relay answers with (`{ error: { code, message, details? } }`): the relay's own table. */
export const RELAY_ERROR_CODES: readonly ErrorCode[] = ERROR_CODE_LIST;

/** A code from {@link RELAY_ERROR_CODES}, or `HTTP_<status>` when the relay sent no error body we understand. */
export type RelayErrorCode = ErrorCode | `HTTP_${number}`;

/**
 * The relay refused a request. `code` is the relay's own stable code, so callers can branch on
 * `err.code === "NONCE_USED"` exactly as they would on the relay's HTTP answer.
 */
export class RelayError extends BaseError {
  override name = "RelayError";
  override code: RelayErrorCode;
  /** HTTP status of the answer. */
  status: number;
  /** The relay's structured details, if any (e.g. zod issues). */
  relayDetails: unknown;
  /** Seconds the relay asked the client to wait (`retry-after` of a 429), when it said. */
  retryAfterS?: number;

  constructor(params: {
    code: RelayErrorCode;
    message: string;
    status: number;
    url: string;
    details?: unknown;
    retryAfterS?: number;
  }) {
    super(`Relay refused the request: ${params.message}`, params.code, {
      metaMessages: [`Code: ${params.code} (HTTP ${params.status})`, `URL: ${params.url}`],
    });
    this.code = params.code;
    this.status = params.status;
    this.relayDetails = params.details;
    if (params.retryAfterS !== undefined) this.retryAfterS = params.retryAfterS;
  }
}

/** Narrows a caught value to a {@link RelayError} with the given code. */
export function isRelayError(err: unknown, code?: RelayErrorCode): err is RelayError {
  return err instanceof RelayError && (code === undefined || err.code === code);
}
