import pg from "pg";
import type { Address, Hex } from "viem";
import { orderToJson } from "../../client/wire/orderWire.js";
import { PostgresLeafProofs } from "./postgresLeafProofs.js";
import { migrate } from "./postgresMigrations.js";
import { PostgresPrivateTxStore } from "./postgresPrivateTxStore.js";
import { pruneFinalPostgres } from "./postgresPruneFinal.js";
import { PostgresTransactions } from "./postgresTransactions.js";
import { sqlList } from "./sqlList.js";
import type {
  BatchIn,
  BatchPatch,
  BatchRecord,
  BatchState,
  BundleAttempt,
  BundleKind,
  OrderPatch,
  OrderRecord,
  OrderState,
  Store,
} from "./store.js";
import { FINAL_ORDER_STATES } from "./store.js";
import {
  BATCH_META_COLUMNS,
  type BatchRow,
  batchColumns,
  type OrderRow,
  orderColumns,
  rowToBatch,
  rowToOrder,
} from "./storeRows.js";

const FINAL = sqlList(FINAL_ORDER_STATES);

/** PostgreSQL's unique_violation: a live order of the trader already holds the nonce (migration 3). */
const UNIQUE_VIOLATION = "23505";

/** int8 (BIGINT, BIGSERIAL, COUNT) as a JS number: ids, unix-ms times and counts all fit in 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as never,
};

/** Options of {@link openPostgresStore}. */
export type PostgresStoreOptions = {
  /** Pooled connections (default 10): intake groups, reads and the leader's loops share them. */
  maxConnections?: number;
};

