import { join } from "node:path";
import Database from "better-sqlite3";
import type { Address, Hex } from "viem";
import { orderJsonSchema, orderToJson } from "../../client/wire/orderWire.js";
import { GroupCommit } from "./groupCommit.js";
import { LeafProofs } from "./leafProofs.js";
import { installOrderStateCounts, readOrderStateCounts } from "./orderStateCounts.js";
import { securePrivateDataDir } from "./privateDataDir.js";
import { PrivateTxStore } from "./privateTxStore.js";
import { pruneFinal } from "./pruneFinal.js";
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
  Store,
} from "./store.js";
import { FINAL_ORDER_STATES } from "./store.js";

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

type OrderRow = {
  id: string;
  mode: string;
  trader: string;
  state: string;
  batch_id: number | null;
  leaf_index: number | null;
  order_json: string | null;
  signature: string | null;
  salt: string | null;
  digest: string | null;
  reason: string | null;
  error: string | null;
  fill_json: string | null;
  expired_batches: number;
  commit_by: string | null;
  created_at: number;
  updated_at: number;
};

type BatchRow = {
  id: number;
  state: string;
  chain_batch_id: string | null;
  root: string | null;
  leaves_json: string | null;
  commit_block: string | null;
  commit_deadline: string | null;
  reveal_after: string | null;
  commit_tx_hash: string | null;
  commit_block_hash: string | null;
  settle_tx_hash: string | null;
  settle_block: string | null;
  settle_block_hash: string | null;
  created_at: number;
  closed_at: number | null;
  settled_at: number | null;
};

const FINAL = sqlList(FINAL_ORDER_STATES);

/** Every batches column but leaves_json (getBatchMeta). */
const BATCH_META_COLUMNS = [
  "id",
  "state",
  "chain_batch_id",
  "root",
  "commit_block",
  "commit_deadline",
  "reveal_after",
  "commit_tx_hash",
  "commit_block_hash",
  "settle_tx_hash",
  "settle_block",
  "settle_block_hash",
  "created_at",
  "closed_at",
  "settled_at",
].join(", ");

