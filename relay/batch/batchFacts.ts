import type { Hex } from "viem";
import { VeilError } from "../errors/veilError.js";
import type { BatchRecord } from "../store/store.js";

/**
 * The facts a batch has from a given state on, read with the state's guarantee instead of a non-null
 * assertion: a frozen batch (`committing` and after) has its root and leaves; a committed one (`committed`,
 * `settling`, `settled`) its on-chain id and commit block. The transitions write them together with the
 * state, so a batch without them is a broken invariant, reported by name rather than as a crash on `null`.
 */
export class BatchInvariantError extends VeilError<"BATCH_INVARIANT"> {
  override name = "BatchInvariantError";
  readonly code = "BATCH_INVARIANT";
  constructor(batch: BatchRecord, missing: string) {
    super(`batch ${batch.id} is ${batch.state} but has no ${missing}`);
  }
}

/** Root and leaves of a frozen batch (state `committing` or later). */
export function frozenFacts(batch: BatchRecord): { root: Hex; leaves: Hex[] } {
  if (batch.root === null || batch.leaves === null) throw new BatchInvariantError(batch, "root or leaves");
  return { root: batch.root, leaves: batch.leaves };
}

/** On-chain id and commit block of a batch whose commit landed (`committed`, `settling`, `settled`). */
export function committedFacts(batch: BatchRecord): { chainBatchId: bigint; commitBlock: bigint } {
  if (batch.chainBatchId === null || batch.commitBlock === null)
    throw new BatchInvariantError(batch, "on-chain batch id or commit block");
  return { chainBatchId: batch.chainBatchId, commitBlock: batch.commitBlock };
}
