import type { Hex } from "viem";
import { buildMerkleTree, getMerkleProof, type MerkleTree } from "../../client/merkle/merkleTree.js";
import { orderToJson } from "../../client/wire/orderWire.js";
import { publicBatchState } from "../batch/orderTransitions.js";
import type { BatchRecord, OrderRecord, Store } from "../store/store.js";

/** Trees of recently asked-for batches, so a poll for a proof does not rehash a 10k-leaf batch. */
const TREE_CACHE_SIZE = 16;

/**
 * The REST views of orders and batches (the pinned `GET /v1/orders/:id` and `GET /v1/batches/:id` shapes),
 * in one place; uints as decimal strings like the order wire format.
 */
export class OrderViews {
  private readonly trees = new Map<number, MerkleTree>();

  constructor(private readonly store: Store) {}

  private tree(batch: BatchRecord): MerkleTree | null {
    if (!batch.leaves || batch.leaves.length === 0) return null;
    let t = this.trees.get(batch.id);
    if (!t) {
      t = buildMerkleTree(batch.leaves);
      this.trees.set(batch.id, t);
      if (this.trees.size > TREE_CACHE_SIZE) this.trees.delete(this.trees.keys().next().value as number);
    }
    return t;
  }

  order(o: OrderRecord) {
    const batch = o.batchId === null ? null : this.store.getBatch(o.batchId);
    const onChain = batch !== null && batch.chainBatchId !== null;
    const tree = onChain && o.leafIndex !== null ? this.tree(batch) : null;
    return {
      id: o.id,
      mode: o.mode,
      trader: o.trader,
      state: o.state,
      batchId: o.batchId,
      chainBatchId: onChain ? batch.chainBatchId!.toString() : null,
      leafIndex: onChain ? o.leafIndex : null,
      root: onChain ? batch.root : null,
      proof: tree && o.leafIndex !== null ? getMerkleProof(tree, o.leafIndex) : null,
      commitTxHash: batch?.commitTxHash ?? null,
      order: o.order ? orderToJson(o.order) : null,
      fill: o.fill
        ? {
            sellAmount: o.fill.sellAmount.toString(),
            buyAmount: o.fill.buyAmount.toString(),
            txHash: o.fill.txHash,
            blockNumber: o.fill.blockNumber.toString(),
          }
        : null,
      reason: o.reason,
      error: o.error,
    };
  }

  batch(b: BatchRecord) {
    const orderIds: Hex[] =
      b.leaves && b.leaves.length > 0 ? b.leaves : this.store.ordersInBatch(b.id).map((o) => o.id);
    return {
      id: b.id,
      state: publicBatchState(b.state),
      chainBatchId: b.chainBatchId?.toString() ?? null,
      root: b.root,
      leafCount: b.leaves?.length ?? 0,
      commitBlock: b.commitBlock?.toString() ?? null,
      commitTxHash: b.commitTxHash,
      settleTxHash: b.settleTxHash,
      orderIds,
    };
  }
}
