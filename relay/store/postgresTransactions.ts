import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";

type Frame = { client: pg.PoolClient; savepoints: number; open: boolean };

/**
 * Queries and transactions on a PostgreSQL pool, with the same contract as the SQLite store's: a store call
 * made inside `transaction(fn)` (in `fn`'s async context, tracked by AsyncLocalStorage) runs on that
 * transaction's connection and is part of it; a nested `transaction` is a savepoint; a call outside any
 * transaction runs alone on a pooled connection (autocommit). A commit returns once PostgreSQL has made it
 * durable (`synchronous_commit` on, the server default), so a 2xx after it survives a crash.
 * @example await txs.transaction(async () => { await txs.query("UPDATE ...", [id]) })
 */
export class PostgresTransactions {
  readonly #context = new AsyncLocalStorage<Frame>();

  constructor(readonly pool: pg.Pool) {}

  /** True inside a transaction's async context. */
  get inTransaction(): boolean {
    return this.#context.getStore()?.open === true;
  }

  /** Runs one statement, in the current transaction if there is one. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const frame = this.#context.getStore();
    if (frame?.open) return frame.client.query<R>(sql, params);
    return this.pool.query<R>(sql, params);
  }

  /** Runs `fn` in one transaction (a savepoint when already inside one); commits when it resolves. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.#context.getStore();
    if (outer?.open) {
      const name = `sp${++outer.savepoints}`;
      await outer.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await outer.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        throw err;
      }
    }
    const client = await this.pool.connect();
    const frame: Frame = { client, savepoints: 0, open: true };
    let broken = false;
    try {
      await client.query("BEGIN");
      let result: T;
      try {
        result = await this.#context.run(frame, fn);
      } catch (err) {
        frame.open = false;
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      }
      frame.open = false;
      await client.query("COMMIT").catch((err: unknown) => {
        broken = isConnectionError(err);
        throw err;
      });
      return result;
    } finally {
      frame.open = false;
      // a connection that failed mid-transaction is closed, not handed to the next caller
      client.release(broken || undefined);
    }
  }
}

/** A connection-level failure (the server went away): the pooled client must not be reused. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === undefined || code.startsWith("08") || code === "57P01";
}
