import type { GroupCommit } from "../store/groupCommit.js";
import type { Store } from "../store/store.js";

type Pending<T> = { op: () => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };

/**
 * Group commit for the intake hot path: writes queued during one event-loop turn run in a single SQLite
 * transaction (one disk flush for all of them), and each caller's promise settles only after that
 * transaction is durable. So an order is durable before its 2xx, but a burst of 1,000 orders costs one disk
 * flush, not 1,000.
 *
 * On the SQLite store (WAL) the flush itself runs off the event loop (the store's {@link GroupCommit}: the
 * group commits without fsync and the WAL is fsynced on the libuv pool before the promises resolve), so the
 * relay's one JS thread never waits for the disk on intake. A store without one gets the same grouping with
 * the store's own durable `transaction`.
 * @example const accepted = await queue.run(() => store.insertOrder(record))
 */
export class WriteQueue {
  private pending: Pending<unknown>[] = [];
  private scheduled = false;
  private readonly group: GroupCommit | null;

  constructor(private readonly store: Store) {
    this.group = store.groupCommit;
  }

  /** Queues `op` (store writes) for the next group commit; resolves with its result once durable. */
  run<T>(op: () => Promise<T>): Promise<T> {
    if (this.group) return this.group.run(op);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve, reject } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Commits every queued write now, in one transaction (visible to readers once it resolves). An op that throws
   * fails alone (its own savepoint); if the commit itself fails, every caller of this group gets the error
   * and nothing was written.
   */
  async flush(): Promise<void> {
    if (this.group) return this.group.flush();
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      await this.store.transaction(async () => {
        for (const p of group) {
          try {
            results.push({ ok: true, value: await this.store.transaction(p.op) });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    group.forEach((p, i) => {
      const r = results[i];
      if (r.ok) p.resolve(r.value);
      else p.reject(r.value);
    });
  }
}
