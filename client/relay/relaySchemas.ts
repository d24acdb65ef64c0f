import type { Address, Hex } from "viem";
import { z } from "zod";
import { hexBytes, orderJsonSchema } from "../wire/orderWire.js";

/**
 * The relay's REST answers as the client reads them, in one place. Every answer is parsed here before any
 * action looks at it, so a relay that sends the wrong shape fails loudly instead of half-working.
 */

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address")
  .transform((s) => s as Address);
const bytes32 = hexBytes("value", 32);
/** A uint the relay may send as a JSON number or a decimal string. */
const uintLike = z
  .union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+$/)])
  .transform((v) => BigInt(v));
const count = z.number().int().nonnegative();

/** `GET /v1/info`. */
export const relayInfoSchema = z.object({
  chainId: z.number().int().positive(),
  settlement: address,
  eciesPublicKey: z
    .string()
    .regex(/^0x04[0-9a-fA-F]{128}$/, "must be a 65-byte uncompressed secp256k1 key (0x04...)")
    .transform((s) => s as Hex),
  batchIntervalMs: count,
  maxBatchSize: count,
  revealDelayBlocks: count,
  expiryBlocks: count,
  revealWindowBlocks: count,
  maxValiditySeconds: count,
  missLimit: count,
  /** Order v2: an order's `commitBy` must lie in `head + [minCommitLeadBlocks, maxCommitLeadBlocks]`. */
  minCommitLeadBlocks: count,
  maxCommitLeadBlocks: count,
  /** The relay's measured block time, to turn `batchIntervalMs` into blocks. */
  blockTimeMs: count,
  tokens: z.record(z.string(), address).optional(),
});
export type RelayInfo = z.output<typeof relayInfoSchema>;

/** Order states; `filled`, `unfilled`, `failed` and `cancelled` are final. */
export const ORDER_STATES = [
  "pending",
  "committed",
  "revealed",
  "filled",
  "unfilled",
  "failed",
  "cancelled",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];
export const FINAL_ORDER_STATES: readonly OrderState[] = ["filled", "unfilled", "failed", "cancelled"];

/** `POST /v1/orders` and `POST /v1/commitments`. */
export const acceptedOrderSchema = z.object({
  id: bytes32,
  state: z.enum(ORDER_STATES),
  batchId: z.union([z.number(), z.string()]).nullish(),
});
export type AcceptedOrder = z.output<typeof acceptedOrderSchema>;

/** `POST /v1/reveals` and `DELETE /v1/orders/:id`. */
export const orderStateAnswerSchema = z.object({ id: bytes32, state: z.enum(ORDER_STATES) });

/**
 * `GET /v1/orders/:id`. The relay discloses by stage (THREATS.md): before the batch commit only `state`; then
 * the batch ids, leaf index, root and proof; the order, trader, mode, fill and reason only once final.
 */
export const orderStatusSchema = z.object({
  id: bytes32,
  mode: z.enum(["sealed", "commit"]).nullish(),
  trader: address.nullish(),
  state: z.enum(ORDER_STATES),
  batchId: z.union([z.number(), z.string()]).nullish(),
  chainBatchId: uintLike.nullish(),
  leafIndex: count.nullish(),
  root: bytes32.nullish(),
  proof: z.array(bytes32).nullish(),
  commitTxHash: bytes32.nullish(),
  order: orderJsonSchema.nullish(),
  fill: z
    .object({
      sellAmount: uintLike,
      buyAmount: uintLike,
      txHash: bytes32,
      blockNumber: uintLike,
    })
    .nullish(),
  reason: z.string().nullish(),
  error: z.string().nullish(),
  /** Blocks on top of the block holding the order's latest commit or settle tx (1 = in the head block). */
  confirmations: count.nullish(),
});
export type OrderStatus = z.output<typeof orderStatusSchema>;

/**
 * `GET /v1/batches/:id`. Before the commit: state, leafCount once closed, timing; after it: + chain batch id,
 * root, commit block and tx; the order ids and settle tx only once the batch is settled or expired.
 */
export const batchStatusSchema = z.object({
  id: count,
  state: z.enum(["open", "committed", "settled", "expired"]),
  leafCount: count.nullable(),
  createdAt: count,
  closedAt: count.nullable(),
  chainBatchId: uintLike.nullable(),
  root: bytes32.nullable(),
  commitBlock: uintLike.nullable(),
  commitTxHash: bytes32.nullable(),
  settleTxHash: bytes32.nullable(),
  settledAt: count.nullable(),
  orderIds: z.array(bytes32).nullable(),
  /** With `orderIds`: how many the batch has in all (`orderIds` is one page of at most 1,000). */
  orderIdsTotal: count.optional(),
  /** With `orderIds`: the `?offset=` of the next page, null on the last one. */
  nextOffset: count.nullable().optional(),
  confirmations: count.nullish(),
});
export type BatchStatus = z.output<typeof batchStatusSchema>;

/** `data` of an SSE `order` event (only its id and state are relied on; the rest is re-read by GET). */
export const orderEventSchema = z.object({ id: bytes32, state: z.enum(ORDER_STATES) });

/**
 * `GET /v1/quote` (issue 17): the fee to sign (`feeAmount`, sell-token base units) and the buy amount the
 * pool pays now for `sellAmount - feeAmount`; `validTo` is the suggested order expiry. `minFee` is what the
 * relay's intake requires right now (the gas cost without the margin); `gas`, `gasPriceWei`, `costWei` and
 * `marginBps` say how the fee was priced; `block` is the head it was priced at.
 */
export const quoteSchema = z.object({
  sellToken: address,
  buyToken: address,
  sellAmount: uintLike,
  buyAmount: uintLike,
  feeAmount: uintLike,
  validTo: uintLike,
  minFee: uintLike,
  gas: uintLike,
  gasPriceWei: uintLike,
  costWei: uintLike,
  marginBps: count,
  block: uintLike,
});
export type Quote = z.output<typeof quoteSchema>;
