import type { RelayContext } from "../relayContext.js";
import { freezeBatch, requeueStranded } from "../transitions/batchTransitions.js";
import { CLOSE_LEAD_BLOCKS, defersCommitMode } from "./commitTiming.js";
import { settleMayStart } from "./revealWindow.js";

/**
 * Batches ready to settle (and not landed) at a new head from which the interval close waits: one settle per
 * pool per block (F2) drains one a block, so with a batch closing every block any missed block left a backlog
 * that never drained (the latency bench under load: 62 settle pool waits in 51 blocks, p99 14 blocks). While
 * it lasts the open batch keeps taking orders (closed anyway when an order's `commitBy` needs it), so fewer,
 * larger batches let the backlog drain. Counted over all pools: with several pools this may hold a close that
 * did not need to wait (a somewhat larger batch, nothing worse).
 */
const SETTLE_BACKLOG_HOLD = 2;

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
 * pending in the open batch (never committed, so moving them is safe). A commit-mode order whose `commitBy`
 * is still far off also waits in the open batch ({@link defersCommitMode}): its reveal cannot come before
 * `commitBy` anyway, and committed early it would hold its batch's sealed orders until then.
 *
 * While blocks come, the interval closes are aligned to heads: on a new head the open batch closes when its
 * interval is due within half a slot, before the operator loop runs, so its commit makes that very block's
 * bundle (a close in mid-slot waited for the next head's bundle: up to one block more). The timer only closes
 * a batch whose interval passed by half a slot without a head. Neither closes while settles are backlogged
 * ({@link SETTLE_BACKLOG_HOLD}); an order's `commitBy` still closes the batch in time.
 */
export class Batcher {
  private timer: NodeJS.Timeout | null = null;
  private soon = false;
  /** An interval close is running (the store is async: a tick must not start a second one meanwhile). */
  private intervalBusy = false;
  /** Unsubscribes from the open batch's "full" signal (set while started). */
  private unsubscribeFull: (() => void) | null = null;
  /** When the open batch last closed on its interval (on a head or by the timer). */
  private lastCloseAt = Date.now();

  constructor(private readonly ctx: RelayContext) {}

  /** Starts the interval closes and listens for the open batch filling up (closeSoon). */
  start(): void {
    this.unsubscribeFull ??= this.ctx.openBatch.onFull(() => this.closeSoon());
    this.closeQuietly();
    const tick = Math.max(10, Math.floor(this.ctx.config.batchIntervalMs / 4));
    this.timer = setInterval(() => void this.onInterval(), tick);
  }

  /** Half a slot, at most half the interval: how far a close moves to meet a head. */
  private halfSlotMs(): number {
    return Math.min(this.ctx.head.blockTimeMs, this.ctx.config.batchIntervalMs) / 2;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribeFull?.();
    this.unsubscribeFull = null;
  }

  /** Called when the open batch fills up (its onFull, while started): freeze it now, not at the interval. */
  closeSoon(): void {
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      this.closeQuietly();
    });
  }

  /**
   * On a new head: closes the open batch now if its interval is due within half a slot, or if waiting for
   * the interval would miss an order's `commitBy`, and freezes it so the operator loop can commit it in this
   * very block's bundle.
   */
  async onBlock(): Promise<void> {
    if (this.ctx.openBatch.size === 0) return;
    const earliest = this.ctx.openBatch.minCommitBy;
    const deadlineNear = earliest !== null && this.ctx.head.block + CLOSE_LEAD_BLOCKS >= earliest;
    try {
      const due =
        Date.now() - this.lastCloseAt >= this.ctx.config.batchIntervalMs - this.halfSlotMs() &&
        !(await this.settlesBacklogged());
      if (!deadlineNear && !due) return;
      await this.ctx.writeQueue.flush();
      await this.ctx.openBatch.rotate();
      if (due) this.lastCloseAt = Date.now();
      await this.closeFull();
    } catch (err) {
      this.ctx.logger.error({ err }, "closing a batch on a new head failed");
    }
  }

  /** True when {@link SETTLE_BACKLOG_HOLD} or more batches wait to settle. */
  private async settlesBacklogged(): Promise<boolean> {
    let ready = 0;
    for (const b of await this.ctx.store.batchesInStates(["committed", "settling"]))
      if (b.settleBlock === null && settleMayStart(this.ctx, b) && ++ready >= SETTLE_BACKLOG_HOLD)
        return true;
    return false;
  }

  private async onInterval(): Promise<void> {
    if (this.intervalBusy) return; // the last tick's close is still running
    if (Date.now() - this.lastCloseAt < this.ctx.config.batchIntervalMs + this.halfSlotMs()) return;
    this.intervalBusy = true;
    try {
      if (await this.settlesBacklogged()) return;
      this.lastCloseAt = Date.now();
      await this.ctx.writeQueue.flush();
      if (this.ctx.openBatch.size > 0) await this.ctx.openBatch.rotate();
      await this.closeFull();
    } catch (err) {
      this.ctx.logger.error({ err }, "closing a batch failed; retrying next interval");
    } finally {
      this.intervalBusy = false;
    }
  }

  /** {@link closeFull} from a timer or a signal: a failure is logged, the next close retries. */
  private closeQuietly(): void {
    this.closeFull().catch((err) => this.ctx.logger.error({ err }, "freezing closing batches failed"));
  }

  /** Freezes every batch in state `closing` (one at a time: a freeze is one store transaction). */
  async closeFull(): Promise<void> {
    await this.ctx.writeQueue.flush();
    for (const batch of await this.ctx.store.batchesInStates(["closing"])) await freezeBatch(this.ctx, batch);
    // several instances: an order a follower put in a batch frozen meanwhile goes to the open batch
    if (this.ctx.store.backend === "postgres") await requeueStranded(this.ctx);
  }
}
