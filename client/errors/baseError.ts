/**
 * The one error type every Veil client error extends, after viem's `BaseError`: a short message a person can
 * act on, optional details, the cause attached, and a stable `code` scripts can switch on (never parse the
 * message).
 */
export type BaseErrorParameters = {
  /** What went wrong and, where possible, what to do about it. */
  details?: string;
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** Extra lines shown under the short message (e.g. the URL involved). */
  metaMessages?: string[];
};

export class BaseError extends Error {
  /** Stable machine-readable code, e.g. `WRONG_CHAIN`, or the relay's code for a {@link RelayError}. */
  code: string;
  /** The one-line message, without details or meta lines. */
  shortMessage: string;
  details: string | undefined;
  metaMessages: string[];
  override name = "VeilError";

  constructor(shortMessage: string, code: string, params: BaseErrorParameters = {}) {
    const lines = [shortMessage, ...(params.metaMessages ?? [])];
    if (params.details) lines.push(`Details: ${params.details}`);
    super(lines.join("\n"), params.cause === undefined ? undefined : { cause: params.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = params.details;
    this.metaMessages = params.metaMessages ?? [];
  }
}
