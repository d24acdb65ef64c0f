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

/**
 * The batch's commit landed: record it on chain (with its block hash, so a reorg that replaces the block is
 * noticed) and move its live orders to `committed` (or back to `revealed`, for a commit-mode order revealed
 * before a reorg took the first commit away). Compare-and-set: only a `committing` batch moves; returns
 * whether it did.
 */
export function markCommitted(
  ctx: RelayContext,
  batch: BatchRecord,
  chainBatchId: bigint,
  commitBlock: bigint,
  txHash: Hex,
  commitBlockHash: Hex | null = null,
): boolean {
  const moved: { id: Hex; state: "committed" | "revealed" }[] = [];
  const ok = ctx.store.transaction(() => {
    const won = ctx.store.updateBatchIf(batch.id, ["committing"], {
      state: "committed",
      chainBatchId,
      commitBlock,
      commitTxHash: txHash,
      commitBlockHash,
    });
    if (!won) return false;
    for (const o of ctx.store.ordersInBatch(batch.id)) {
      if (o.leafIndex === null || o.state !== "pending") continue;
      const state = o.mode === "commit" && o.order ? "revealed" : "committed";
      if (ctx.store.updateOrderIf(o.id, ["pending"], { state })) moved.push({ id: o.id, state });
    }
    return true;
  });
  if (!ok) return false;
  ctx.events.batch({ id: batch.id, state: "committed", confirmations: 1 });
  for (const o of moved) ctx.events.order({ id: o.id, state: o.state, batchId: batch.id, confirmations: 1 });
  ctx.logger.info({ batchId: batch.id, chainBatchId, commitBlock, txHash }, "batch committed");
  return true;
}

/**
 * Reveals close: commit-mode orders never revealed end unfilled NOT_REVEALED (a miss for their trader).
 * Compare-and-set on the batch (`committed` -> `settling`) and on each order (`committed`), inside one write:
 * a reveal racing it at `head == reveal deadline` either lands first (and is settled) or is refused; never
 * both "revealed" to the client and charged a miss. Returns whether this call closed them.
 */
export function closeReveals(ctx: RelayContext, batch: BatchRecord): boolean {
  const missing: OrderRecord[] = [];
  const closed = ctx.store.transaction(() => {
    if (!ctx.store.updateBatchIf(batch.id, ["committed"], { state: "settling" })) return false;
    for (const o of ctx.store.ordersInBatch(batch.id)) {
      if (o.mode !== "commit" || o.state !== "committed" || o.order) continue;
      if (ctx.store.updateOrderIf(o.id, ["committed"], { state: "unfilled", reason: "NOT_REVEALED" })) {
        ctx.store.addMiss(o.trader, Date.now());
        missing.push(o);
      }
    }
    return true;
  });
  for (const o of missing)
    ctx.events.order({ id: o.id, state: "unfilled", batchId: batch.id, reason: "NOT_REVEALED" });
  return closed;
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
  // The chain is the truth: a leaf with a Trade in this settle is filled even if the relay had already given
  // up on it (e.g. NONCE_USED when an earlier settle reorged out came back and used its nonce).
  const traded = (o: OrderRecord) => o.digest !== null && byDigest.has(o.digest.toLowerCase());
  const orders = ctx.store
    .ordersInBatch(batch.id)
    .filter(
      (o) =>
        !FINAL_ORDER_STATES.includes(o.state) || (o.state === "unfilled" && traded(o) && isLeafOf(batch, o)),
    );
  const emitted: Parameters<typeof ctx.events.order>[0][] = [];
  const confirmations =
    batch.settleBlock === null ? undefined : (confirmationsOf(ctx, batch.settleBlock) ?? undefined);
  const done = ctx.store.transaction(() => {
    if (!ctx.store.updateBatchIf(batch.id, ["committed", "settling"], { state: "settled" })) return false;
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
        emitted.push({ id: o.id, state: "filled", batchId: batch.id, fill: fillJson(fill), confirmations });
      } else {
        const reason = o.mode === "commit" && !o.order ? "NOT_REVEALED" : (o.reason ?? "LIMIT_NOT_MET");
        markUnfilled(ctx, o, reason, { emit: false });
        emitted.push({ id: o.id, state: "unfilled", batchId: batch.id, reason, confirmations });
      }
    }
    ctx.store.updateBatch(batch.id, { settleTxHash: txHash, settledAt: Date.now() });
    return true;
  });
  if (!done) return;
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
  const done = ctx.store.transaction(() => {
    if (!ctx.store.updateBatchIf(batch.id, ["committed", "settling"], { state: "expired" })) return false;
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
    return true;
  });
  if (!done) return;
  for (const e of emitted) ctx.events.order(e);
  ctx.events.batch({ id: batch.id, state: "expired" });
  ctx.logger.warn({ batchId: batch.id, orders: orders.length }, "batch expired before settling");
}

/** Confirmations of a tx in block `block` at the current head (its own block counts 1); null if ahead. */
export function confirmationsOf(ctx: Pick<RelayContext, "head">, block: bigint): number | null {
  const n = ctx.head.block - block + 1n;
  return n < 1n ? null : Number(n);
}

