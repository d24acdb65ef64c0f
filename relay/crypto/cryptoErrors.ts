/**
 * Typed errors of the relay's crypto hot path. Each carries a stable `code` that the HTTP layer maps to the
 * REST error body (`DECRYPT_FAILED`, `INVALID_SIGNATURE`), and the low-level `cause` when there is one, so
 * no raw library error ever escapes from `relay/crypto/`.
 */
import { VeilError } from "../errors/veilError.js";

export type CryptoErrorCode = "DECRYPT_FAILED" | "INVALID_SIGNATURE";

/** Base class of every error thrown by `relay/crypto/`. */
export class CryptoError extends VeilError<CryptoErrorCode> {
  override name = "CryptoError";
  readonly code: CryptoErrorCode;
  /** What exactly was wrong, for logs and the `details` of an error response. */
  readonly reason: string;

  constructor(code: CryptoErrorCode, reason: string, options?: { cause?: unknown }) {
    super(
      `${code === "DECRYPT_FAILED" ? "cannot decrypt sealed order" : "invalid signature"}: ${reason}`,
      options,
    );
    this.code = code;
    this.reason = reason;
  }
}

/** A sealed envelope that is malformed, not addressed to this relay's key, or tampered with. */
export class DecryptFailedError extends CryptoError {
  override name = "DecryptFailedError";
  constructor(reason: string, options?: { cause?: unknown }) {
    super("DECRYPT_FAILED", reason, options);
  }
}

/** A signature that is malformed, non-canonical (high s, bad v) or does not recover to a public key. */
export class InvalidSignatureError extends CryptoError {
  override name = "InvalidSignatureError";
  constructor(reason: string, options?: { cause?: unknown }) {
    super("INVALID_SIGNATURE", reason, options);
  }
}
