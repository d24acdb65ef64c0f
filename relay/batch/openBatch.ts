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
 *
 * With several relay instances on one PostgreSQL store only the leader rotates; a follower's open batch
 * ({@link OpenBatch.follow}) reads the newest open batch from the store for every order. An order that lands
 * in a batch the leader froze meanwhile is requeued by the leader (requeueStranded, batchTransitions.ts).
 */
export class OpenBatch {
  private id: number;
  private count: number;
  /** Smallest `commitBy` among the open batch's orders: the batcher closes it early to commit in time. */
  private earliestCommitBy: bigint | null = null;
  private readonly fullListeners = new Set<() => void>();
  /** The rotation in flight, if any. */
  private rotation: Promise<number> | null = null;
  /** Following another instance's batches (no rotation here; the store says which batch is open). */
  private following = false;

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

  /**
   * A follower's open batch: the store's newest open batch, read for every order (one is created when there
   * is none yet); it never rotates. {@link OpenBatch.lead} turns it into the leader's.
   */
  static async follow(store: Store, maxBatchSize: number): Promise<OpenBatch> {
    const open = await store.batchesInStates(["open"]);
    const id = open.at(-1)?.id ?? (await openBatchAtStart(store));
    const batch = new OpenBatch(store, maxBatchSize, id, 0);
    batch.following = true;
    return batch;
  }

  /** This instance now leads: the open batch as after a restart (older open ones closing), counted. */
  async lead(): Promise<void> {
    if (!this.following) return;
    this.id = await openBatchAtStart(this.store);
    const orders = await this.store.ordersInBatch(this.id);
    this.count = orders.length;
    this.earliestCommitBy = null;
    for (const o of orders) this.noteCommitBy(o.commitBy);
    this.following = false;
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
    if (this.following) {
      const open = await this.store.batchesInStates(["open"]);
      this.id = open.at(-1)?.id ?? this.id;
      return this.id;
    }
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
