import { buildMerkleTree } from "../../client/merkle/merkleTree.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord } from "../store/store.js";

/**
 * Closes batches: every `batchIntervalMs` the open batch (if it has orders) is closed, and a batch that hit
 * `maxBatchSize` is closed at once. Closing freezes the batch: its live orders, in arrival order, become
 * the leaves; the Merkle root is computed and stored with the leaves, and the batch moves to `committing`,
 * where the operator loop picks it up. Everything happens in one store transaction, so a crash leaves the
 * batch either still closing (redone on restart) or fully frozen.
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
    for (const batch of this.ctx.store.batchesInStates(["closing"])) this.freeze(batch);
  }

  private freeze(batch: BatchRecord): void {
    const { store, events, logger } = this.ctx;
    const orders = store.ordersInBatch(batch.id).filter((o) => o.state === "pending");
    if (orders.length === 0) {
      store.updateBatch(batch.id, { state: "expired", closedAt: Date.now(), leaves: [] });
      events.batch({ id: batch.id, state: "expired" });
      return;
    }
    const leaves = orders.map((o) => o.id);
    const tree = buildMerkleTree(leaves);
    store.transaction(() => {
      orders.forEach((o, i) => {
        store.updateOrder(o.id, { leafIndex: i });
      });
      store.updateBatch(batch.id, { state: "committing", root: tree.root, leaves, closedAt: Date.now() });
    });
    logger.info({ batchId: batch.id, leafCount: leaves.length, root: tree.root }, "batch closed");
  }
}
