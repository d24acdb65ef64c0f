import type { Hex } from "viem";
import { canStillCommit } from "../batch/commitTiming.js";
import type { PlannedSettle, SettlePlan } from "../batch/settlePlanner.js";
import type { TradeEvent } from "../chain/chainReader.js";
import type { OrderEvent } from "../events/relayEvents.js";
import type { BatchRecord, Fill, OrderRecord } from "../store/store.js";
import { FINAL_ORDER_STATES } from "../store/store.js";
import { endUnfilled, requeue } from "./orderSteps.js";
import { commitThenEmit, type TransitionContext } from "./transitionContext.js";

const fillJson = (f: Fill) => ({
  sellAmount: f.sellAmount.toString(),
  buyAmount: f.buyAmount.toString(),
  txHash: f.txHash,
  blockNumber: f.blockNumber.toString(),
});

/** Confirmations of a tx in block `block` at the current head (its own block counts 1); null if ahead. */
export function confirmationsOf(ctx: Pick<TransitionContext, "head">, block: bigint): number | null {
  const n = ctx.head.block - block + 1n;
  return n < 1n ? null : Number(n);
}

/**
 * The batch's commit landed: record it on chain (with its block hash, so a reorg that replaces the block is
 * noticed) and move its live orders to `committed` (or back to `revealed`, for a commit-mode order revealed
 * before a reorg took the first commit away). Compare-and-set: only a `committing` batch moves; returns
 * whether it did.
 */
export async function markCommitted(
  ctx: TransitionContext,
  batch: BatchRecord,
  chainBatchId: bigint,
  commitBlock: bigint,
  txHash: Hex,
  commitBlockHash: Hex | null = null,
): Promise<boolean> {
  const ok = await commitThenEmit(ctx, async (out) => {
    const won = await ctx.store.updateBatchIf(batch.id, ["committing"], {
      state: "committed",
      chainBatchId,
      commitBlock,
      commitTxHash: txHash,
      commitBlockHash,
    });
    if (!won) return false;
    out.batch({ id: batch.id, state: "committed", confirmations: 1 });
    for (const o of await ctx.store.ordersInBatch(batch.id)) {
      if (o.leafIndex === null || o.state !== "pending") continue;
      const state = o.mode === "commit" && o.order ? "revealed" : "committed";
      if (await ctx.store.updateOrderIf(o.id, ["pending"], { state }))
        out.order({ id: o.id, state, batchId: batch.id, confirmations: 1 });
    }
    return true;
  });
  if (ok) ctx.logger.info({ batchId: batch.id, chainBatchId, commitBlock, txHash }, "batch committed");
  return ok;
}

/**
 * Reveals close: commit-mode orders never revealed end unfilled NOT_REVEALED (a miss for their trader).
 * Compare-and-set on the batch (`committed` -> `settling`) and on each order (`committed`), inside one write:
 * a reveal racing it at `head == reveal deadline` either lands first (and is settled) or is refused; never
 * both "revealed" to the client and charged a miss. Returns whether this call closed them.
 */
export function closeReveals(ctx: TransitionContext, batch: BatchRecord): Promise<boolean> {
  return commitThenEmit(ctx, async (out) => {
    if (!(await ctx.store.updateBatchIf(batch.id, ["committed"], { state: "settling" }))) return false;
    for (const o of await ctx.store.ordersInBatch(batch.id))
      if (o.mode === "commit" && o.state === "committed" && !o.order)
        await endUnfilled(ctx, out, o, "NOT_REVEALED", { batchId: batch.id });
    return true;
  });
}

/**
 * Applies a settle plan made by `planSettle` (which writes nothing): orders it dropped end unfilled with their
 * reason, orders over one settle's capacity go back to the open batch (the one requeue), and every order the
 * solver was given keeps its reason (null if the plan fills it), so the outcome survives a crash. Each write
 * is a compare-and-set on the state the planner read. Returns the plan.
 */
