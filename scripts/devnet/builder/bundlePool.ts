import type { Address, Hex } from "viem";
import type { DecodedTx } from "./decodeRawTx.js";

export type BundleStatus = "pending" | "included" | "failed" | "expired" | "cancelled" | "replaced";

/** A bundle as the builder keeps it, with its life-cycle timestamps for flashbots_getBundleStatsV2. */
export type StoredBundle = {
  hash: Hex;
  txs: DecodedTx[];
  blockNumber: bigint;
  minTimestamp: number;
  maxTimestamp: number;
  revertingTxHashes: Set<Hex>;
  replacementUuid?: string;
  signer: Address;
  receivedAt: Date;
  simulatedAt?: Date;
  consideredAt?: Date;
  sealedAt?: Date;
  status: BundleStatus;
  /** Why it was not included, for logs and tests. */
  error?: string;
};

const HISTORY_LIMIT = 10_000;

/**
 * In-memory bundle store of the local builder: pending bundles by target block, replacement and
 * cancellation keyed on (replacementUuid, signer) as Flashbots does, and a bounded history for stats.
 */
export class BundlePool {
  private readonly pending = new Map<string, StoredBundle>();
  private readonly history = new Map<string, StoredBundle>();

  private static key(hash: Hex, blockNumber: bigint): string {
    return `${hash}:${blockNumber}`;
  }

  /** Adds a bundle; one with the same (replacementUuid, signer) is replaced. Same hash + block: no-op. */
  add(bundle: StoredBundle): void {
    if (bundle.replacementUuid) {
      for (const b of this.cancel(bundle.replacementUuid, bundle.signer)) b.status = "replaced";
    }
    const key = BundlePool.key(bundle.hash, bundle.blockNumber);
    if (this.pending.has(key)) return;
    this.pending.set(key, bundle);
    this.history.set(key, bundle);
    if (this.history.size > HISTORY_LIMIT) this.history.delete(this.history.keys().next().value!);
  }

  /** Cancels the pending bundles of (replacementUuid, signer); returns them. */
  cancel(replacementUuid: string, signer: Address): StoredBundle[] {
    const cancelled: StoredBundle[] = [];
    for (const [key, b] of this.pending) {
      if (b.replacementUuid === replacementUuid && b.signer === signer) {
        b.status = "cancelled";
        this.pending.delete(key);
        cancelled.push(b);
      }
    }
    return cancelled;
  }

  /** Pending bundles targeting `blockNumber`, in arrival order. */
  forBlock(blockNumber: bigint): StoredBundle[] {
    return [...this.pending.values()].filter((b) => b.blockNumber === blockNumber);
  }

  /** Marks a bundle final (included / failed / expired) and forgets it as pending. */
  settle(bundle: StoredBundle, status: BundleStatus, error?: string): void {
    bundle.status = status;
    if (error) bundle.error = error;
    this.pending.delete(BundlePool.key(bundle.hash, bundle.blockNumber));
  }

  /** Expires bundles whose target block has passed. */
  expireBefore(blockNumber: bigint): void {
    for (const b of this.pending.values()) if (b.blockNumber < blockNumber) this.settle(b, "expired");
  }

  /** The bundle with this hash for this block, or (without block) the latest one with this hash. */
  find(hash: Hex, blockNumber?: bigint): StoredBundle | undefined {
    if (blockNumber !== undefined) return this.history.get(BundlePool.key(hash, blockNumber));
    let found: StoredBundle | undefined;
    for (const b of this.history.values()) if (b.hash === hash) found = b;
    return found;
  }
}
