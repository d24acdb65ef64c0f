import type Database from "better-sqlite3";
import { sqlList } from "./sqlList.js";
import { FINAL_ORDER_STATES } from "./store.js";

/** Rows deleted per statement: a prune never holds the (single) writer for long. */
export const PRUNE_CHUNK_ROWS = 1_000;

const FINAL_ORDER_STATES_IN = sqlList(FINAL_ORDER_STATES);
const FINAL_BATCH_STATES = "('settled','expired')";
const FINAL_TX_STATUSES = "('INCLUDED','FAILED','CANCELLED')";

/** What one prune deleted, per table. */
export type PruneCounts = {
  orders: number;
  batches: number;
  attempts: number;
  privateTxs: number;
  misses: number;
};

/**
 * Retention (`--retention-days`): deletes what only history needs once it is older than `beforeMs` (unix
 * ms): final orders (filled, unfilled, failed, cancelled) whose batch is final or gone, final batches
 * (settled, expired) with their bundle attempts, final private txs (INCLUDED, FAILED, CANCELLED) and miss
 * counts last touched before then. Live rows are never touched, so an order or tx still moving keeps its
 * record. Works in chunks of {@link PRUNE_CHUNK_ROWS} rows, each its own transaction; SQLite reuses the freed
 * pages, so under steady load the file stops growing. Indexes on the age columns are created on first use.
 * @example const counts = pruneFinal(store.db, Date.now() - 7 * 86_400_000)
 */
export function pruneFinal(db: Database.Database, beforeMs: number): PruneCounts {
  db.exec(`CREATE INDEX IF NOT EXISTS orders_updated ON orders(updated_at);
    CREATE INDEX IF NOT EXISTS batches_created ON batches(created_at);`);
  const hasTxs = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rpc_private_txs'")
    .get();
  if (hasTxs) db.exec("CREATE INDEX IF NOT EXISTS rpc_private_txs_updated ON rpc_private_txs(updated_at_ms)");

  const chunked = (sql: string): number => {
    const stmt = db.prepare(sql);
    let total = 0;
    for (;;) {
      const n = db.transaction(() => stmt.run({ before: beforeMs, limit: PRUNE_CHUNK_ROWS }).changes)();
      total += n;
      if (n < PRUNE_CHUNK_ROWS) return total;
    }
  };
  const oldBatches = `SELECT id FROM batches WHERE state IN ${FINAL_BATCH_STATES}
    AND COALESCE(settled_at, closed_at, created_at) < @before`;
  const attempts = chunked(
    `DELETE FROM bundle_attempts WHERE id IN (SELECT id FROM bundle_attempts
      WHERE batch_id IN (${oldBatches}) LIMIT @limit)`,
  );
  const orders = chunked(
    `DELETE FROM orders WHERE seq IN (SELECT seq FROM orders WHERE updated_at < @before
      AND state IN ${FINAL_ORDER_STATES_IN}
      AND (batch_id IS NULL OR batch_id NOT IN (SELECT id FROM batches WHERE state NOT IN ${FINAL_BATCH_STATES}))
      LIMIT @limit)`,
  );
  // a final batch goes once none of its orders is left (an order still live keeps its batch)
  const batches = chunked(
    `DELETE FROM batches WHERE id IN (SELECT id FROM (${oldBatches}) AS b
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.batch_id = b.id) LIMIT @limit)`,
  );
  const hasProofs = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leaf_proofs'")
    .get();
  // proofs of roots no batch holds any more (their batch pruned above, or re-frozen after a reorg)
  if (hasProofs)
    chunked(
      `DELETE FROM leaf_proofs WHERE (root, leaf_index) IN (SELECT root, leaf_index FROM leaf_proofs
        WHERE @before = @before AND root NOT IN (SELECT lower(root) FROM batches WHERE root IS NOT NULL)
        LIMIT @limit)`,
    );
  const privateTxs = hasTxs
    ? chunked(
        `DELETE FROM rpc_private_txs WHERE hash IN (SELECT hash FROM rpc_private_txs
          WHERE updated_at_ms < @before AND status IN ${FINAL_TX_STATUSES} LIMIT @limit)`,
      )
    : 0;
  const misses = chunked(
    "DELETE FROM trader_misses WHERE trader IN (SELECT trader FROM trader_misses WHERE last_at < @before LIMIT @limit)",
  );
  return { orders, batches, attempts, privateTxs, misses };
}
