import type { RelayContext } from "../relayContext.js";
import type { BatchRecord } from "../store/store.js";

/**
 * Last block (inclusive) at which a reveal for `batch` is accepted: `commitBlock + revealWindow - 1`, and,
 * when the batch holds commit-mode orders, at least `revealAfter + revealWindow`: their clients reveal only
 * once the head is past their `commitBy` (order v2), so each gets `revealWindow` blocks from then.
 */
export function revealDeadline(ctx: Pick<RelayContext, "revealWindow">, batch: BatchRecord): bigint | null {
  if (batch.commitBlock === null) return null;
  const byCommit = batch.commitBlock + ctx.revealWindow - 1n;
  if (batch.revealAfter === null) return byCommit;
  const byCommitBy = batch.revealAfter + ctx.revealWindow;
  return byCommitBy > byCommit ? byCommitBy : byCommit;
}

/** Reveals are open while the batch is committed (settler not started) and the head is within the window. */
export function isRevealOpen(ctx: Pick<RelayContext, "head" | "revealWindow">, batch: BatchRecord): boolean {
  const deadline = revealDeadline(ctx, batch);
  return batch.state === "committed" && deadline !== null && ctx.head.block <= deadline;
}

/**
 * The settler may start once the head reaches the reveal deadline and the contract's reveal delay allows a
 * settle in the next block.
 */
export function settleMayStart(ctx: RelayContext, batch: BatchRecord): boolean {
  const deadline = revealDeadline(ctx, batch);
  if (batch.commitBlock === null || deadline === null) return false;
  return ctx.head.block >= deadline && ctx.head.block >= batch.commitBlock + ctx.revealDelay - 1n;
}
