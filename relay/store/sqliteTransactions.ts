import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";

type Frame = { savepoints: number; open: boolean };

/** Options of one outermost transaction. */
export type SqliteTransactionOptions = {
  /**
   * Runs on the connection, inside the lock, right before `BEGIN` (and `after` right after the commit or
   * rollback): the group commit lowers `synchronous` for its one transaction and restores it.
   */
  before?: () => void;
  after?: () => void;
};

/**
 * Async transactions on one better-sqlite3 connection.
 *
 * The {@link Store} is async (so a networked database can implement it), but a SQLite connection has one
 * transaction at a time and every statement run while it is open belongs to it. So while a transaction is
 * open here, any store call from outside it waits for it to end (a FIFO lock), and calls made inside it (its
 * async context, tracked by AsyncLocalStorage) run at once, in it; a nested `transaction` is a savepoint.
 * With no transaction open or queued a call runs synchronously, exactly as before the store went async, so
 * each statement-level method is still one atomic SQLite statement (or one synchronous `db.transaction`).
 * A transaction that throws rolls back everything it wrote.
 * @example await txs.transaction(async () => { if (await store.updateOrderIf(...)) await store.addMiss(...) })
 */
export class SqliteTransactions {
  /** The open transaction of this async context (`open` turns false at its end: a timer it left sees none). */
  readonly #context = new AsyncLocalStorage<Frame>();
  #tail: Promise<unknown> = Promise.resolve();
  /** Transactions and calls queued or running behind the lock. */
  #held = 0;

  constructor(private readonly db: Database.Database) {}

  /** True inside a transaction's async context. */
  get inTransaction(): boolean {
    return this.#context.getStore()?.open === true;
  }

  /** Runs `op` (synchronous statements on the connection) now, or after the open transaction ends. */
  exclusive<T>(op: () => T): Promise<T> {
    if (this.#held === 0 || this.inTransaction) {
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#enqueue(async () => op());
  }

  /** Runs `fn` in one transaction (a savepoint when already inside one); commits when it resolves. */
  transaction<T>(fn: () => Promise<T>, options: SqliteTransactionOptions = {}): Promise<T> {
    const outer = this.#context.getStore();
    if (outer?.open) return this.#savepoint(outer, fn);
    return this.#enqueue(async () => {
      options.before?.();
      try {
        this.db.exec("BEGIN IMMEDIATE");
        let result: T;
        const frame: Frame = { savepoints: 0, open: true };
        try {
          result = await this.#context.run(frame, fn);
        } catch (err) {
          if (this.db.inTransaction) this.db.exec("ROLLBACK");
          throw err;
        } finally {
          frame.open = false;
        }
        this.db.exec("COMMIT");
        return result;
      } finally {
        options.after?.();
      }
    });
  }

  async #savepoint<T>(outer: Frame, fn: () => Promise<T>): Promise<T> {
    const name = `sp${++outer.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.#held++;
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => {
        this.#held--;
      },
      () => {
        this.#held--;
      },
    );
    return result;
  }
}
