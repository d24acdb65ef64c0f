/**
 * Stable error reasons of the local builder. Each maps to a JSON-RPC code; the reason travels in
 * `error.data.reason` so clients can branch on it without parsing messages. Always sent with HTTP 200
 * (the Flashbots client throws on any non-2xx before reading the body).
 */
export const BUILDER_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** eth_callBundle: a transaction could not be executed at all (nonce, funds, fee). */
  BUNDLE_INVALID: -32000,
  SIGNATURE_MISSING: -32001,
  SIGNATURE_INVALID: -32002,
  BLOCK_IN_PAST: -32003,
  BODY_TOO_LARGE: -32005,
  BUNDLE_TOO_LARGE: -32006,
  UPSTREAM_UNAVAILABLE: -32010,
} as const;

export type BuilderErrorReason = keyof typeof BUILDER_ERRORS;

/** The one error type the builder throws on purpose; anything else becomes INTERNAL_ERROR. */
export class BuilderRpcError extends Error {
  override name = "BuilderRpcError";
  readonly code: number;
  constructor(
    readonly reason: BuilderErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = BUILDER_ERRORS[reason];
  }

  /** JSON-RPC `error` member. */
  toJson(): { code: number; message: string; data: { reason: BuilderErrorReason } } {
    return { code: this.code, message: this.message, data: { reason: this.reason } };
  }
}
