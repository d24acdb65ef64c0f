import type { Address, Hex } from "viem";
import { orderJsonSchema, orderToJson } from "../../client/wire/orderWire.js";
import type { BatchFields, BatchPatch, BatchRecord, BatchState, OrderPatch, OrderRecord } from "./store.js";

// Rows of the orders and batches tables as both store backends (SQLite, PostgreSQL) keep them: the same
// columns, quantities as decimal strings (no precision loss), JSON for the order and the leaves. One mapping,
// so a record reads back the same from either backend.

/** One `orders` row. */
export type OrderRow = {
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

/** One `batches` row. */
export type BatchRow = {
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

/** Every batches column but leaves_json (getBatchMeta). */
export const BATCH_META_COLUMNS = [
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

/** An `orders` row as its record. */
export function rowToOrder(r: OrderRow): OrderRecord {
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
export function rowToBatch(r: BatchRow): BatchRecord {
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
export function orderColumns(p: OrderPatch): Record<string, unknown> {
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

/** Column values of a batch patch. */
export function batchColumns(p: BatchPatch): Record<string, unknown> {
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
