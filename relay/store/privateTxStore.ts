/**
 * Durable state of the wallet endpoint's private transactions, in its own table of the relay's store (SQLite
 * here, PostgreSQL in the PostgreSQL store; created idempotently or by migration), so pending transactions keep being re-sent and statuses keep answering across
 * relay restarts. Quantities are stored as decimal strings (no precision loss), addresses lower-case.
 */
import type { Database } from "better-sqlite3";
import type { Address, Hex } from "viem";
import type { DecodedTx } from "../rpc/decodePrivateTx.js";
import { SqliteTransactions } from "./sqliteTransactions.js";

/** Protect's status values (UNKNOWN is what the status API says for a hash not in this table). */
export type PrivateTxStatus = "PENDING" | "INCLUDED" | "FAILED" | "CANCELLED";

export type PrivateTxRecord = DecodedTx & {
  status: PrivateTxStatus;
  maxBlockNumber: number;
  /** Chain head when the tx was accepted; its first target block is this + 1. */
  submittedBlock: number;
  /** Highest block a bundle with this tx was sent for. */
  lastSentBlock: number;
  includedBlock: number | null;
  /** Hash of the block it was included in: a reorg that replaces that block sends it back to PENDING. */
  includedBlockHash: Hex | null;
  simError: string | null;
  revertReason: string | null;
  /** Mined with receipt status 0 (only possible when the sender opted in with canRevert). */
  isRevert: boolean;
  canRevert: boolean;
  fast: boolean;
  /** The same-nonce transaction that replaced (or cancelled) this one. */
  replacedBy: Hex | null;
  createdAtMs: number;
  updatedAtMs: number;
};