/**
 * The settle landed (first receipt): remember its tx, block and block hash; the batch stays `settling` and its
 * orders keep their state until the settle has the configured confirmations (then {@link finalizeSettled}).
 * Compare-and-set on `committed`/`settling` with no settle recorded yet.
 */
export function markSettleLanded(
  ctx: RelayContext,
  batch: BatchRecord,
  settleTxHash: Hex,
  settleBlock: bigint,
  settleBlockHash: Hex,
): boolean {
  const ok = ctx.store.transaction(() => {
    const now = ctx.store.getBatch(batch.id);
    if (!now || now.settleBlock !== null) return false;
    return ctx.store.updateBatchIf(batch.id, ["committed", "settling"], {
      state: "settling",
      settleTxHash,
      settleBlock,
      settleBlockHash,
    });
  });
  if (!ok) return false;
  const confirmations = confirmationsOf(ctx, settleBlock) ?? 1;
  ctx.events.batch({ id: batch.id, state: "committed", confirmations });
  for (const o of ctx.store.ordersInBatch(batch.id))
    if (!FINAL_ORDER_STATES.includes(o.state) && o.leafIndex !== null)
      ctx.events.order({ id: o.id, state: o.state, batchId: batch.id, confirmations });
  ctx.logger.info(
    { batchId: batch.id, settleTxHash, settleBlock, confirmations, needed: ctx.confirmations },
    "settle landed; waiting for confirmations",
  );
  return true;
}

/** True when `o` is one of the batch's committed leaves (not moved elsewhere, not left out when it froze). */
function isLeafOf(batch: BatchRecord, o: OrderRecord): boolean {
  return o.batchId === batch.id && o.leafIndex !== null && batch.leaves?.[o.leafIndex] === o.id;
}

/** The state a committed leaf goes back to when the settle that decided it is gone. */
function preSettleState(o: OrderRecord): "committed" | "revealed" {
  return o.mode === "commit" && o.order ? "revealed" : "committed";
}

/**
 * A reorg removed the batch's settle: the batch goes back to `settling` (re-planned against the new chain and
 * re-sent) and every leaf the settle decided goes back to `committed`/`revealed`; a NOT_REVEALED miss charged
 * at finalization is taken back (the order is decided again). The contract's settled flag and nonce bits stop
 * anything from executing twice if the old settle comes back.
 */
export function rollBackSettle(ctx: RelayContext, batch: BatchRecord, why: string): boolean {
  const back: { id: Hex; state: "committed" | "revealed" }[] = [];
  const ok = ctx.store.transaction(() => {
    const won = ctx.store.updateBatchIf(batch.id, ["settling", "settled"], {
      state: "settling",
      settleTxHash: null,
      settleBlock: null,
      settleBlockHash: null,
      settledAt: null,
    });
    if (!won) return false;
    for (const o of ctx.store.ordersInBatch(batch.id)) {
      if (!isLeafOf(batch, o) || (o.state !== "filled" && o.state !== "unfilled")) continue;
      if (o.state === "unfilled" && o.reason === "NOT_REVEALED") continue; // closed reveals stay closed
      const state = preSettleState(o);
      if (ctx.store.updateOrderIf(o.id, ["filled", "unfilled"], { state, fill: null, reason: null }))
        back.push({ id: o.id, state });
    }
    return true;
  });
  if (!ok) return false;
  ctx.metrics.rollbacks.inc({ kind: "settle" });
  ctx.events.batch({ id: batch.id, state: "committed", confirmations: 0 });
  for (const o of back) ctx.events.order({ id: o.id, state: o.state, batchId: batch.id, confirmations: 0 });
  ctx.logger.warn({ batchId: batch.id, orders: back.length, why }, "settle reorged out: re-planning it");
  return true;
}

/**
 * A reorg removed the batch's commit: the batch goes back to `committing` (the same root is re-sent while
 * every order can still be committed by its `commitBy`; otherwise the batcher re-freezes it without the late
 * ones, which end `COMMIT_DEADLINE_PASSED`), its leaves back to `pending` (revealed orders keep their reveal),
 * and NOT_REVEALED misses charged for it are taken back: nobody can reveal for a root that is not on chain.
 */
export function rollBackCommit(ctx: RelayContext, batch: BatchRecord, why: string): boolean {
  const back: Hex[] = [];
  const ok = ctx.store.transaction(() => {
    const won = ctx.store.updateBatchIf(batch.id, ["committed", "settling", "settled"], {
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
    for (const o of ctx.store.ordersInBatch(batch.id)) {
      if (!isLeafOf(batch, o) || o.state === "pending" || o.state === "cancelled" || o.state === "failed")
        continue;
      if (
        ctx.store.updateOrderIf(o.id, ["committed", "revealed", "filled", "unfilled"], {
          state: "pending",
          fill: null,
          reason: null,
        })
      ) {
        if (o.state === "unfilled" && o.reason === "NOT_REVEALED") ctx.store.removeMiss(o.trader);
        back.push(o.id);
      }
    }
    return true;
  });
  if (!ok) return false;
  ctx.metrics.rollbacks.inc({ kind: "commit" });
  ctx.events.batch({ id: batch.id, state: "open" });
  for (const id of back) ctx.events.order({ id, state: "pending", batchId: batch.id });
  ctx.logger.warn({ batchId: batch.id, orders: back.length, why }, "commit reorged out: re-committing");
  return true;
}