export async function applySettlePlan(
  ctx: TransitionContext,
  planned: PlannedSettle,
): Promise<SettlePlan | null> {
  await commitThenEmit(ctx, async (out) => {
    for (const o of planned.deferred) await requeue(ctx, out, o, { expired: false });
    for (const d of planned.dropped) await endUnfilled(ctx, out, d.order, d.reason);
    for (const r of planned.reasons)
      await ctx.store.updateOrderIf(r.order.id, [r.order.state], { reason: r.reason });
  });
  if (planned.deferred.length > 0)
    ctx.logger.info(
      { deferred: planned.deferred.length },
      "batch has more orders than one settle can execute; deferred",
    );
  return planned.plan;
}

/**
 * An order the settle's simulation blames (named by the contract, or found by bisecting its trades) leaves
 * the batch: `failed` with `error` when the relay can never settle it (a bad signature, a wallet that
 * reverts, a fee-on-transfer token), otherwise `unfilled` with the reason. Compare-and-set on the state it
 * had in the plan (`committed` or `revealed`); returns whether it moved.
 */
export function dropOffender(
  ctx: TransitionContext,
  id: Hex,
  reason: string,
  error: string | null,
): Promise<boolean> {
  return commitThenEmit(ctx, async (out) => {
    const o = await ctx.store.getOrder(id);
    if (!o || (o.state !== "committed" && o.state !== "revealed")) return false;
    if (error === null) return endUnfilled(ctx, out, o, reason);
    if (!(await ctx.store.updateOrderIf(o.id, [o.state], { state: "failed", reason, error }))) return false;
    out.order({ id: o.id, state: "failed", batchId: o.batchId, reason });
    return true;
  });
}

/**
 * The batch settled (or had nothing to trade, `txHash` null): orders with a `Trade` event are filled with
 * the executed amounts; every other live order ends unfilled with the solver's reason.
 */
export async function finalizeSettled(
  ctx: TransitionContext,
  batch: BatchRecord,
  trades: TradeEvent[],
  txHash: Hex | null,
): Promise<void> {
  const byDigest = new Map(trades.map((t) => [t.orderDigest.toLowerCase(), t]));
  // The chain is the truth: a leaf with a Trade in this settle is filled even if the relay had already given
  // up on it (e.g. NONCE_USED when an earlier settle reorged out came back and used its nonce).
  const traded = (o: OrderRecord) => o.digest !== null && byDigest.has(o.digest.toLowerCase());
  const confirmations =
    batch.settleBlock === null ? undefined : (confirmationsOf(ctx, batch.settleBlock) ?? undefined);
  const done = await commitThenEmit(ctx, async (out) => {
    const won = await ctx.store.updateBatchIf(batch.id, ["committed", "settling"], {
      state: "settled",
      settleTxHash: txHash,
      settledAt: Date.now(),
    });
    if (!won) return false;
    const orders = (await ctx.store.ordersInBatch(batch.id)).filter(
      (o) =>
        !FINAL_ORDER_STATES.includes(o.state) || (o.state === "unfilled" && traded(o) && isLeafOf(batch, o)),
    );
    for (const o of orders) {
      const t = o.digest ? byDigest.get(o.digest.toLowerCase()) : undefined;
      if (t) {
        const fill = {
          sellAmount: t.sellAmount,
          buyAmount: t.buyAmount,
          txHash: t.txHash,
          blockNumber: t.blockNumber,
        };
        if (await ctx.store.updateOrderIf(o.id, [o.state], { state: "filled", fill, reason: null }))
          out.order({ id: o.id, state: "filled", batchId: batch.id, fill: fillJson(fill), confirmations });
      } else {
        const reason = o.mode === "commit" && !o.order ? "NOT_REVEALED" : (o.reason ?? "LIMIT_NOT_MET");
        await endUnfilled(ctx, out, o, reason, { batchId: batch.id, confirmations });
      }
    }
    out.batch({ id: batch.id, state: "settled" });
    return true;
  });
  if (!done) return;
  if (batch.closedAt) ctx.metrics.batchLatency.observe((Date.now() - batch.closedAt) / 1000);
  ctx.logger.info({ batchId: batch.id, filled: trades.length, txHash }, "batch settled");
}

