import type { Store } from "../store/store.js";
import { openBatchAtStart, rotateOpenBatch } from "../transitions/batchTransitions.js";

/**
 * The batch new orders go into. Slots are counted in memory so intake never waits on the batcher; when the
 * batch reaches `maxBatchSize` it is marked `closing` and a new one opens at once, and the listeners of
 * {@link OpenBatch.onFull} (the running batcher) freeze the full one without waiting for the interval. The
 * batcher subscribes itself, so the two are built in order (open batch, context, batcher) with no cycle.
 */
export class OpenBatch {
  private id: number;
  private count: number;
  /** Smallest `commitBy` among the open batch's orders: the batcher closes it early to commit in time. */
  private earliestCommitBy: bigint | null = null;
  private readonly fullListeners = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly maxBatchSize: number,
  ) {
    this.id = openBatchAtStart(store);
    const orders = store.ordersInBatch(this.id);
    this.count = orders.length;
    for (const o of orders) this.noteCommitBy(o.commitBy);
  }

  /** The smallest `commitBy` of the open batch's orders, or null when it has none. */
  get minCommitBy(): bigint | null {
    return this.earliestCommitBy;
  }

  private noteCommitBy(commitBy: bigint | null): void {
    if (commitBy !== null && (this.earliestCommitBy === null || commitBy < this.earliestCommitBy))
      this.earliestCommitBy = commitBy;
  }

  /** The open batch's id. */
  get currentId(): number {
    return this.id;
  }

  /** Orders taken into the open batch so far. */
  get size(): number {
    return this.count;
  }

  /** Reserves a slot for an order that must be committed by block `commitBy`; returns its batch id. */
  take(commitBy: bigint | null): number {
    const id = this.id;
    this.count++;
    this.noteCommitBy(commitBy);
    if (this.count >= this.maxBatchSize) {
      this.rotate();
      for (const listener of this.fullListeners) listener();
    }
    return id;
  }

  /** Calls `listener` each time a batch fills up and is rotated out; returns the unsubscribe. */
  onFull(listener: () => void): () => void {
    this.fullListeners.add(listener);
    return () => this.fullListeners.delete(listener);
  }

  /** Closes the open batch (state `closing`) and opens a new one; returns the closed id. */
  rotate(): number {
    const closed = this.id;
    this.id = rotateOpenBatch(this.store, closed);
    this.count = 0;
    this.earliestCommitBy = null;
    return closed;
  }
}
