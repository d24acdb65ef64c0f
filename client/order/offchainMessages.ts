import type { Address, Hex } from "viem";
import { veilDomain } from "./order.js";

/**
 * Off-chain messages a trader signs for the relay (never seen by the contract), EIP-712 under the same
 * Veil domain as orders so a signature for one chain or settlement contract is useless on another.
 */

/** Commit mode: the trader vouches for a leaf without showing the order. */
export const COMMITMENT_TYPES = {
  Commitment: [
    { name: "trader", type: "address" },
    { name: "leaf", type: "bytes32" },
  ],
} as const;

/** Off-chain cancel of an order (by its id, the leaf) before its batch commits. */
export const CANCEL_TYPES = {
  Cancel: [
    { name: "trader", type: "address" },
    { name: "orderId", type: "bytes32" },
  ],
} as const;

/** Typed data of a commitment, ready for `signTypedData` / `verifyTypedData`. */
export function commitmentTypedData(chainId: number, settlement: Address, trader: Address, leaf: Hex) {
  return {
    domain: veilDomain(chainId, settlement),
    types: COMMITMENT_TYPES,
    primaryType: "Commitment",
    message: { trader, leaf },
  } as const;
}

/** Typed data of a cancel, ready for `signTypedData` / `verifyTypedData`. */
export function cancelTypedData(chainId: number, settlement: Address, trader: Address, orderId: Hex) {
  return {
    domain: veilDomain(chainId, settlement),
    types: CANCEL_TYPES,
    primaryType: "Cancel",
    message: { trader, orderId },
  } as const;
}