function rowToOrder(r: OrderRow): OrderRecord {
  const fill = r.fill_json ? JSON.parse(r.fill_json) : null;
  return {
    id: r.id as Hex,
    mode: r.mode as OrderRecord["mode"],
    trader: r.trader as Address,
    state: r.state as OrderRecord["state"],
    batchId: r.batch_id,
    leafIndex: r.leaf_index,
    commitBy: r.commit_by === null ? null : BigInt(r.commit_by),
    order: r.order_json ? orderJsonSchema.parse(JSON.parse(r.order_json)) : null,
    signature: r.signature as Hex | null,
    salt: r.salt as Hex | null,
    digest: r.digest as Hex | null,
    reason: r.reason,
    error: r.error,
    fill: fill
      ? {
          sellAmount: BigInt(fill.sellAmount),
          buyAmount: BigInt(fill.buyAmount),
          txHash: fill.txHash,
          blockNumber: BigInt(fill.blockNumber),
        }
      : null,
    expiredBatches: r.expired_batches,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A batch row as its record. The record type is keyed on the state (a frozen batch has its root, a committed
 * one its chain id): the transitions write those fields together with the state, so the row is trusted here.
 */
function rowToBatch(r: BatchRow): BatchRecord {
  const fields: BatchFields = {
    id: r.id,
    state: r.state as BatchState,
    chainBatchId: r.chain_batch_id === null ? null : BigInt(r.chain_batch_id),
    root: r.root as Hex | null,
    leaves: r.leaves_json ? JSON.parse(r.leaves_json) : null,
    commitBlock: r.commit_block === null ? null : BigInt(r.commit_block),
    commitDeadline: r.commit_deadline === null ? null : BigInt(r.commit_deadline),
    revealAfter: r.reveal_after === null ? null : BigInt(r.reveal_after),
    commitTxHash: r.commit_tx_hash as Hex | null,
    commitBlockHash: (r.commit_block_hash ?? null) as Hex | null,
    settleTxHash: r.settle_tx_hash as Hex | null,
    settleBlock: r.settle_block === null || r.settle_block === undefined ? null : BigInt(r.settle_block),
    settleBlockHash: (r.settle_block_hash ?? null) as Hex | null,
    createdAt: r.created_at,
    closedAt: r.closed_at,
    settledAt: r.settled_at,
  };
  return fields as BatchRecord;
}

/** Column values of an order patch. */
function orderColumns(p: OrderPatch): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (p.state !== undefined) c.state = p.state;
  if (p.batchId !== undefined) c.batch_id = p.batchId;
  if (p.leafIndex !== undefined) c.leaf_index = p.leafIndex;
  if (p.order !== undefined) {
    c.order_json = p.order ? JSON.stringify(orderToJson(p.order)) : null;
    c.nonce = p.order ? p.order.nonce.toString() : null;
  }
  if (p.signature !== undefined) c.signature = p.signature;
  if (p.salt !== undefined) c.salt = p.salt;
  if (p.digest !== undefined) c.digest = p.digest;
  if (p.reason !== undefined) c.reason = p.reason;
  if (p.error !== undefined) c.error = p.error;
  if (p.expiredBatches !== undefined) c.expired_batches = p.expiredBatches;
  if (p.fill !== undefined)
    c.fill_json = p.fill
      ? JSON.stringify({
          sellAmount: p.fill.sellAmount.toString(),
          buyAmount: p.fill.buyAmount.toString(),
          txHash: p.fill.txHash,
          blockNumber: p.fill.blockNumber.toString(),
        })
      : null;
  return c;
}

function batchColumns(p: BatchPatch): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (p.state !== undefined) c.state = p.state;
  if (p.chainBatchId !== undefined) c.chain_batch_id = p.chainBatchId?.toString() ?? null;
  if (p.root !== undefined) c.root = p.root;
  if (p.leaves !== undefined) c.leaves_json = p.leaves ? JSON.stringify(p.leaves) : null;
  if (p.commitBlock !== undefined) c.commit_block = p.commitBlock?.toString() ?? null;
  if (p.commitDeadline !== undefined) c.commit_deadline = p.commitDeadline?.toString() ?? null;
  if (p.revealAfter !== undefined) c.reveal_after = p.revealAfter?.toString() ?? null;
  if (p.commitTxHash !== undefined) c.commit_tx_hash = p.commitTxHash;
  if (p.settleTxHash !== undefined) c.settle_tx_hash = p.settleTxHash;
  if (p.commitBlockHash !== undefined) c.commit_block_hash = p.commitBlockHash;
  if (p.settleBlock !== undefined) c.settle_block = p.settleBlock?.toString() ?? null;
  if (p.settleBlockHash !== undefined) c.settle_block_hash = p.settleBlockHash;
  if (p.closedAt !== undefined) c.closed_at = p.closedAt;
  if (p.settledAt !== undefined) c.settled_at = p.settledAt;
  return c;
}

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

  const privateTxs = new PrivateTxStore(db);
  const proofs = new LeafProofs(db);
  const groupCommit = new GroupCommit(db);

  return {
    db,
    privateTxs,
    proofs,
    groupCommit,
    pruneFinal: (beforeMs) => pruneFinal(db, beforeMs),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),

    insertOrder(o) {
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
    getOrder(id) {
      const r = prep("SELECT * FROM orders WHERE id = ?").get(id.toLowerCase()) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    getOrderByDigest(digest) {
      const r = prep("SELECT * FROM orders WHERE digest = ? ORDER BY seq DESC LIMIT 1").get(
        digest.toLowerCase(),
      ) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    ordersInBatch(batchId) {
      return (prep("SELECT * FROM orders WHERE batch_id = ? ORDER BY seq").all(batchId) as OrderRow[]).map(
        rowToOrder,
      );
    },
    activeOrderWithNonce(trader, nonce) {
      const r = prep(
        `SELECT * FROM orders WHERE trader = ? AND nonce = ? AND state NOT IN ${FINAL} LIMIT 1`,
      ).get(trader, nonce.toString()) as OrderRow | undefined;
      return r ? rowToOrder(r) : null;
    },
    openCommitments(trader, atMost) {
      // bounded work: stops counting at `atMost` (the trader prefix of orders_trader_nonce finds the rows)
      const r = prep(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders WHERE trader = ? AND mode = 'commit'
           AND state IN ('pending','committed') LIMIT ?)`,
      ).get(trader, atMost) as { n: number };
      return r.n;
    },
    updateOrder(id, patch) {
      update("orders", "id", id.toLowerCase(), { ...orderColumns(patch), updated_at: Date.now() });
    },
    updateOrderIf(id, expected, patch) {
      return updateIf("orders", "id", id.toLowerCase(), expected, {
        ...orderColumns(patch),
        updated_at: Date.now(),
      });
    },
    countOrdersByState() {
      return readOrderStateCounts(db); // trigger-kept: no table scan per scrape
    },

    createBatch() {
      const now = Date.now();
      const res = prep("INSERT INTO batches (state, created_at) VALUES ('open', ?)").run(now);
      return rowToBatch(
        prep("SELECT * FROM batches WHERE id = ?").get(res.lastInsertRowid) as BatchRow,
      ) as BatchIn<"open">;
    },
    getBatch(id) {
      const r = prep("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined;
      return r ? rowToBatch(r) : null;
    },
    getBatchMeta(id) {
      // every column but leaves_json: SQLite never copies the leaves into a JS string
      const r = prep(`SELECT ${BATCH_META_COLUMNS} FROM batches WHERE id = ?`).get(id) as
        | BatchRow
        | undefined;
      return r ? { ...rowToBatch({ ...r, leaves_json: null }), leaves: null } : null;
    },
    batchesInStates(states) {
      if (states.length === 0) return [];
      const sql = `SELECT * FROM batches WHERE state IN (${states.map(() => "?").join(",")}) ORDER BY id`;
      return (prep(sql).all(...states) as BatchRow[]).map(rowToBatch) as BatchIn<(typeof states)[number]>[];
    },
    updateBatch(id, patch) {
      update("batches", "id", id, batchColumns(patch));
    },
    updateBatchIf(id, expected, patch) {
      return updateIf("batches", "id", id, expected, batchColumns(patch));
    },
    batchesLandedSince(block) {
      const sql = `SELECT * FROM batches WHERE (commit_block IS NOT NULL AND CAST(commit_block AS INTEGER) >= ?)
        OR (settle_block IS NOT NULL AND CAST(settle_block AS INTEGER) >= ?) ORDER BY id`;
      const n = block < 0n ? 0 : Number(block);
      return (prep(sql).all(n, n) as BatchRow[]).map(rowToBatch);
    },

    addAttempt(a) {
      const now = Date.now();
      const res = prep(
        `INSERT INTO bundle_attempts (batch_id, kind, tx_hash, nonce, target_block, bundle_hash, error, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(a.batchId, a.kind, a.txHash, a.nonce, a.targetBlock.toString(), a.bundleHash, a.error, now);
      return { ...a, id: Number(res.lastInsertRowid), createdAt: now };
    },
    updateAttempt(id, patch) {
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

    misses(trader) {
      const r = prep("SELECT count, last_at FROM trader_misses WHERE trader = ?").get(trader) as
        | { count: number; last_at: number }
        | undefined;
      return r ? { count: r.count, lastAt: r.last_at } : { count: 0, lastAt: 0 };
    },
    addMiss(trader, at) {
      prep(
        `INSERT INTO trader_misses (trader, count, last_at) VALUES (?, 1, ?)
         ON CONFLICT(trader) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
      ).run(trader, at);
    },

    removeMiss(trader) {
      prep("UPDATE trader_misses SET count = MAX(0, count - 1) WHERE trader = ?").run(trader);
    },

    close() {
      db.close();
    },
  };
}
