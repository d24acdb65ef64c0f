import { BaseError } from "./baseError.js";

/**
 * Errors raised when the client checked something the relay told it and found it false. The client refuses to
 * sign or reveal after any of these: a relay that lies about the chain, the contract or the batch root is
 * treated as hostile.
 */

/** The relay's `chainId` (or the configured chain) differs from what the RPC node reports. */
export class WrongChainError extends BaseError {
  override name = "WrongChainError";
  constructor({ expected, actual, source }: { expected: number; actual: number; source: string }) {
    super(`Chain id mismatch: ${source} says ${actual}, the RPC node says ${expected}`, "WRONG_CHAIN", {
      details:
        "Refusing to sign: a signature for another chain could be replayed there. Check --rpc / --relay.",
    });
  }
}

/** The relay's settlement address is not the expected contract, has no code, or has another EIP-712 domain. */
export class WrongSettlementError extends BaseError {
  override name = "WrongSettlementError";
  constructor({ settlement, reason }: { settlement: string; reason: string }) {
    super(`Settlement contract ${settlement} failed verification: ${reason}`, "WRONG_SETTLEMENT", {
      details: "Refusing to sign orders for a contract the client cannot verify.",
    });
  }
}

/** The relay's Merkle proof does not link the order's leaf to the root committed on chain. */
export class ProofMismatchError extends BaseError {
  override name = "ProofMismatchError";
  constructor({
    leaf,
    chainBatchId,
    reason,
  }: { leaf: string; chainBatchId: bigint | number; reason: string }) {
    super(
      `Inclusion proof for ${leaf} in on-chain batch ${chainBatchId} does not verify: ${reason}`,
      "PROOF_MISMATCH",
      {
        details:
          "The order was NOT revealed. The relay may be dishonest; do not reuse this relay for this order.",
      },
    );
  }
}

/** The settlement receipt does not contain the `Trade` event the relay claims for this order. */
export class SettlementMismatchError extends BaseError {
  override name = "SettlementMismatchError";
  constructor({ txHash, reason }: { txHash: string; reason: string }) {
    super(`Settlement ${txHash} does not match the relay's claim: ${reason}`, "SETTLEMENT_MISMATCH");
  }
}

/** The relay answered with an order id / state that contradicts what the client sent. */
export class RelayMisbehaviorError extends BaseError {
  override name = "RelayMisbehaviorError";
  constructor({ reason }: { reason: string }) {
    super(`Relay answer contradicts the client's request: ${reason}`, "RELAY_MISBEHAVIOR");
  }
}
