/**
 * Typed JSON-RPC errors of the wallet endpoint. Every refusal the `/rpc` route gives a wallet is one of these,
 * with the JSON-RPC `code` as a field (EIP-1474 / geth conventions), a message a person can act on, and an
 * optional `data` payload (e.g. the raw revert bytes). Anything else that escapes a handler is logged and
 * turned into a generic -32603, never an HTTP 5xx (relay/errors/errorAnswers.ts `rpcErrorOf`).
 */
import { VeilError } from "../errors/veilError.js";

export const RPC_ERROR_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Transaction refused (nonce, funds, chain id, revert, unknown tx...): geth's generic server error. */
  TRANSACTION_REJECTED: -32000,
  /** Authentication missing or wrong (X-Flashbots-Signature). */
  UNAUTHORIZED: -32001,
  /** EIP-1474 "limit exceeded": per-IP or per-sender rate limit. */
  LIMIT_EXCEEDED: -32005,
  /** EIP-7966: eth_sendRawTransactionSync sent the tx but saw no receipt within the timeout (data: hash). */
  SYNC_TIMEOUT: 4,
} as const;

export type RpcErrorCode = (typeof RPC_ERROR_CODES)[keyof typeof RPC_ERROR_CODES];

/** Base class: a JSON-RPC error object to send back as-is; its stable `code` is the JSON-RPC code. */
export class RpcError extends VeilError<RpcErrorCode> {
  override name = "RpcError";
  readonly code: RpcErrorCode;
  readonly data?: unknown;

  constructor(code: RpcErrorCode, message: string, options?: { data?: unknown; cause?: unknown }) {
    // No stack: a refusal is an answer to the wallet, not a bug (see VeilError).
    super(message, { cause: options?.cause, stack: false });
    this.code = code;
    if (options?.data !== undefined) this.data = options.data;
  }

  /** The wire shape of the `error` member of a JSON-RPC response. */
  toJson(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** The body is not JSON at all. */
export class ParseError extends RpcError {
  override name = "ParseError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(RPC_ERROR_CODES.PARSE_ERROR, message, options);
  }
}

/** The JSON is not a JSON-RPC 2.0 request (or batch), or is too large. */
export class InvalidRequestError extends RpcError {
  override name = "InvalidRequestError";
  constructor(message: string) {
    super(RPC_ERROR_CODES.INVALID_REQUEST, message);
  }
}

/** A method this endpoint does not serve (not on the allow-list, or a refused namespace). */
export class MethodNotFoundError extends RpcError {
  override name = "MethodNotFoundError";
  constructor(method: string, why = "it is not served here") {
    super(RPC_ERROR_CODES.METHOD_NOT_FOUND, `the method ${method} does not exist/is not available: ${why}`);
  }
}

/** Params of the wrong shape (undecodable raw tx, bad hash, bad maxBlockNumber...). */
export class InvalidParamsError extends RpcError {
  override name = "InvalidParamsError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(RPC_ERROR_CODES.INVALID_PARAMS, message, options);
  }
}

/** A well-formed transaction that Veil will not send (nonce, funds, chain id, fee, revert...). */
export class TransactionRejectedError extends RpcError {
  override name = "TransactionRejectedError";
  constructor(message: string, options?: { data?: unknown; cause?: unknown }) {
    super(RPC_ERROR_CODES.TRANSACTION_REJECTED, message, options);
  }
}

/** A cancel request not signed by the transaction's sender. */
export class UnauthorizedError extends RpcError {
  override name = "UnauthorizedError";
  constructor(message: string) {
    super(RPC_ERROR_CODES.UNAUTHORIZED, message);
  }
}

/** Too many requests from one client IP or one sender. */
export class LimitExceededError extends RpcError {
  override name = "LimitExceededError";
  constructor(message: string) {
    super(RPC_ERROR_CODES.LIMIT_EXCEEDED, message);
  }
}

/** eth_sendRawTransactionSync: sent privately, not included within the timeout (EIP-7966 code 4). */
export class SyncTimeoutError extends RpcError {
  override name = "SyncTimeoutError";
  constructor(message: string, hash: string) {
    super(RPC_ERROR_CODES.SYNC_TIMEOUT, message, { data: hash });
  }
}

/**
 * The node could not be reached or answered garbage: the wallet can retry. The message a wallet sees is
 * generic (never the node's host, port or transport error); the detail stays in `cause`, for the logs.
 */
export class NodeUnavailableError extends RpcError {
  override name = "NodeUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(RPC_ERROR_CODES.INTERNAL_ERROR, message, options);
  }
}
