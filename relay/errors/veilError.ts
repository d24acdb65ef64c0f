/**
 * The one root of the relay's typed errors. Every error the relay throws on purpose is a VeilError with a
 * stable `code`: a string of the relay's error table (client/wire/errorCodes.ts) for REST refusals
 * (RelayError, CryptoError), a JSON-RPC code for the wallet endpoint's refusals (RpcError), or a name of
 * its own for start-up and invariant failures (`INVALID_CONFIG`, `INVALID_ECIES_KEY`, `BATCH_INVARIANT`).
 * relay/errors/errorAnswers.ts turns any error into an HTTP or JSON-RPC answer, in one place; anything that
 * is not a VeilError is a bug and is answered as a generic internal error.
 */
export abstract class VeilError<C extends string | number = string | number> extends Error {
  /** The stable code: part of the API or of the logs' vocabulary, never renamed. */
  abstract readonly code: C;

  /**
   * @param options.stack false for refusals, which are answers to a caller rather than bugs: capturing the
   *   stack was a tenth of a refused request's CPU (issue 13). What went wrong below keeps its own stack in
   *   `cause`.
   */
  constructor(message: string, options: { cause?: unknown; stack?: boolean } = {}) {
    const init = options.cause === undefined ? undefined : { cause: options.cause };
    if (options.stack === false) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      super(message, init);
      Error.stackTraceLimit = limit;
    } else {
      super(message, init);
    }
  }
}
