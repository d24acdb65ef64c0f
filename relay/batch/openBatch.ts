import type { Store } from "../store/store.js";
import { openBatchAtStart, rotateOpenBatch } from "../transitions/batchTransitions.js";

/**
 * The batch new orders go into. Slots are counted in memory so intake never waits on the batcher; when the
 * batch reaches `maxBatchSize` it is marked `closing` and a new one opens at once, and the listeners of
 * {@link OpenBatch.onFull} (the running batcher) freeze the full one without waiting for the interval. The
 * batcher subscribes itself, so the two are built in order (open batch, context, batcher) with no cycle.
 *
 * The store is async, so a rotation takes a moment: a `take` that comes while one is in flight waits for it
 * and lands in the new batch, except inside a store transaction (a requeue), which must not wait for a
 * write queued behind itself: it lands in the batch being closed, still `open` in the store until the
 * transaction it runs in commits, so the freeze that follows the rotation sees it.
 */
export class OpenBatch {
  private id: number;
  private count: number;
  /** Smallest `commitBy` among the open batch's orders: the batcher closes it early to commit in time. */
  private earliestCommitBy: bigint | null = null;
  private readonly fullListeners = new Set<() => void>();
  /** The rotation in flight, if any. */
  private rotation: Promise<number> | null = null;

  private constructor(
    private readonly store: Store,
    private readonly maxBatchSize: number,
    id: number,
    count: number,
  ) {
    this.id = id;
    this.count = count;
  }

  /** The open batch at start (the newest open one after a crash, or a new one), with its orders counted. */
  static async open(store: Store, maxBatchSize: number): Promise<OpenBatch> {
    const id = await openBatchAtStart(store);
    const orders = await store.ordersInBatch(id);
    const open = new OpenBatch(store, maxBatchSize, id, orders.length);
    for (const o of orders) open.noteCommitBy(o.commitBy);
    return open;
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
  async take(commitBy: bigint | null): Promise<number> {
    const inTransaction = this.store.inTransaction;
    while (this.rotation && !inTransaction) await this.rotation.catch(() => undefined);
    const id = this.id;
    this.count++;
    this.noteCommitBy(commitBy);
    if (this.count >= this.maxBatchSize && !this.rotation) {
      await this.rotate();
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
  async rotate(): Promise<number> {
    while (this.rotation) await this.rotation.catch(() => undefined);
    const closed = this.id;
    const rotation = rotateOpenBatch(this.store, closed);
    this.rotation = rotation;
    try {
      this.id = await rotation;
      this.count = 0;
      this.earliestCommitBy = null;
    } finally {
      this.rotation = null;
    }
    return closed;
  }
}