/** One `rpc_private_txs` row (the same columns on both backends). */
export type Row = {
  hash: string;
  sender: string;
  nonce: number;
  raw: string;
  to_addr: string | null;
  value: string;
  gas: string;
  max_fee: string;
  max_priority_fee: string;
  data: string;
  chain_id: number;
  tx_type: string;
  status: string;
  max_block_number: number;
  submitted_block: number;
  last_sent_block: number;
  included_block: number | null;
  included_block_hash?: string | null;
  sim_error: string | null;
  revert_reason: string | null;
  is_revert: number;
  can_revert: number;
  fast: number;
  replaced_by: string | null;
  created_at_ms: number;
  updated_at_ms: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rpc_private_txs (
  hash TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  raw TEXT NOT NULL,
  to_addr TEXT,
  value TEXT NOT NULL,
  gas TEXT NOT NULL,
  max_fee TEXT NOT NULL,
  max_priority_fee TEXT NOT NULL,
  data TEXT NOT NULL,
  chain_id INTEGER NOT NULL,
  tx_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING','INCLUDED','FAILED','CANCELLED')),
  max_block_number INTEGER NOT NULL,
  submitted_block INTEGER NOT NULL,
  last_sent_block INTEGER NOT NULL DEFAULT 0,
  included_block INTEGER,
  sim_error TEXT,
  revert_reason TEXT,
  is_revert INTEGER NOT NULL DEFAULT 0,
  can_revert INTEGER NOT NULL DEFAULT 0,
  fast INTEGER NOT NULL DEFAULT 0,
  replaced_by TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rpc_private_txs_pending ON rpc_private_txs (status, sender, nonce);
`;

/** New-record input: the decoded tx plus its admission parameters. */
export type NewPrivateTx = DecodedTx & {
  maxBlockNumber: number;
  submittedBlock: number;
  canRevert: boolean;
  fast: boolean;
};

/**
 * The private transactions' store, on either backend. Every status change is a compare-and-set in the write
 * itself (`... WHERE status = 'PENDING'`), so two relay instances (or the watcher and a cancel) racing for
 * one tx cannot both win.
 */
export interface PrivateTxStore {
  /** Records a newly accepted tx as PENDING (the caller checks the hash is new: a duplicate throws). */
  insert(tx: NewPrivateTx): Promise<void>;
  /** Runs `fn` in one transaction of the relay's store (replacement = cancel old + insert new, atomically). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  get(hash: Hex): Promise<PrivateTxRecord | undefined>;
  /** PENDING txs of one sender, by nonce. */
  pendingBySender(sender: Address): Promise<PrivateTxRecord[]>;
  /** Every PENDING tx, grouped by sender, by nonce. */
  pendingAll(): Promise<PrivateTxRecord[]>;
  /** Highest nonce among the sender's PENDING txs, or null. */
  maxPendingNonce(sender: Address): Promise<number | null>;
  /** PENDING -> INCLUDED (compare-and-set). Returns false if it was not pending. */
  markIncluded(hash: Hex, block: number, isRevert: boolean, blockHash?: Hex | null): Promise<boolean>;
  /**
   * CANCELLED/FAILED -> INCLUDED: the tx landed anyway (a builder still held its bundle, or a reorg brought
   * back a block it was targeted at). The chain is the truth: the status follows it.
   */
  markLandedAnyway(hash: Hex, block: number, isRevert: boolean, blockHash: Hex | null): Promise<boolean>;
  /** INCLUDED -> PENDING: a reorg removed the block; the watcher re-sends it (until its maxBlockNumber). */
  markReorged(hash: Hex): Promise<boolean>;
  /** The INCLUDED tx is on the canonical chain in another block (a reorg re-included it). */
  reanchor(hash: Hex, block: number, blockHash: Hex | null): Promise<void>;
  /** INCLUDED txs in blocks at or above `block` (what a reorg from `block` may have removed). */
  includedSince(block: number): Promise<PrivateTxRecord[]>;
  /** CANCELLED/FAILED txs whose bundle was sent for a block at or above `block` (they may land anyway). */
  endedSentSince(block: number): Promise<PrivateTxRecord[]>;
  /** PENDING -> FAILED with Protect's simError and an optional revert reason. */
  markFailed(hash: Hex, simError: string, revertReason?: string | null): Promise<boolean>;
  /** PENDING -> CANCELLED (by eth_cancelPrivateTransaction, a cancel self-transfer, or a replacement). */
  markCancelled(hash: Hex, replacedBy?: Hex | null): Promise<boolean>;
  /** Records that a bundle with this tx was sent for `block`. */
  markSent(hash: Hex, block: number): Promise<void>;
}

/** {@link PrivateTxStore} on a better-sqlite3 handle (table `rpc_private_txs`). */
export class SqlitePrivateTxStore implements PrivateTxStore {
  readonly #txs: SqliteTransactions;
  readonly #stmts;

  constructor(db: Database, txs?: SqliteTransactions) {
    this.#txs = txs ?? new SqliteTransactions(db);
    db.exec(SCHEMA);
    const cols = db.prepare("PRAGMA table_info(rpc_private_txs)").all() as { name: string }[];
    if (!cols.some((c) => c.name === "included_block_hash"))
      db.exec("ALTER TABLE rpc_private_txs ADD COLUMN included_block_hash TEXT");
    this.#stmts = {
      insert: db.prepare(`INSERT INTO rpc_private_txs (hash, sender, nonce, raw, to_addr, value, gas, max_fee,
        max_priority_fee, data, chain_id, tx_type, status, max_block_number, submitted_block, can_revert, fast,
        created_at_ms, updated_at_ms) VALUES (@hash, @sender, @nonce, @raw, @to_addr, @value, @gas, @max_fee,
        @max_priority_fee, @data, @chain_id, @tx_type, 'PENDING', @max_block_number, @submitted_block,
        @can_revert, @fast, @now, @now)`),
      get: db.prepare("SELECT * FROM rpc_private_txs WHERE hash = ?"),
      pendingBySender: db.prepare(
        "SELECT * FROM rpc_private_txs WHERE status = 'PENDING' AND sender = ? ORDER BY nonce, created_at_ms",
      ),
      pendingAll: db.prepare(
        "SELECT * FROM rpc_private_txs WHERE status = 'PENDING' ORDER BY sender, nonce, created_at_ms",
      ),
      maxPendingNonce: db.prepare(
        "SELECT MAX(nonce) AS n FROM rpc_private_txs WHERE status = 'PENDING' AND sender = ?",
      ),
      included: db.prepare(`UPDATE rpc_private_txs SET status = 'INCLUDED', included_block = ?, is_revert = ?,
        included_block_hash = ?, updated_at_ms = ? WHERE hash = ? AND status = 'PENDING'`),
      landedAnyway:
        db.prepare(`UPDATE rpc_private_txs SET status = 'INCLUDED', included_block = ?, is_revert = ?,
        included_block_hash = ?, updated_at_ms = ? WHERE hash = ? AND status IN ('CANCELLED','FAILED')`),
      reorged: db.prepare(`UPDATE rpc_private_txs SET status = 'PENDING', included_block = NULL,
        included_block_hash = NULL, is_revert = 0, last_sent_block = 0, updated_at_ms = ?
        WHERE hash = ? AND status = 'INCLUDED'`),
      reanchor:
        db.prepare(`UPDATE rpc_private_txs SET included_block = ?, included_block_hash = ?, updated_at_ms = ?
        WHERE hash = ? AND status = 'INCLUDED'`),
      includedSince: db.prepare(
        "SELECT * FROM rpc_private_txs WHERE status = 'INCLUDED' AND included_block >= ? ORDER BY included_block",
      ),
      endedSentSince: db.prepare(
        "SELECT * FROM rpc_private_txs WHERE status IN ('CANCELLED','FAILED') AND last_sent_block >= ? ORDER BY sender, nonce",
      ),
      failed: db.prepare(`UPDATE rpc_private_txs SET status = 'FAILED', sim_error = ?, revert_reason = ?,
        updated_at_ms = ? WHERE hash = ? AND status = 'PENDING'`),
      cancelled:
        db.prepare(`UPDATE rpc_private_txs SET status = 'CANCELLED', replaced_by = ?, updated_at_ms = ?
        WHERE hash = ? AND status = 'PENDING'`),
      sent: db.prepare(
        "UPDATE rpc_private_txs SET last_sent_block = MAX(last_sent_block, ?), updated_at_ms = ? WHERE hash = ?",
      ),
    };
  }

  insert(tx: NewPrivateTx): Promise<void> {
    return this.#txs.exclusive(() => {
      this.#stmts.insert.run({
        hash: tx.hash,
        sender: tx.from.toLowerCase(),
        nonce: tx.nonce,
        raw: tx.raw,
        to_addr: tx.to?.toLowerCase() ?? null,
        value: tx.value.toString(),
        gas: tx.gas.toString(),
        max_fee: tx.maxFeePerGas.toString(),
        max_priority_fee: tx.maxPriorityFeePerGas.toString(),
        data: tx.data,
        chain_id: tx.chainId,
        tx_type: tx.type,
        max_block_number: tx.maxBlockNumber,
        submitted_block: tx.submittedBlock,
        can_revert: tx.canRevert ? 1 : 0,
        fast: tx.fast ? 1 : 0,
        now: Date.now(),
      });
    });
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#txs.transaction(fn);
  }

  get(hash: Hex): Promise<PrivateTxRecord | undefined> {
    return this.#txs.exclusive(() => {
      const row = this.#stmts.get.get(hash.toLowerCase()) as Row | undefined;
      return row && fromRow(row);
    });
  }

  pendingBySender(sender: Address): Promise<PrivateTxRecord[]> {
    return this.#txs.exclusive(() =>
      (this.#stmts.pendingBySender.all(sender.toLowerCase()) as Row[]).map(fromRow),
    );
  }

  pendingAll(): Promise<PrivateTxRecord[]> {
    return this.#txs.exclusive(() => (this.#stmts.pendingAll.all() as Row[]).map(fromRow));
  }

  maxPendingNonce(sender: Address): Promise<number | null> {
    return this.#txs.exclusive(() => {
      const row = this.#stmts.maxPendingNonce.get(sender.toLowerCase()) as { n: number | null };
      return row.n;
    });
  }

  markIncluded(hash: Hex, block: number, isRevert: boolean, blockHash: Hex | null = null): Promise<boolean> {
    return this.#changed(() =>
      this.#stmts.included.run(block, isRevert ? 1 : 0, blockHash, Date.now(), hash),
    );
  }

  markLandedAnyway(hash: Hex, block: number, isRevert: boolean, blockHash: Hex | null): Promise<boolean> {
    return this.#changed(() =>
      this.#stmts.landedAnyway.run(block, isRevert ? 1 : 0, blockHash, Date.now(), hash),
    );
  }

  markReorged(hash: Hex): Promise<boolean> {
    return this.#changed(() => this.#stmts.reorged.run(Date.now(), hash));
  }

  reanchor(hash: Hex, block: number, blockHash: Hex | null): Promise<void> {
    return this.#txs.exclusive(() => {
      this.#stmts.reanchor.run(block, blockHash, Date.now(), hash);
    });
  }

  includedSince(block: number): Promise<PrivateTxRecord[]> {
    return this.#txs.exclusive(() => (this.#stmts.includedSince.all(block) as Row[]).map(fromRow));
  }

  endedSentSince(block: number): Promise<PrivateTxRecord[]> {
    return this.#txs.exclusive(() => (this.#stmts.endedSentSince.all(block) as Row[]).map(fromRow));
  }

  markFailed(hash: Hex, simError: string, revertReason: string | null = null): Promise<boolean> {
    return this.#changed(() => this.#stmts.failed.run(simError, revertReason, Date.now(), hash));
  }

  markCancelled(hash: Hex, replacedBy: Hex | null = null): Promise<boolean> {
    return this.#changed(() => this.#stmts.cancelled.run(replacedBy, Date.now(), hash));
  }

  markSent(hash: Hex, block: number): Promise<void> {
    return this.#txs.exclusive(() => {
      this.#stmts.sent.run(block, Date.now(), hash);
    });
  }

  /** One compare-and-set statement: whether it changed the row. */
  #changed(run: () => { changes: number }): Promise<boolean> {
    return this.#txs.exclusive(() => run().changes === 1);
  }
}

/** A row as its record (the PostgreSQL store's rows have the same columns). */
export function fromRow(r: Row): PrivateTxRecord {
  return {
    hash: r.hash as Hex,
    raw: r.raw as Hex,
    from: r.sender as Address,
    to: r.to_addr as Address | null,
    nonce: r.nonce,
    value: BigInt(r.value),
    gas: BigInt(r.gas),
    maxFeePerGas: BigInt(r.max_fee),
    maxPriorityFeePerGas: BigInt(r.max_priority_fee),
    data: r.data as Hex,
    chainId: r.chain_id,
    type: r.tx_type as PrivateTxRecord["type"],
    status: r.status as PrivateTxStatus,
    maxBlockNumber: r.max_block_number,
    submittedBlock: r.submitted_block,
    lastSentBlock: r.last_sent_block,
    includedBlock: r.included_block,
    includedBlockHash: (r.included_block_hash ?? null) as Hex | null,
    simError: r.sim_error,
    revertReason: r.revert_reason,
    isRevert: r.is_revert === 1,
    canRevert: r.can_revert === 1,
    fast: r.fast === 1,
    replacedBy: r.replaced_by as Hex | null,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}
