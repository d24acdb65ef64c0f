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
 * The settler may start once the head reaches the reveal deadline, the contract's reveal delay allows a
 * settle in the next block, and the commit is final (`--confirmations` blocks, its own included): a settle
 * puts the batch's orders on chain in the clear (THREATS.md: nothing about an order before its batch is
 * committed), so it is never sent while a reorg could still take the commit away. With the devnet's
 * reveal delay 2 and confirmations 2 this costs no block: the settle's first block is `commitBlock + 2`,
 * sent at head `commitBlock + 1`, when the commit has its 2 confirmations.
 */
export function settleMayStart(ctx: RelayContext, batch: BatchRecord): boolean {
  const deadline = revealDeadline(ctx, batch);
  if (batch.commitBlock === null || deadline === null) return false;
  const final = batch.commitBlock + BigInt(Math.max(1, ctx.confirmations ?? 1)) - 1n;
  return (
    ctx.head.block >= deadline &&
    ctx.head.block >= batch.commitBlock + ctx.revealDelay - 1n &&
    ctx.head.block >= final
  );
}
