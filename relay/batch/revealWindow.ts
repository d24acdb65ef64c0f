import type { RelayContext } from "../relayContext.js";
import type { BatchRecord } from "../store/store.js";

/** Last block (inclusive) at which a reveal for `batch` is accepted: commitBlock + revealWindow - 1. */
export function revealDeadline(ctx: RelayContext, batch: BatchRecord): bigint | null {
  return batch.commitBlock === null ? null : batch.commitBlock + ctx.revealWindow - 1n;
}

/** Reveals are open while the batch is committed (settler not started) and the head is within the window. */
export function isRevealOpen(ctx: RelayContext, batch: BatchRecord): boolean {
  const deadline = revealDeadline(ctx, batch);
  return batch.state === "committed" && deadline !== null && ctx.head.block <= deadline;
}

/** The settler may start once the head reaches the deadline (settle lands in the next block at the earliest). */
export function settleMayStart(ctx: RelayContext, batch: BatchRecord): boolean {
  if (batch.commitBlock === null) return false;
  let window = ctx.revealDelay;
  if (ctx.revealWindow > window) window = ctx.revealWindow; // bigints: no Math.max
  return ctx.head.block >= batch.commitBlock + window - 1n;
}
