import type { Hex } from "viem";
import type { Order } from "../../client/order/order.js";
import { isRevealOpen } from "../batch/revealWindow.js";
import type { RelayContext } from "../relayContext.js";
import type { OrderRecord } from "../store/store.js";
import type { TransitionContext } from "./transitionContext.js";

/**
 * Intake's writes go through the write queue (group commit: durable before the promise resolves), so each
 * emits its event once the write is on disk, like every other transition.
 */
type IntakeContext = Pick<RelayContext, "writeQueue"> &
  Pick<TransitionContext, "store" | "events" | "head" | "revealWindow">;

/**
 * A new order or commitment enters its batch as `pending`. Refused (false, nothing written) when its id
 * exists or, for an order with its plaintext, another live order of the trader holds its nonce: checked in
 * the write itself, so two racing submissions of one signed order cannot both be accepted.
 */
export async function acceptOrder(ctx: IntakeContext, record: OrderRecord): Promise<boolean> {
  const ok = await ctx.writeQueue.run(async () => {
    if (record.order && (await ctx.store.activeOrderWithNonce(record.trader, record.order.nonce)))
      return false;
    return ctx.store.insertOrder({ ...record, state: "pending" });
  });
  if (ok) ctx.events.order({ id: record.id, state: "pending", batchId: record.batchId });
  return ok;
}

/**
 * A committed leaf's order is revealed: `committed` -> `revealed` with its plaintext, only while its batch's
 * reveal window is open. Compare-and-set inside the write: the settler closing reveals (batch -> `settling`,
 * the order -> unfilled NOT_REVEALED) may have run since the caller checked; exactly one of the two wins.
 */
export async function revealOrder(
  ctx: IntakeContext,
  rec: OrderRecord,
  batchId: number,
  revealed: { order: Order; signature: Hex; salt: Hex; digest: Hex },
): Promise<boolean> {
  const won = await ctx.writeQueue.run(async () => {
    const current = await ctx.store.getBatch(batchId);
    return (
      current !== null &&
      isRevealOpen(ctx, current) &&
      (await ctx.store.updateOrderIf(rec.id, ["committed"], { state: "revealed", ...revealed }))
    );
  });
  if (won) ctx.events.order({ id: rec.id, state: "revealed", batchId: rec.batchId });
  return won;
}

/**
 * A trader-signed cancel: `pending` -> `cancelled`, only while the order's batch is still open (or closing,
 * not yet frozen). Compare-and-set inside the write: the batcher may have frozen the batch since the check.
 */
export async function cancelOrder(ctx: IntakeContext, rec: OrderRecord, batchId: number): Promise<boolean> {
  const won = await ctx.writeQueue.run(async () => {
    const current = await ctx.store.getBatch(batchId);
    return (
      (current?.state === "open" || current?.state === "closing") &&
      (await ctx.store.updateOrderIf(rec.id, ["pending"], { state: "cancelled", reason: "CANCELLED" }))
    );
  });
  if (won) ctx.events.order({ id: rec.id, state: "cancelled", batchId: rec.batchId, reason: "CANCELLED" });
  return won;
}