/** Batches an order may expire in before the relay gives up on it. */
const MAX_EXPIRED_BATCHES = 2;

/**
 * The batch cannot settle any more: mark it expired and requeue every order that can still execute elsewhere
 * (same id, a new leaf index once the open batch closes); the rest end unfilled with the reason. Order v2: an
 * order moves only if the open batch can still be committed by its `commitBy`, so a revealed commit-mode
 * order (whose client revealed only after its `commitBy`) never moves: it ends `COMMIT_DEADLINE_PASSED`, as
 * the contract would refuse it in any later batch.
 */
export async function expireBatch(ctx: TransitionContext, batch: BatchRecord): Promise<void> {
  const nowS = BigInt(Math.floor(Date.now() / 1000));
  let count = 0;
  const done = await commitThenEmit(ctx, async (out) => {
    if (!(await ctx.store.updateBatchIf(batch.id, ["committed", "settling"], { state: "expired" })))
      return false;
    const orders = (await ctx.store.ordersInBatch(batch.id)).filter(
      (o) => !FINAL_ORDER_STATES.includes(o.state),
    );
    count = orders.length;
    for (const o of orders) {
      let reason: string | null = null;
      if (!o.order) reason = "NOT_REVEALED";
      else if (o.order.validTo <= nowS) reason = "EXPIRED";
      else if (!canStillCommit(ctx, o.order.commitBy)) reason = "COMMIT_DEADLINE_PASSED";
      else if (o.mode === "commit")
        reason = "BATCH_EXPIRED"; // revealed for this batch: never moved
      else if (o.expiredBatches + 1 >= MAX_EXPIRED_BATCHES) reason = "BATCH_EXPIRED";
      if (reason) await endUnfilled(ctx, out, o, reason, { batchId: batch.id });
      else await requeue(ctx, out, o, { expired: true });
    }
    out.batch({ id: batch.id, state: "expired" });
    return true;
  });
  if (done) ctx.logger.warn({ batchId: batch.id, orders: count }, "batch expired before settling");
}

/**
 * The settle landed (first receipt): remember its tx, block and block hash; the batch stays `settling` and its
 * orders keep their state until the settle has the configured confirmations (then {@link finalizeSettled}).
 * Compare-and-set on `committed`/`settling` with no settle recorded yet.
 */
export async function markSettleLanded(
  ctx: TransitionContext,
  batch: BatchRecord,
  settleTxHash: Hex,
  settleBlock: bigint,
  settleBlockHash: Hex,
): Promise<boolean> {
  const confirmations = confirmationsOf(ctx, settleBlock) ?? 1;
  const ok = await commitThenEmit(ctx, async (out) => {
    const now = await ctx.store.getBatch(batch.id);
    if (!now || now.settleBlock !== null) return false;
    const won = await ctx.store.updateBatchIf(batch.id, ["committed", "settling"], {
      state: "settling",
      settleTxHash,
      settleBlock,
      settleBlockHash,
    });
    if (!won) return false;
    out.batch({ id: batch.id, state: "committed", confirmations });
    for (const o of await ctx.store.ordersInBatch(batch.id))
      if (!FINAL_ORDER_STATES.includes(o.state) && o.leafIndex !== null)
        out.order({ id: o.id, state: o.state, batchId: batch.id, confirmations } satisfies OrderEvent);
    return true;
  });
  if (ok)
    ctx.logger.info(
      { batchId: batch.id, settleTxHash, settleBlock, confirmations, needed: ctx.confirmations },
      "settle landed; waiting for confirmations",
    );
  return ok;
}

/** True when `o` is one of the batch's committed leaves (not moved elsewhere, not left out when it froze). */
export function isLeafOf(batch: BatchRecord, o: OrderRecord): boolean {
  return o.batchId === batch.id && o.leafIndex !== null && batch.leaves?.[o.leafIndex] === o.id;
}