/**
 * The PostgreSQL {@link Store}, shared by every relay instance pointed at one database (`--store
 * postgres://...`): migrates the schema (relay/store/postgresMigrations.ts) and answers the same contract as
 * the SQLite store, which the store contract suite (relay/store/storeContract.test.ts) runs on both. Every
 * write is durable when its promise resolves (a commit on a server with `synchronous_commit` on);
 * compare-and-set transitions are single `UPDATE ... WHERE state IN (...)` statements, which PostgreSQL
 * re-checks on the locked row, so two instances racing for one order or batch cannot both win; a duplicate
 * order id, or a second live order for a trader's nonce (a partial unique index, migration 3), is refused by
 * the `INSERT ... ON CONFLICT DO NOTHING` of the write itself, with no lock shared by the intake's writers.
 * @example const store = await openPostgresStore("postgres://veil:pw@127.0.0.1:5432/veil")
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store & { pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: TYPES });
  // an idle pooled connection that dies (server restart) must not crash the process: the next query reconnects
  pool.on("error", () => undefined);
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const txs = new PostgresTransactions(pool);
  const q = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => txs.query<R>(sql, params);
  const rows = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await q<R>(sql, params)).rows;

  /** `UPDATE table SET ... WHERE key = id [AND state IN expected]`; returns the rows changed. */
  const update = async (
    table: string,
    id: unknown,
    cols: Record<string, unknown>,
    expected?: readonly string[],
  ): Promise<number> => {
    const names = Object.keys(cols);
    if (names.length === 0 && expected === undefined) return 0;
    const params: unknown[] = names.map((n) => cols[n]);
    const set = names.length > 0 ? names.map((n, i) => `${n} = $${i + 1}`).join(", ") : "state = state";
    params.push(id);
    let sql = `UPDATE ${table} SET ${set} WHERE id = $${params.length}`;
    if (expected !== undefined) {
      params.push([...expected]);
      sql += ` AND state = ANY($${params.length}::text[])`;
    }
    return (await q(sql, params)).rowCount ?? 0;
  };

  return {
    backend: "postgres",
    pool,
    privateTxs: new PostgresPrivateTxStore(txs),
    proofs: new PostgresLeafProofs(txs),
    groupCommit: null,
    pruneFinal: (beforeMs) => pruneFinalPostgres(txs, beforeMs),
    transaction: <T>(fn: () => Promise<T>): Promise<T> => txs.transaction(fn),
    get inTransaction() {
      return txs.inTransaction;
    },

    async insertOrder(o: OrderRecord): Promise<boolean> {
      const res = await q(
        `INSERT INTO orders (id, mode, trader, state, batch_id, leaf_index, order_json, nonce, signature, salt,
           digest, reason, error, fill_json, expired_batches, commit_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, 0, $14, $15, $16)
         ON CONFLICT DO NOTHING`,
        [
          o.id,
          o.mode,
          o.trader,
          o.state,
          o.batchId,
          o.leafIndex,
          o.order ? JSON.stringify(orderToJson(o.order)) : null,
          o.order ? o.order.nonce.toString() : null,
          o.signature,
          o.salt,
          o.digest,
          o.reason,
          o.error,
          o.commitBy === null ? null : o.commitBy.toString(),
          o.createdAt,
          o.updatedAt,
        ],
      );
      return res.rowCount === 1;
    },
    async getOrder(id: Hex): Promise<OrderRecord | null> {
      const r = await rows<OrderRow>("SELECT * FROM orders WHERE id = $1", [id.toLowerCase()]);
      return r[0] ? rowToOrder(r[0]) : null;
    },
    async getOrderByDigest(digest: Hex): Promise<OrderRecord | null> {
      const r = await rows<OrderRow>("SELECT * FROM orders WHERE digest = $1 ORDER BY seq DESC LIMIT 1", [
        digest.toLowerCase(),
      ]);
      return r[0] ? rowToOrder(r[0]) : null;
    },
    async ordersInBatch(batchId: number): Promise<OrderRecord[]> {
      return (await rows<OrderRow>("SELECT * FROM orders WHERE batch_id = $1 ORDER BY seq", [batchId])).map(
        rowToOrder,
      );
    },
    async activeOrderWithNonce(trader: Address, nonce: bigint): Promise<OrderRecord | null> {
      const r = await rows<OrderRow>(
        `SELECT * FROM orders WHERE trader = $1 AND nonce = $2 AND state NOT IN ${FINAL} LIMIT 1`,
        [trader, nonce.toString()],
      );
      return r[0] ? rowToOrder(r[0]) : null;
    },
    async openCommitments(trader: Address, atMost: number): Promise<number> {
      const r = await rows<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders WHERE trader = $1 AND mode = 'commit'
           AND state IN ('pending','committed') LIMIT $2) AS t`,
        [trader, atMost],
      );
      return r[0].n;
    },
    async updateOrder(id: Hex, patch: OrderPatch): Promise<void> {
      await update("orders", id.toLowerCase(), { ...orderColumns(patch), updated_at: Date.now() });
    },
    async updateOrderIf(id: Hex, expected: readonly OrderState[], patch: OrderPatch): Promise<boolean> {
      if (expected.length === 0) return false;
      const cols = { ...orderColumns(patch), updated_at: Date.now() };
      const run = async () => (await update("orders", id.toLowerCase(), cols, expected)) === 1;
      // Only a write that sets the plaintext (a reveal) or brings a final order back to life (a rollback) can
      // give a second live order the trader's nonce; it runs in its own savepoint, so the refusal (a unique
      // violation) fails this compare-and-set alone, not the caller's transaction.
      const mayClash =
        patch.order != null ||
        (patch.state !== undefined &&
          !FINAL_ORDER_STATES.includes(patch.state) &&
          expected.some((s) => FINAL_ORDER_STATES.includes(s)));
      if (!mayClash) return run();
      try {
        return await txs.transaction(run);
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
        throw err;
      }
    },
    async countOrdersByState(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const r of await rows<{ state: string; n: number }>("SELECT state, n FROM order_state_counts"))
        if (r.n > 0) out[r.state] = r.n;
      return out;
    },

    async createBatch(): Promise<BatchIn<"open">> {
      const r = await rows<BatchRow>(
        "INSERT INTO batches (state, created_at) VALUES ('open', $1) RETURNING *",
        [Date.now()],
      );
      return rowToBatch(r[0]) as BatchIn<"open">;
    },
    async getBatch(id: number): Promise<BatchRecord | null> {
      const r = await rows<BatchRow>("SELECT * FROM batches WHERE id = $1", [id]);
      return r[0] ? rowToBatch(r[0]) : null;
    },
    async getBatchMeta(id: number) {
      const r = await rows<BatchRow>(`SELECT ${BATCH_META_COLUMNS} FROM batches WHERE id = $1`, [id]);
      return r[0] ? { ...rowToBatch({ ...r[0], leaves_json: null }), leaves: null } : null;
    },
    async batchesInStates<S extends BatchState>(states: readonly S[]): Promise<BatchIn<S>[]> {
      if (states.length === 0) return [];
      const r = await rows<BatchRow>("SELECT * FROM batches WHERE state = ANY($1::text[]) ORDER BY id", [
        [...states],
      ]);
      return r.map(rowToBatch) as BatchIn<S>[];
    },
    async updateBatch(id: number, patch: BatchPatch): Promise<void> {
      await update("batches", id, batchColumns(patch));
    },
    async updateBatchIf(id: number, expected: readonly BatchState[], patch: BatchPatch): Promise<boolean> {
      if (expected.length === 0) return false;
      return (await update("batches", id, batchColumns(patch), expected)) === 1;
    },
    async batchesLandedSince(block: bigint): Promise<BatchRecord[]> {
      const n = block < 0n ? "0" : block.toString();
      const r = await rows<BatchRow>(
        `SELECT * FROM batches WHERE (commit_block IS NOT NULL AND CAST(commit_block AS NUMERIC) >= $1)
           OR (settle_block IS NOT NULL AND CAST(settle_block AS NUMERIC) >= $1) ORDER BY id`,
        [n],
      );
      return r.map(rowToBatch);
    },

    async addAttempt(a: Omit<BundleAttempt, "id" | "createdAt">): Promise<BundleAttempt> {
      const now = Date.now();
      const r = await rows<{ id: number }>(
        `INSERT INTO bundle_attempts (batch_id, kind, tx_hash, nonce, target_block, bundle_hash, error, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [a.batchId, a.kind, a.txHash, a.nonce, a.targetBlock.toString(), a.bundleHash, a.error, now],
      );
      return { ...a, id: r[0].id, createdAt: now };
    },
    async updateAttempt(
      id: number,
      patch: { bundleHash?: Hex | null; error?: string | null },
    ): Promise<void> {
      const cols: Record<string, unknown> = {};
      if (patch.bundleHash !== undefined) cols.bundle_hash = patch.bundleHash;
      if (patch.error !== undefined) cols.error = patch.error;
      await update("bundle_attempts", id, cols);
    },
    async attempts(batchId: number, kind: BundleKind): Promise<BundleAttempt[]> {
      const r = await rows<{
        id: number;
        batch_id: number;
        kind: string;
        tx_hash: string;
        nonce: number;
        target_block: string;
        bundle_hash: string | null;
        error: string | null;
        created_at: number;
      }>("SELECT * FROM bundle_attempts WHERE batch_id = $1 AND kind = $2 ORDER BY id", [batchId, kind]);
      return r.map((x) => ({
        id: x.id,
        batchId: x.batch_id,
        kind: x.kind as BundleKind,
        txHash: x.tx_hash as Hex,
        nonce: x.nonce,
        targetBlock: BigInt(x.target_block),
        bundleHash: x.bundle_hash as Hex | null,
        error: x.error,
        createdAt: x.created_at,
      }));
    },

    async misses(trader: Address): Promise<{ count: number; lastAt: number }> {
      const r = await rows<{ count: number; last_at: number }>(
        "SELECT count, last_at FROM trader_misses WHERE trader = $1",
        [trader],
      );
      return r[0] ? { count: r[0].count, lastAt: r[0].last_at } : { count: 0, lastAt: 0 };
    },
    async addMiss(trader: Address, at: number): Promise<void> {
      await q(
        `INSERT INTO trader_misses (trader, count, last_at) VALUES ($1, 1, $2)
         ON CONFLICT (trader) DO UPDATE SET count = trader_misses.count + 1, last_at = excluded.last_at`,
        [trader, at],
      );
    },
    async removeMiss(trader: Address): Promise<void> {
      await q("UPDATE trader_misses SET count = GREATEST(0, count - 1) WHERE trader = $1", [trader]);
    },

    async close(): Promise<void> {
      await pool.end();
    },
  };
}
