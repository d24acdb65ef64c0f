import type { RelayContext } from "../relayContext.js";
import { freezeBatch } from "../transitions/batchTransitions.js";
import { CLOSE_LEAD_BLOCKS } from "./commitTiming.js";

/**
 * Closes batches: every `batchIntervalMs` the open batch (if it has orders) is closed, and a batch that hit
 * `maxBatchSize` is closed at once. Closing freezes the batch (`freezeBatch`, a state transition: its live
 * orders, in arrival order, become the leaves; the Merkle root is stored with them, and the batch moves to
 * `committing`, where the operator loop picks it up), in one store transaction, so a crash leaves the batch
 * either still closing (redone on restart) or fully frozen. The batcher decides when; it writes nothing itself.
 *
 * Order v2: every order must be committed by its signed `commitBy`. On each new block the open batch closes
 * early when its smallest `commitBy` is near ({@link CLOSE_LEAD_BLOCKS}); freezing leaves out (unfilled,
 * `COMMIT_DEADLINE_PASSED`) orders whose `commitBy` is before the next block, and records the batch's
 * commit deadline (its smallest `commitBy`) and the largest `commitBy` of its commit-mode orders (their
 * reveals come after it). A batch takes at most `MAX_TRADES_PER_SETTLE` commit-mode orders: once
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
