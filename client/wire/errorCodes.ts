/**
 * Every error code the relay answers with (`{ error: { code, message, details? } }`), with its HTTP status and
 * JSON-RPC code, in one table. It lives in the client because clients switch on these codes: the relay imports
 * this table rather than keeping its own, so the two cannot drift. Codes are part of the API: never rename one.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, rpc: -32602 },
  BODY_TOO_LARGE: { status: 413, rpc: -32600 },
  DECRYPT_FAILED: { status: 400, rpc: -32602 },
  INVALID_SIGNATURE: { status: 400, rpc: -32602 },
  ORDER_EXPIRED: { status: 400, rpc: -32602 },
  VALIDITY_TOO_LONG: { status: 400, rpc: -32602 },
  SAME_TOKEN: { status: 400, rpc: -32602 },
  ZERO_AMOUNT: { status: 400, rpc: -32602 },
  /** The order's signed `feeAmount` is not below its `sellAmount`: nothing would be left to trade (order v3). */
  FEE_EXCEEDS_SELL_AMOUNT: { status: 400, rpc: -32602 },
  /**
   * The order's signed `feeAmount` is below its share of the batch's gas at the current base fee and bid
   * (`details.neededFee`, in the sell token's base units; `GET /v1/quote` quotes it with a margin).
   */
  INSUFFICIENT_FEE: { status: 400, rpc: -32602 },
  /** The order is worth less than the relay's minimum order value, or no more than its fee (see details). */
  ORDER_TOO_SMALL: { status: 400, rpc: -32602 },
  UNKNOWN_PAIR: { status: 400, rpc: -32602 },
  /** The order's `commitBy` is too close to the head for the relay to commit it in time (see details). */
  COMMIT_BY_TOO_SOON: { status: 400, rpc: -32602 },
  /** The order's `commitBy` is so far ahead its batch could not settle before the contract's expiry. */
  COMMIT_BY_TOO_LATE: { status: 400, rpc: -32602 },
  NONCE_USED: { status: 400, rpc: -32000 },
  DUPLICATE_ORDER: { status: 409, rpc: -32000 },
  NOT_FOUND: { status: 404, rpc: -32000 },
  CANCEL_TOO_LATE: { status: 409, rpc: -32000 },
  TOO_MANY_MISSES: { status: 403, rpc: -32000 },
  REVEAL_WINDOW_CLOSED: { status: 409, rpc: -32000 },
  LEAF_MISMATCH: { status: 400, rpc: -32602 },
  INSUFFICIENT_BALANCE: { status: 400, rpc: -32000 },
  INSUFFICIENT_ALLOWANCE: { status: 400, rpc: -32000 },
  /** A commitment's trader holds or has approved too little of every relay token to pay for an order. */
  UNFUNDED_COMMITMENT: { status: 400, rpc: -32000 },
  /** The trader (or client) has as many open commitments as the relay allows: reveal or let some end. */
  TOO_MANY_OPEN_COMMITMENTS: { status: 429, rpc: -32005 },
  RATE_LIMITED: { status: 429, rpc: -32005 },
  /**
   * The relay has as many intake requests in progress as it allows (`--intake-max-in-flight`), over all
   * clients: retry after the `retry-after` seconds. Nothing was stored.
   */
  RELAY_BUSY: { status: 429, rpc: -32005 },
  NOT_AUTHORIZED: { status: 403, rpc: -32001 },
  /** The node could not be reached for a check the request needs: retry later. */
  UPSTREAM_UNAVAILABLE: { status: 503, rpc: -32603 },
  INTERNAL: { status: 500, rpc: -32603 },
} as const;

/** A stable relay error code (a key of {@link ERROR_CODES}). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every relay error code, for membership checks on untrusted answers. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** Why an order ended unfilled (the `reason` of `GET /v1/orders/:id`). */
export const UNFILLED_REASONS = [
  "LIMIT_NOT_MET",
  "NOT_REVEALED",
  "EXPIRED",
  "INSUFFICIENT_BALANCE",
  "INSUFFICIENT_ALLOWANCE",
  "CANCELLED",
  "NONCE_USED",
  "NO_LIQUIDITY",
  "UNKNOWN_PAIR",
  "BATCH_EXPIRED",
  /** Its batch could not be committed by the order's signed `commitBy`; it never moves past it (order v2). */
  "COMMIT_DEADLINE_PASSED",
  /** Dropped from a batch whose settle reverted because of it (found by bisecting the trades). */
  "SETTLE_REVERTED",
] as const;

/** One of {@link UNFILLED_REASONS}. */
export type UnfilledReason = (typeof UNFILLED_REASONS)[number];
