import type { Hex } from "viem";
import type { BatchRecord, OrderRecord, OrderState } from "../store/store.js";
import { isLeafOf } from "./settleTransitions.js";
import { commitThenEmit, type PendingEvents, type TransitionContext } from "./transitionContext.js";

/**
 * A reorg removed the batch's settle: the batch goes back to `settling` (re-planned against the new chain and
 * re-sent) and every leaf the settle decided goes back to `committed`/`revealed`; a NOT_REVEALED miss charged
 * at finalization stays (closed reveals stay closed). The contract's settled flag and nonce bits stop
 * anything from executing twice if the old settle comes back.
 */
export async function rollBackSettle(
  ctx: TransitionContext,
  batch: BatchRecord,
  why: string,
): Promise<boolean> {
  let back = 0;
  const ok = await commitThenEmit(ctx, async (out) => {
    const won = await ctx.store.updateBatchIf(batch.id, ["settling", "settled"], {
      state: "settling",
      settleTxHash: null,
      settleBlock: null,
      settleBlockHash: null,
      settledAt: null,
    });
    if (!won) return false;
    out.batch({ id: batch.id, state: "committed", confirmations: 0 });
    back = await reopenLeaves(ctx, out, batch, "settle");
    return true;
  });
  if (!ok) return false;
  ctx.metrics.rollbacks.inc({ kind: "settle" });
  ctx.logger.warn({ batchId: batch.id, orders: back, why }, "settle reorged out: re-planning it");
  return true;
}

/**
 * A reorg removed the batch's commit: the batch goes back to `committing` (the same root is re-sent while
 * every order can still be committed by its `commitBy`; otherwise the batcher re-freezes it without the late
 * ones, which end `COMMIT_DEADLINE_PASSED`), its leaves back to `pending` (revealed orders keep their reveal),
 * and NOT_REVEALED misses charged for it are taken back: nobody can reveal for a root that is not on chain.
 */
export async function rollBackCommit(
  ctx: TransitionContext,
  batch: BatchRecord,
  why: string,
): Promise<boolean> {
  let back = 0;
  const ok = await commitThenEmit(ctx, async (out) => {
    const won = await ctx.store.updateBatchIf(batch.id, ["committed", "settling", "settled"], {
      state: "committing",
      chainBatchId: null,
      commitBlock: null,
      commitTxHash: null,
      commitBlockHash: null,
      settleTxHash: null,
      settleBlock: null,
      settleBlockHash: null,
      settledAt: null,
    });
    if (!won) return false;
    out.batch({ id: batch.id, state: "open" });
    back = await reopenLeaves(ctx, out, batch, "commit");
    return true;
  });
  if (!ok) return false;
  ctx.metrics.rollbacks.inc({ kind: "commit" });
  ctx.logger.warn({ batchId: batch.id, orders: back, why }, "commit reorged out: re-committing");
  return true;
}

/**
 * Moves the batch's leaves back one step, inside the rollback's transaction: after a lost settle, a decided
 * leaf (filled, unfilled) goes back to `committed`/`revealed`; after a lost commit, every leaf that moved
 * past `pending` goes back to it, and a NOT_REVEALED miss is taken back. Returns how many moved.
 */
async function reopenLeaves(
  ctx: TransitionContext,
  out: PendingEvents,
  batch: BatchRecord,
  lost: "settle" | "commit",
): Promise<number> {
  const from: OrderState[] =
    lost === "settle" ? ["filled", "unfilled"] : ["committed", "revealed", "filled", "unfilled"];
  let moved = 0;
  for (const o of await ctx.store.ordersInBatch(batch.id)) {
    if (!isLeafOf(batch, o) || !from.includes(o.state)) continue;
    const missed = o.state === "unfilled" && o.reason === "NOT_REVEALED";
    if (lost === "settle" && missed) continue; // closed reveals stay closed
    const state = lost === "commit" ? "pending" : preSettleState(o);
    if (!(await ctx.store.updateOrderIf(o.id, from, { state, fill: null, reason: null }))) continue;
    if (missed) await ctx.store.removeMiss(o.trader);
    out.order({
      id: o.id,
      state,
      batchId: batch.id,
      ...(lost === "settle" ? { confirmations: 0 } : {}),
    });
    moved++;
  }
  return moved;
}

/** The state a committed leaf goes back to when the settle that decided it is gone. */
function preSettleState(o: OrderRecord): "committed" | "revealed" {
  return o.mode === "commit" && o.order ? "revealed" : "committed";
}

/**
 * The batch's commit tx is still canonical but in another block than recorded (a reorg re-included it):
 * records the new block and hash. Compare-and-set on a batch whose commit landed.
 */
export function reanchorCommit(
  ctx: TransitionContext,
  batch: BatchRecord,
  block: bigint,
  hash: Hex,
): Promise<boolean> {
  return ctx.store.updateBatchIf(batch.id, ["committed", "settling", "settled"], {
    commitBlock: block,
    commitBlockHash: hash,
  });
}

/** Like {@link reanchorCommit}, for the batch's settle tx. */
export function reanchorSettle(
  ctx: TransitionContext,
  batch: BatchRecord,
  block: bigint,
  hash: Hex,
): Promise<boolean> {
  return ctx.store.updateBatchIf(batch.id, ["settling", "settled"], {
    settleBlock: block,
    settleBlockHash: hash,
  });
}
