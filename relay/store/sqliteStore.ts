import { join } from "node:path";
import Database from "better-sqlite3";
import type { Address, Hex } from "viem";
import { orderToJson } from "../../client/wire/orderWire.js";
import { GroupCommit } from "./groupCommit.js";
import { SqliteLeafProofs } from "./leafProofs.js";
import { installOrderStateCounts, readOrderStateCounts } from "./orderStateCounts.js";
import { securePrivateDataDir } from "./privateDataDir.js";
import { SqlitePrivateTxStore } from "./privateTxStore.js";
import { pruneFinal } from "./pruneFinal.js";
import { SqliteTransactions } from "./sqliteTransactions.js";
import { sqlList } from "./sqlList.js";
import type {
  BatchFields,
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  mode TEXT NOT NULL,
  trader TEXT NOT NULL,
  state TEXT NOT NULL,
  batch_id INTEGER,
  leaf_index INTEGER,
  order_json TEXT,
  nonce TEXT,
  signature TEXT,
  salt TEXT,
  digest TEXT,
  reason TEXT,
  error TEXT,
  fill_json TEXT,
  expired_batches INTEGER NOT NULL DEFAULT 0,
  commit_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_batch ON orders(batch_id);
CREATE INDEX IF NOT EXISTS orders_digest ON orders(digest);
CREATE INDEX IF NOT EXISTS orders_trader_nonce ON orders(trader, nonce);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL,
  chain_batch_id TEXT,
  root TEXT,
  leaves_json TEXT,
  commit_block TEXT,
  commit_deadline TEXT,
  reveal_after TEXT,
  commit_tx_hash TEXT,
  commit_block_hash TEXT,
  settle_tx_hash TEXT,
  settle_block TEXT,
  settle_block_hash TEXT,
  created_at INTEGER NOT NULL,
  closed_at INTEGER,
  settled_at INTEGER
);
CREATE INDEX IF NOT EXISTS batches_state ON batches(state);
CREATE TABLE IF NOT EXISTS bundle_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  target_block TEXT NOT NULL,
  bundle_hash TEXT,
  error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_batch ON bundle_attempts(batch_id, kind);
