import { getAddress, type Hex, isAddress } from "viem";
import { z } from "zod";
import type { Order } from "../order/order.js";

/**
 * The wire format of orders, in one place: JSON has no bigint, so every uint travels as a decimal string
 * and every address as 0x-hex. Both the client (encode) and the relay (validate + decode) use this file.
 */

const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

const uint = (name: string, max: bigint) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,77})$/, `${name} must be a decimal integer string without leading zeros`)
    .transform((s) => BigInt(s))
    .refine((v) => v <= max, `${name} does not fit in ${max === MAX_UINT64 ? "uint64" : "uint256"}`);

const address = (name: string) =>
  z
    .string()
    .refine((s) => isAddress(s, { strict: false }), `${name} must be a 20-byte 0x-hex address`)
    .transform((s) => getAddress(s));

/** 0x-prefixed hex of exactly `bytes` bytes (any case). */
export const hexBytes = (name: string, bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `${name} must be 0x-hex of ${bytes} bytes`)
    .transform((s) => s.toLowerCase() as Hex);

/** 0x-prefixed hex of any even length up to `maxBytes`. */
export const hexData = (name: string, maxBytes: number) =>
  z
    .string()
    .regex(/^0x([0-9a-fA-F]{2})*$/, `${name} must be 0x-prefixed hex with an even number of digits`)
    .refine((s) => (s.length - 2) / 2 <= maxBytes, `${name} is longer than ${maxBytes} bytes`)
    .transform((s) => s.toLowerCase() as Hex);

/** A block number as a decimal string (uint64): an order's `commitBy` wherever it travels alone. */
export const commitByJsonSchema = uint("commitBy", MAX_UINT64);

/** zod schema of an order on the wire; parses into an {@link Order}. */
export const orderJsonSchema = z.object({
  trader: address("trader"),
  sellToken: address("sellToken"),
  buyToken: address("buyToken"),
  sellAmount: uint("sellAmount", MAX_UINT256),
  minBuyAmount: uint("minBuyAmount", MAX_UINT256),
  nonce: uint("nonce", MAX_UINT256),
  validTo: uint("validTo", MAX_UINT64),
  commitBy: uint("commitBy", MAX_UINT64),
  /** The signed fee in the sell token (order v3), base units, taken out of `sellAmount`. */
  feeAmount: uint("feeAmount", MAX_UINT256),
});

/** An order as JSON. */
export type OrderJson = z.input<typeof orderJsonSchema>;

/** Encodes an order for JSON. */
export function orderToJson(order: Order): OrderJson {
  return {
    trader: order.trader,
    sellToken: order.sellToken,
    buyToken: order.buyToken,
    sellAmount: order.sellAmount.toString(),
    minBuyAmount: order.minBuyAmount.toString(),
    nonce: order.nonce.toString(),
    validTo: order.validTo.toString(),
    commitBy: order.commitBy.toString(),
    feeAmount: order.feeAmount.toString(),
  };
}

/** A signed order with its salt: the plaintext of a sealed envelope and the body of a reveal. */
export const signedOrderSchema = z.object({
  order: orderJsonSchema,
  /** 65-byte ECDSA signature, or an EIP-1271 blob for contract wallets. */
  signature: hexData("signature", 2048),
  salt: hexBytes("salt", 32),
});

export type SignedOrderJson = z.input<typeof signedOrderSchema>;
export type SignedOrder = { order: Order; signature: Hex; salt: Hex };

/** Encodes a signed order for JSON. */
export function signedOrderToJson(s: SignedOrder): SignedOrderJson {
  return { order: orderToJson(s.order), signature: s.signature, salt: s.salt };
}
