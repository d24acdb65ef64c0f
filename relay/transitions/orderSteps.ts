import type { OrderRecord } from "../store/store.js";
import type { PendingEvents, TransitionContext } from "./transitionContext.js";

/**
 * Ends an order `unfilled` with `reason`, inside the caller's transaction: a compare-and-set on the state the
 * caller read, so an order another path moved meanwhile is left alone (returns false, no event, no miss). A
 * missed reveal (NOT_REVEALED) also counts against the trader.
 */
export async function endUnfilled(
  ctx: Pick<TransitionContext, "store">,
  out: PendingEvents,
  o: OrderRecord,
  reason: string,
  extra: { confirmations?: number; batchId?: number | null } = {},
): Promise<boolean> {
  if (!(await ctx.store.updateOrderIf(o.id, [o.state], { state: "unfilled", reason }))) return false;
  if (reason === "NOT_REVEALED") await ctx.store.addMiss(o.trader, Date.now());
  out.order({
    id: o.id,
    state: "unfilled",
    batchId: extra.batchId === undefined ? o.batchId : extra.batchId,
    reason,
    ...(extra.confirmations === undefined ? {} : { confirmations: extra.confirmations }),
  });
  return true;
}

/**
 * The one requeue: gives an order that was never executed a slot in the open batch (same id; a new leaf index
 * once that batch closes), back to `pending` with no reason, inside the caller's transaction. Used when a
 * batch expires (`expired`: counts against the order's {@link OrderRecord.expiredBatches}), when a settle has
 * more orders than it can execute, and when a freeze leaves out commit-mode orders over the per-batch cap or
 * not due yet (their `commitBy` far off).
 * Compare-and-set on the state the caller read; returns the batch it went to, or null if the order moved.
 */
export async function requeue(
  ctx: Pick<TransitionContext, "store" | "openBatch">,
  out: PendingEvents,
  o: OrderRecord,
  opts: { expired: boolean },
): Promise<number | null> {
  const batchId = await ctx.openBatch.take(o.commitBy ?? o.order?.commitBy ?? null);
  const moved = await ctx.store.updateOrderIf(o.id, [o.state], {
    state: "pending",
    batchId,
    leafIndex: null,
    reason: null,
    expiredBatches: o.expiredBatches + (opts.expired ? 1 : 0),
  });
  if (!moved) return null;
  out.order({ id: o.id, state: "pending", batchId });
  return batchId;
}