CREATE TABLE IF NOT EXISTS trader_misses (
  trader TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  last_at INTEGER NOT NULL
);
`;

/** Columns added after the first release (order v2's commit-by): a data dir from before gains them, null. */
function addMissingColumns(db: Database.Database): void {
  const added: [string, string][] = [
    ["orders", "commit_by"],
    ["batches", "commit_deadline"],
    ["batches", "reveal_after"],
    ["batches", "commit_block_hash"],
    ["batches", "settle_block"],
    ["batches", "settle_block_hash"],
  ];
  for (const [table, column] of added) {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
  }
}

/**
 * The SQLite {@link Store}: one file `relay.sqlite` in the data dir, WAL journal with `synchronous=FULL`, so
 * a committed transaction is on disk before the relay answers 2xx (the intake groups many orders into one
 * transaction to pay for one fsync, see `writeQueue.ts`). The raw handle `db` is for relay/store's own code
 * and tests: the rest of the relay reaches every table through the {@link Store} methods.
 * @example const store = openSqliteStore(config.dataDir)
 */
export function openSqliteStore(dataDir: string): Store & { db: Database.Database } {
  // 0700 dir, 0600 files (the store holds decrypted orders, signatures and salts)
  securePrivateDataDir(dataDir, ["relay.sqlite", "relay.sqlite-wal", "relay.sqlite-shm"]);
  const db = new Database(join(dataDir, "relay.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  addMissingColumns(db);
  installOrderStateCounts(db);

  const stmt = new Map<string, Database.Statement>();
  const prep = (sql: string) => {
    let s = stmt.get(sql);
    if (!s) {
      s = db.prepare(sql);
      stmt.set(sql, s);
    }
    return s;
  };
  const update = (table: string, key: string, id: unknown, cols: Record<string, unknown>) => {
    const names = Object.keys(cols);
    if (names.length === 0) return;
    const sql = `UPDATE ${table} SET ${names.map((n) => `${n} = @${n}`).join(", ")} WHERE ${key} = @__id`;
    prep(sql).run({ ...cols, __id: id });
  };
  /** UPDATE ... WHERE key = id AND state IN (expected): the compare-and-set of a state transition. */
  const updateIf = (
    table: string,
    key: string,
    id: unknown,
    expected: readonly string[],
    cols: Record<string, unknown>,
  ): boolean => {
    if (expected.length === 0) return false;
    const names = Object.keys(cols);
    const set = names.length > 0 ? names.map((n) => `${n} = @${n}`).join(", ") : "state = state";
    const states = expected.map((_, i) => `@__s${i}`).join(",");
    const sql = `UPDATE ${table} SET ${set} WHERE ${key} = @__id AND state IN (${states})`;
    const params: Record<string, unknown> = { ...cols, __id: id };
    expected.forEach((st, i) => {
      params[`__s${i}`] = st;
    });
    return prep(sql).run(params).changes === 1;
  };

  const txs = new SqliteTransactions(db);
  const privateTxs = new SqlitePrivateTxStore(db, txs);
  const proofs = new SqliteLeafProofs(db, txs);
  const groupCommit = new GroupCommit(db, txs);

  /** The statements, synchronous: each runs as one atomic call behind the transaction lock (below). */
  const sync = {
    insertOrder(o: OrderRecord): boolean {
      const res = prep(
        `INSERT OR IGNORE INTO orders (id, mode, trader, state, batch_id, leaf_index, order_json, nonce, signature,
           salt, digest, reason, error, fill_json, expired_batches, commit_by, created_at, updated_at)
         VALUES (@id, @mode, @trader, @state, @batch_id, @leaf_index, @order_json, @nonce, @signature, @salt,
           @digest, @reason, @error, NULL, 0, @commit_by, @created_at, @updated_at)`,
      ).run({
        id: o.id,
        mode: o.mode,
        trader: o.trader,
        state: o.state,
        batch_id: o.batchId,
        leaf_index: o.leafIndex,
        order_json: o.order ? JSON.stringify(orderToJson(o.order)) : null,
        nonce: o.order ? o.order.nonce.toString() : null,
        signature: o.signature,
        salt: o.salt,
        digest: o.digest,
        reason: o.reason,
        error: o.error,
        commit_by: o.commitBy === null ? null : o.commitBy.toString(),
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      });
      return res.changes === 1;
    },
    getOrder(id: Hex): OrderRecord | null {
      const r = prep("SELECT * FROM orders WHERE id = ?").get(id.toLowerCase()) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    getOrderByDigest(digest: Hex): OrderRecord | null {
      const r = prep("SELECT * FROM orders WHERE digest = ? ORDER BY seq DESC LIMIT 1").get(
        digest.toLowerCase(),
      ) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    ordersInBatch(batchId: number): OrderRecord[] {
      return (prep("SELECT * FROM orders WHERE batch_id = ? ORDER BY seq").all(batchId) as OrderRow[]).map(
        rowToOrder,
      );
    },
    activeOrderWithNonce(trader: Address, nonce: bigint): OrderRecord | null {
      const r = prep(
        `SELECT * FROM orders WHERE trader = ? AND nonce = ? AND state NOT IN ${FINAL} LIMIT 1`,
      ).get(trader, nonce.toString()) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    openCommitments(trader: Address, atMost: number): number {
      // bounded work: stops counting at `atMost` (the trader prefix of orders_trader_nonce finds the rows)
      const r = prep(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders WHERE trader = ? AND mode = 'commit'
           AND state IN ('pending','committed') LIMIT ?)`,
      ).get(trader, atMost) as { n: number };
      return r.n;
    },
    updateOrder(id: Hex, patch: OrderPatch): void {
      update("orders", "id", id.toLowerCase(), { ...orderColumns(patch), updated_at: Date.now() });
    },
    updateOrderIf(id: Hex, expected: readonly OrderState[], patch: OrderPatch): boolean {
      return updateIf("orders", "id", id.toLowerCase(), expected, {
        ...orderColumns(patch),
        updated_at: Date.now(),
      });
    },
    countOrdersByState(): Record<string, number> {
      return readOrderStateCounts(db); // trigger-kept: no table scan per scrape
    },

    createBatch(): BatchIn<"open"> {
      const now = Date.now();
      const res = prep("INSERT INTO batches (state, created_at) VALUES ('open', ?)").run(now);
      return rowToBatch(
        prep("SELECT * FROM batches WHERE id = ?").get(res.lastInsertRowid) as BatchRow,
      ) as BatchIn<"open">;
    },
    getBatch(id: number): BatchRecord | null {
      const r = prep("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined;
      return r ? rowToBatch(r) : null;
    },
    getBatchMeta(id: number): (Omit<BatchFields, "leaves"> & { leaves: null }) | null {
      // every column but leaves_json: SQLite never copies the leaves into a JS string
      const r = prep(`SELECT ${BATCH_META_COLUMNS} FROM batches WHERE id = ?`).get(id) as
        | BatchRow
        | undefined;
      return r ? { ...rowToBatch({ ...r, leaves_json: null }), leaves: null } : null;
    },
    batchesInStates(states: readonly BatchState[]): BatchRecord[] {
      if (states.length === 0) return [];
      const sql = `SELECT * FROM batches WHERE state IN (${states.map(() => "?").join(",")}) ORDER BY id`;
      return (prep(sql).all(...states) as BatchRow[]).map(rowToBatch);
    },
    updateBatch(id: number, patch: BatchPatch): void {
      update("batches", "id", id, batchColumns(patch));
    },
    updateBatchIf(id: number, expected: readonly BatchState[], patch: BatchPatch): boolean {
      return updateIf("batches", "id", id, expected, batchColumns(patch));
    },
    batchesLandedSince(block: bigint): BatchRecord[] {
      const sql = `SELECT * FROM batches WHERE (commit_block IS NOT NULL AND CAST(commit_block AS INTEGER) >= ?)
        OR (settle_block IS NOT NULL AND CAST(settle_block AS INTEGER) >= ?) ORDER BY id`;
      const n = block < 0n ? 0 : Number(block);
      return (prep(sql).all(n, n) as BatchRow[]).map(rowToBatch);
    },

    addAttempt(a: Omit<BundleAttempt, "id" | "createdAt">): BundleAttempt {
      const now = Date.now();
      const res = prep(
        `INSERT INTO bundle_attempts (batch_id, kind, tx_hash, nonce, target_block, bundle_hash, error, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(a.batchId, a.kind, a.txHash, a.nonce, a.targetBlock.toString(), a.bundleHash, a.error, now);
      return { ...a, id: Number(res.lastInsertRowid), createdAt: now };
    },
    updateAttempt(id: number, patch: { bundleHash?: Hex | null; error?: string | null }): void {
      const cols: Record<string, unknown> = {};
      if (patch.bundleHash !== undefined) cols.bundle_hash = patch.bundleHash;
      if (patch.error !== undefined) cols.error = patch.error;
      update("bundle_attempts", "id", id, cols);
    },
    attempts(batchId: number, kind: BundleKind): BundleAttempt[] {
      const rows = prep("SELECT * FROM bundle_attempts WHERE batch_id = ? AND kind = ? ORDER BY id").all(
        batchId,
        kind,
      ) as {
        id: number;
        batch_id: number;
        kind: string;
        tx_hash: string;
        nonce: number;
        target_block: string;
        bundle_hash: string | null;
        error: string | null;
        created_at: number;
      }[];
      return rows.map((r) => ({
        id: r.id,
        batchId: r.batch_id,
        kind: r.kind as BundleKind,
        txHash: r.tx_hash as Hex,
        nonce: r.nonce,
        targetBlock: BigInt(r.target_block),
        bundleHash: r.bundle_hash as Hex | null,
        error: r.error,
        createdAt: r.created_at,
      }));
    },

    misses(trader: Address): { count: number; lastAt: number } {
      const r = prep("SELECT count, last_at FROM trader_misses WHERE trader = ?").get(trader) as
        | { count: number; last_at: number }
        | undefined;
      return r ? { count: r.count, lastAt: r.last_at } : { count: 0, lastAt: 0 };
    },
    addMiss(trader: Address, at: number): void {
      prep(
        `INSERT INTO trader_misses (trader, count, last_at) VALUES (?, 1, ?)
         ON CONFLICT(trader) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
      ).run(trader, at);
    },

    removeMiss(trader: Address): void {
      prep("UPDATE trader_misses SET count = MAX(0, count - 1) WHERE trader = ?").run(trader);
    },
  };
  const run =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    (...args: A): Promise<R> =>
      txs.exclusive(() => f(...args));

  return {
    backend: "sqlite",
    db,
    privateTxs,
    proofs,
    groupCommit,
    pruneFinal: (beforeMs) => txs.exclusive(() => pruneFinal(db, beforeMs)),
    transaction: <T>(fn: () => Promise<T>): Promise<T> => txs.transaction(fn),
    get inTransaction() {
      return txs.inTransaction;
    },
    insertOrder: run(sync.insertOrder),
    getOrder: run(sync.getOrder),
    getOrderByDigest: run(sync.getOrderByDigest),
    ordersInBatch: run(sync.ordersInBatch),
    activeOrderWithNonce: run(sync.activeOrderWithNonce),
    openCommitments: run(sync.openCommitments),
    updateOrder: run(sync.updateOrder),
    updateOrderIf: run(sync.updateOrderIf),
    countOrdersByState: run(sync.countOrdersByState),
    createBatch: run(sync.createBatch),
    getBatch: run(sync.getBatch),
    getBatchMeta: run(sync.getBatchMeta),
    batchesInStates: <S extends BatchState>(states: readonly S[]) =>
      txs.exclusive(() => sync.batchesInStates(states) as BatchIn<S>[]),
    updateBatch: run(sync.updateBatch),
    updateBatchIf: run(sync.updateBatchIf),
    batchesLandedSince: run(sync.batchesLandedSince),
    addAttempt: run(sync.addAttempt),
    updateAttempt: run(sync.updateAttempt),
    attempts: run(sync.attempts),
    misses: run(sync.misses),
    addMiss: run(sync.addMiss),
    removeMiss: run(sync.removeMiss),
    async close() {
      // after the last queued call: a transaction still running finishes before the handle goes
      await txs.exclusive(() => undefined);
      groupCommit.close();
      db.close();
    },
  };
}
