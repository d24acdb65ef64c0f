import { buildMerkleTree } from "../../client/merkle/merkleTree.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord, OrderRecord } from "../store/store.js";
import { CLOSE_LEAD_BLOCKS } from "./commitTiming.js";
import { markUnfilled } from "./orderTransitions.js";
import { MAX_TRADES_PER_SETTLE } from "./settlePlanner.js";

/**
 * Closes batches: every `batchIntervalMs` the open batch (if it has orders) is closed, and a batch that hit
 * `maxBatchSize` is closed at once. Closing freezes the batch: its live orders, in arrival order, become
 * the leaves; the Merkle root is computed and stored with the leaves, and the batch moves to `committing`,
 * where the operator loop picks it up. Everything happens in one store transaction, so a crash leaves the
 * batch either still closing (redone on restart) or fully frozen.
 *
 * Order v2: every order must be committed by its signed `commitBy`. On each new block the open batch closes
 * early when its smallest `commitBy` is near ({@link CLOSE_LEAD_BLOCKS}); freezing leaves out (unfilled,
 * `COMMIT_DEADLINE_PASSED`) orders whose `commitBy` is before the next block, and records the batch's
 * commit deadline (its smallest `commitBy`) and the largest `commitBy` of its commit-mode orders (their
 * reveals come after it). A batch takes at most {@link MAX_TRADES_PER_SETTLE} commit-mode orders: once
 * revealed they can never move to a later batch, so they must all fit in its one settle; the rest stay
 * pending in the open batch (never committed, so moving them is safe).
 */
export class Batcher {
  private timer: NodeJS.Timeout | null = null;
  private soon = false;

  constructor(private readonly ctx: RelayContext) {}

  start(): void {
    this.closeFull();
    this.timer = setInterval(() => this.onInterval(), this.ctx.config.batchIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called by the open batch when it fills up: freeze it without waiting for the interval. */
  closeSoon(): void {
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      this.closeFull();
    });
  }

  /**
   * On a new head: closes the open batch now if waiting for the interval would miss an order's `commitBy`,
   * and freezes it so the operator loop can commit it in this very block's bundle.
   */
  onBlock(): void {
    const earliest = this.ctx.openBatch.minCommitBy;
    if (earliest === null || this.ctx.openBatch.size === 0) return;
    if (this.ctx.head.block + CLOSE_LEAD_BLOCKS < earliest) return;
    try {
      this.ctx.writeQueue.flush();
      this.ctx.openBatch.rotate();
      this.closeFull();
    } catch (err) {
      this.ctx.logger.error({ err }, "closing a batch early for its commit deadline failed");
    }
  }

  private onInterval(): void {
    try {
      this.ctx.writeQueue.flush();
      if (this.ctx.openBatch.size > 0) this.ctx.openBatch.rotate();
      this.closeFull();
    } catch (err) {
      this.ctx.logger.error({ err }, "closing a batch failed; retrying next interval");
    }
  }

  /** Freezes every batch in state `closing`. */
  closeFull(): void {
    this.ctx.writeQueue.flush();
    for (const batch of this.ctx.store.batchesInStates(["closing"])) freezeBatch(this.ctx, batch);
  }
}

/**
 * Freezes a closing batch, or re-freezes a committing one whose commit can no longer land by its deadline
 * (no attempt in flight): the orders it can still commit stay, with a new root.
 */
export function freezeBatch(ctx: RelayContext, batch: BatchRecord): void {
  const { store, events, logger, head } = ctx;
  const firstLanding = head.block + 1n;
  const pending = store.ordersInBatch(batch.id).filter((o) => o.state === "pending");
  const late = pending.filter((o) => o.commitBy !== null && o.commitBy < firstLanding);
  const onTime = pending.filter((o) => !late.includes(o));
  const commitMode = onTime.filter((o) => o.mode === "commit");
  const overflow = commitMode.slice(MAX_TRADES_PER_SETTLE);
  const orders = onTime.filter((o) => !overflow.includes(o));
  const moved: { o: OrderRecord; batchId: number }[] = [];
  if (orders.length === 0) {
    store.transaction(() => {
      for (const o of late) markUnfilled(ctx, o, "COMMIT_DEADLINE_PASSED", { emit: false });
      for (const o of overflow) moved.push({ o, batchId: moveToOpen(ctx, o) });
      store.updateBatch(batch.id, { state: "expired", closedAt: Date.now(), leaves: [] });
    });
    emitDropped(ctx, batch.id, late, moved);
    events.batch({ id: batch.id, state: "expired" });
    return;
  }
  const leaves = orders.map((o) => o.id);
  const tree = buildMerkleTree(leaves);
  let commitDeadline: bigint | null = null;
  let revealAfter: bigint | null = null;
  for (const o of orders) {
    if (o.commitBy === null) continue;
    if (commitDeadline === null || o.commitBy < commitDeadline) commitDeadline = o.commitBy;
    if (o.mode === "commit" && (revealAfter === null || o.commitBy > revealAfter)) revealAfter = o.commitBy;
  }
  store.transaction(() => {
    for (const o of late) markUnfilled(ctx, o, "COMMIT_DEADLINE_PASSED", { emit: false });
    for (const o of overflow) moved.push({ o, batchId: moveToOpen(ctx, o) });
    orders.forEach((o, i) => {
      store.updateOrder(o.id, { leafIndex: i });
    });
    store.updateBatch(batch.id, {
      state: "committing",
      root: tree.root,
      leaves,
      commitDeadline,
      revealAfter,
      closedAt: batch.closedAt ?? Date.now(),
    });
  });
  emitDropped(ctx, batch.id, late, moved);
  logger.info(
    { batchId: batch.id, leafCount: leaves.length, root: tree.root, commitDeadline, late: late.length },
    batch.state === "committing" ? "batch re-frozen for its commit deadline" : "batch closed",
  );
}

/** Gives a never-committed order a slot in the open batch (same id; a leaf index once that one closes). */
function moveToOpen(ctx: RelayContext, o: OrderRecord): number {
  const batchId = ctx.openBatch.take(o.commitBy);
  ctx.store.updateOrder(o.id, { batchId, leafIndex: null });
  return batchId;
}

function emitDropped(
  ctx: RelayContext,
  batchId: number,
  late: OrderRecord[],
  moved: { o: OrderRecord; batchId: number }[],
): void {
  for (const o of late)
    ctx.events.order({ id: o.id, state: "unfilled", batchId, reason: "COMMIT_DEADLINE_PASSED" });
  for (const m of moved) ctx.events.order({ id: m.o.id, state: "pending", batchId: m.batchId });
}
