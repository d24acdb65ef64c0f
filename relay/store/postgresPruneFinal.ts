import type { PostgresTransactions } from "./postgresTransactions.js";
import { PRUNE_CHUNK_ROWS, type PruneCounts } from "./pruneFinal.js";
import { sqlList } from "./sqlList.js";
import { FINAL_ORDER_STATES } from "./store.js";

const FINAL_ORDER_STATES_IN = sqlList(FINAL_ORDER_STATES);
const FINAL_BATCH_STATES = "('settled','expired')";
const FINAL_TX_STATUSES = "('INCLUDED','FAILED','CANCELLED')";

/**
 * Retention on PostgreSQL, the same rules as the SQLite store's {@link import("./pruneFinal.js").pruneFinal}:
 * final history older than `beforeMs` goes (orders whose batch is final or gone, final batches with their
 * attempts, final private txs, stale miss counts, proofs of roots no batch holds), live rows never. Chunks of
 * {@link PRUNE_CHUNK_ROWS} rows, each its own statement, so a prune never holds row locks long while other
 * instances write. The age indexes come with the migrations.
 * @example const counts = await pruneFinalPostgres(txs, Date.now() - 7 * 86_400_000)
 */
export async function pruneFinalPostgres(txs: PostgresTransactions, beforeMs: number): Promise<PruneCounts> {
  const chunked = async (sql: string): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = (await txs.query(sql, [beforeMs, PRUNE_CHUNK_ROWS])).rowCount ?? 0;
      total += n;
      if (n < PRUNE_CHUNK_ROWS) return total;
    }
  };
  const oldBatches = `SELECT id FROM batches WHERE state IN ${FINAL_BATCH_STATES}
    AND COALESCE(settled_at, closed_at, created_at) < $1`;
  const attempts = await chunked(
    `DELETE FROM bundle_attempts WHERE id IN (SELECT id FROM bundle_attempts
      WHERE batch_id IN (${oldBatches}) LIMIT $2)`,
  );
  const orders = await chunked(
    `DELETE FROM orders WHERE seq IN (SELECT seq FROM orders WHERE updated_at < $1
      AND state IN ${FINAL_ORDER_STATES_IN}
      AND (batch_id IS NULL OR batch_id NOT IN (SELECT id FROM batches WHERE state NOT IN ${FINAL_BATCH_STATES}))
      LIMIT $2)`,
  );
  const batches = await chunked(
    `DELETE FROM batches WHERE id IN (SELECT b.id FROM (${oldBatches}) AS b
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.batch_id = b.id) LIMIT $2)`,
  );
  await chunked(
    `DELETE FROM leaf_proofs WHERE (root, leaf_index) IN (SELECT root, leaf_index FROM leaf_proofs
      WHERE $1::bigint IS NOT NULL AND root NOT IN (SELECT lower(root) FROM batches WHERE root IS NOT NULL)
      LIMIT $2)`,
  );
  const privateTxs = await chunked(
    `DELETE FROM rpc_private_txs WHERE hash IN (SELECT hash FROM rpc_private_txs
      WHERE updated_at_ms < $1 AND status IN ${FINAL_TX_STATUSES} LIMIT $2)`,
  );
  const misses = await chunked(
    "DELETE FROM trader_misses WHERE trader IN (SELECT trader FROM trader_misses WHERE last_at < $1 LIMIT $2)",
  );
  return { orders, batches, attempts, privateTxs, misses };
}
