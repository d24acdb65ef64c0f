import type { Hex } from "viem";
import type { TradeEvent } from "../chain/chainReader.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord, Fill, OrderRecord } from "../store/store.js";
import { FINAL_ORDER_STATES } from "../store/store.js";
import { canStillCommit } from "./commitTiming.js";

/** Public batch state of the REST API for an internal one. */
export function publicBatchState(state: BatchRecord["state"]): "open" | "committed" | "settled" | "expired" {
  if (state === "open" || state === "closing" || state === "committing") return "open";
  if (state === "committed" || state === "settling") return "committed";
  return state;
}

const fillJson = (f: Fill) => ({
  sellAmount: f.sellAmount.toString(),
  buyAmount: f.buyAmount.toString(),
  txHash: f.txHash,
  blockNumber: f.blockNumber.toString(),
});

/** Ends an order `unfilled` with `reason`; a missed reveal also counts against the trader. */
export function markUnfilled(ctx: RelayContext, o: OrderRecord, reason: string, opts = { emit: true }): void {
  ctx.store.updateOrder(o.id, { state: "unfilled", reason });
  if (reason === "NOT_REVEALED") ctx.store.addMiss(o.trader, Date.now());
  if (opts.emit) ctx.events.order({ id: o.id, state: "unfilled", batchId: o.batchId, reason });
}

/** The batch's commit landed: record it on chain and move its live orders to `committed`. */
export function markCommitted(
  ctx: RelayContext,
  batch: BatchRecord,
  chainBatchId: bigint,
  commitBlock: bigint,
  txHash: Hex,
): void {
  const orders = ctx.store
    .ordersInBatch(batch.id)
    .filter((o) => o.leafIndex !== null && o.state === "pending");
  ctx.store.transaction(() => {
    ctx.store.updateBatch(batch.id, { state: "committed", chainBatchId, commitBlock, commitTxHash: txHash });
    for (const o of orders) ctx.store.updateOrder(o.id, { state: "committed" });
  });
  ctx.events.batch({ id: batch.id, state: "committed" });
  for (const o of orders) ctx.events.order({ id: o.id, state: "committed", batchId: batch.id });
  ctx.logger.info({ batchId: batch.id, chainBatchId, commitBlock, txHash }, "batch committed");
}

/** Reveals close: commit-mode orders never revealed end unfilled NOT_REVEALED (a miss for their trader). */
export function closeReveals(ctx: RelayContext, batch: BatchRecord): void {
  const missing = ctx.store
    .ordersInBatch(batch.id)
    .filter((o) => o.mode === "commit" && o.state === "committed" && !o.order);
  ctx.store.transaction(() => {
    ctx.store.updateBatch(batch.id, { state: "settling" });
    for (const o of missing) markUnfilled(ctx, o, "NOT_REVEALED", { emit: false });
  });
  for (const o of missing)
    ctx.events.order({ id: o.id, state: "unfilled", batchId: batch.id, reason: "NOT_REVEALED" });
}

/**
 * The batch settled (or had nothing to trade, `txHash` null): orders with a `Trade` event are filled with
 * the executed amounts; every other live order ends unfilled with the solver's reason.
 */
export function finalizeSettled(
  ctx: RelayContext,
  batch: BatchRecord,
  trades: TradeEvent[],
  txHash: Hex | null,
): void {
  const byDigest = new Map(trades.map((t) => [t.orderDigest.toLowerCase(), t]));
  const orders = ctx.store.ordersInBatch(batch.id).filter((o) => !FINAL_ORDER_STATES.includes(o.state));
  const emitted: Parameters<typeof ctx.events.order>[0][] = [];
  ctx.store.transaction(() => {
    for (const o of orders) {
      const t = o.digest ? byDigest.get(o.digest.toLowerCase()) : undefined;
      if (t) {
        const fill = {
          sellAmount: t.sellAmount,
          buyAmount: t.buyAmount,
          txHash: t.txHash,
          blockNumber: t.blockNumber,
        };
        ctx.store.updateOrder(o.id, { state: "filled", fill, reason: null });
        emitted.push({ id: o.id, state: "filled", batchId: batch.id, fill: fillJson(fill) });
      } else {
        const reason = o.mode === "commit" && !o.order ? "NOT_REVEALED" : (o.reason ?? "LIMIT_NOT_MET");
        markUnfilled(ctx, o, reason, { emit: false });
        emitted.push({ id: o.id, state: "unfilled", batchId: batch.id, reason });
      }
    }
    ctx.store.updateBatch(batch.id, { state: "settled", settleTxHash: txHash, settledAt: Date.now() });
  });
  if (batch.closedAt) ctx.metrics.batchLatency.observe((Date.now() - batch.closedAt) / 1000);
  for (const e of emitted) ctx.events.order(e);
  ctx.events.batch({ id: batch.id, state: "settled" });
  ctx.logger.info({ batchId: batch.id, filled: trades.length, txHash }, "batch settled");
}

/** Batches an order may expire in before the relay gives up on it. */
const MAX_EXPIRED_BATCHES = 2;

/**
 * The batch cannot settle any more: mark it expired and give every order that can still execute elsewhere a
 * place in the open batch (same id, a new leaf index once that batch closes); the rest end unfilled with the
 * reason. Order v2: an order moves only if the open batch can still be committed by its `commitBy`, so a
 * revealed commit-mode order (whose client revealed only after its `commitBy`) never moves: it ends
 * `COMMIT_DEADLINE_PASSED`, as the contract would refuse it in any later batch.
 */
export function expireBatch(ctx: RelayContext, batch: BatchRecord): void {
  const nowS = BigInt(Math.floor(Date.now() / 1000));
  const orders = ctx.store.ordersInBatch(batch.id).filter((o) => !FINAL_ORDER_STATES.includes(o.state));
  const emitted: Parameters<typeof ctx.events.order>[0][] = [];
  ctx.store.transaction(() => {
    ctx.store.updateBatch(batch.id, { state: "expired" });
    for (const o of orders) {
      let reason: string | null = null;
      if (!o.order) reason = "NOT_REVEALED";
      else if (o.order.validTo <= nowS) reason = "EXPIRED";
      else if (!canStillCommit(ctx, o.order.commitBy)) reason = "COMMIT_DEADLINE_PASSED";
      else if (o.mode === "commit")
        reason = "BATCH_EXPIRED"; // revealed for this batch: never moved
      else if (o.expiredBatches + 1 >= MAX_EXPIRED_BATCHES) reason = "BATCH_EXPIRED";
      if (reason) {
        markUnfilled(ctx, o, reason, { emit: false });
        emitted.push({ id: o.id, state: "unfilled", batchId: batch.id, reason });
      } else {
        const next = ctx.openBatch.take(o.order!.commitBy);
        ctx.store.updateOrder(o.id, {
          state: "pending",
          batchId: next,
          leafIndex: null,
          reason: null,
          expiredBatches: o.expiredBatches + 1,
        });
        emitted.push({ id: o.id, state: "pending", batchId: next });
      }
    }
  });
  for (const e of emitted) ctx.events.order(e);
  ctx.events.batch({ id: batch.id, state: "expired" });
  ctx.logger.warn({ batchId: batch.id, orders: orders.length }, "batch expired before settling");
}
