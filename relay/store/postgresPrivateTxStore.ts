import type { Address, Hex } from "viem";
import type { PostgresTransactions } from "./postgresTransactions.js";
import {
  fromRow,
  type NewPrivateTx,
  type PrivateTxRecord,
  type PrivateTxStore,
  type Row,
} from "./privateTxStore.js";

/**
 * {@link PrivateTxStore} in PostgreSQL (table `rpc_private_txs`, migration 2), shared by every relay
 * instance: a wallet's pending nonce (`maxPendingNonce`) is the same whichever instance it asks, and every
 * status change is a compare-and-set in the UPDATE itself, so the leader's watcher and a cancel on another
 * instance cannot both win.
 */
export class PostgresPrivateTxStore implements PrivateTxStore {
  constructor(private readonly txs: PostgresTransactions) {}

  async insert(tx: NewPrivateTx): Promise<void> {
    const now = Date.now();
    await this.txs.query(
      `INSERT INTO rpc_private_txs (hash, sender, nonce, raw, to_addr, value, gas, max_fee, max_priority_fee, data,
         chain_id, tx_type, status, max_block_number, submitted_block, can_revert, fast, created_at_ms, updated_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'PENDING', $13, $14, $15, $16, $17, $17)`,
      [
        tx.hash,
        tx.from.toLowerCase(),
        tx.nonce,
        tx.raw,
        tx.to?.toLowerCase() ?? null,
        tx.value.toString(),
        tx.gas.toString(),
        tx.maxFeePerGas.toString(),
        tx.maxPriorityFeePerGas.toString(),
        tx.data,
        tx.chainId,
        tx.type,
        tx.maxBlockNumber,
        tx.submittedBlock,
        tx.canRevert ? 1 : 0,
        tx.fast ? 1 : 0,
        now,
      ],
    );
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.txs.transaction(fn);
  }

  async get(hash: Hex): Promise<PrivateTxRecord | undefined> {
    return (await this.rows("SELECT * FROM rpc_private_txs WHERE hash = $1", [hash.toLowerCase()]))[0];
  }

  pendingBySender(sender: Address): Promise<PrivateTxRecord[]> {
    return this.rows(
      "SELECT * FROM rpc_private_txs WHERE status = 'PENDING' AND sender = $1 ORDER BY nonce, created_at_ms",
      [sender.toLowerCase()],
    );
  }

  pendingAll(): Promise<PrivateTxRecord[]> {
    return this.rows(
      "SELECT * FROM rpc_private_txs WHERE status = 'PENDING' ORDER BY sender, nonce, created_at_ms",
    );
  }

  async maxPendingNonce(sender: Address): Promise<number | null> {
    const r = await this.txs.query<{ n: number | null }>(
      "SELECT MAX(nonce) AS n FROM rpc_private_txs WHERE status = 'PENDING' AND sender = $1",
      [sender.toLowerCase()],
    );
    return r.rows[0]?.n ?? null;
  }

  markIncluded(hash: Hex, block: number, isRevert: boolean, blockHash: Hex | null = null): Promise<boolean> {
    return this.changed(
      `UPDATE rpc_private_txs SET status = 'INCLUDED', included_block = $1, is_revert = $2, included_block_hash = $3,
         updated_at_ms = $4 WHERE hash = $5 AND status = 'PENDING'`,
      [block, isRevert ? 1 : 0, blockHash, Date.now(), hash],
    );
  }

  markLandedAnyway(hash: Hex, block: number, isRevert: boolean, blockHash: Hex | null): Promise<boolean> {
    return this.changed(
      `UPDATE rpc_private_txs SET status = 'INCLUDED', included_block = $1, is_revert = $2, included_block_hash = $3,
         updated_at_ms = $4 WHERE hash = $5 AND status IN ('CANCELLED','FAILED')`,
      [block, isRevert ? 1 : 0, blockHash, Date.now(), hash],
    );
  }

  markReorged(hash: Hex): Promise<boolean> {
    return this.changed(
      `UPDATE rpc_private_txs SET status = 'PENDING', included_block = NULL, included_block_hash = NULL,
         is_revert = 0, last_sent_block = 0, updated_at_ms = $1 WHERE hash = $2 AND status = 'INCLUDED'`,
      [Date.now(), hash],
    );
  }

  async reanchor(hash: Hex, block: number, blockHash: Hex | null): Promise<void> {
    await this.txs.query(
      `UPDATE rpc_private_txs SET included_block = $1, included_block_hash = $2, updated_at_ms = $3
         WHERE hash = $4 AND status = 'INCLUDED'`,
      [block, blockHash, Date.now(), hash],
    );
  }

  includedSince(block: number): Promise<PrivateTxRecord[]> {
    return this.rows(
      "SELECT * FROM rpc_private_txs WHERE status = 'INCLUDED' AND included_block >= $1 ORDER BY included_block",
      [block],
    );
  }

  endedSentSince(block: number): Promise<PrivateTxRecord[]> {
    return this.rows(
      `SELECT * FROM rpc_private_txs WHERE status IN ('CANCELLED','FAILED') AND last_sent_block >= $1
         ORDER BY sender, nonce`,
      [block],
    );
  }

  markFailed(hash: Hex, simError: string, revertReason: string | null = null): Promise<boolean> {
    return this.changed(
      `UPDATE rpc_private_txs SET status = 'FAILED', sim_error = $1, revert_reason = $2, updated_at_ms = $3
         WHERE hash = $4 AND status = 'PENDING'`,
      [simError, revertReason, Date.now(), hash],
    );
  }

  markCancelled(hash: Hex, replacedBy: Hex | null = null): Promise<boolean> {
    return this.changed(
      `UPDATE rpc_private_txs SET status = 'CANCELLED', replaced_by = $1, updated_at_ms = $2
         WHERE hash = $3 AND status = 'PENDING'`,
      [replacedBy, Date.now(), hash],
    );
  }

  async markSent(hash: Hex, block: number): Promise<void> {
    await this.txs.query(
      "UPDATE rpc_private_txs SET last_sent_block = GREATEST(last_sent_block, $1), updated_at_ms = $2 WHERE hash = $3",
      [block, Date.now(), hash],
    );
  }

  private async rows(sql: string, params: unknown[] = []): Promise<PrivateTxRecord[]> {
    return (await this.txs.query<Row>(sql, params)).rows.map(fromRow);
  }

  private async changed(sql: string, params: unknown[]): Promise<boolean> {
    return (await this.txs.query(sql, params)).rowCount === 1;
  }
}
