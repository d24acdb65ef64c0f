import type { Hex } from "viem";
import { buildMerkleTree, getMerkleProof, type MerkleTree } from "../../client/merkle/merkleTree.js";
import { orderToJson } from "../../client/wire/orderWire.js";
import type { LeafProofs } from "../store/leafProofs.js";
import {
  type BatchFields,
  type BatchRecord,
  FINAL_ORDER_STATES,
  type OrderRecord,
  type Store,
} from "../store/store.js";

/** Trees of recently asked-for batches, so a poll for a proof does not rehash a 10k-leaf batch. */
const TREE_CACHE_SIZE = 16;
/** Leaves of recently asked-for committed batches (by id and root), so a batch read does not parse them. */
const LEAVES_CACHE_SIZE = 16;

/** A batch as the views read it: its leaves may be left out (null) when the view does not need them. */
type BatchLike = Omit<BatchFields, "leaves"> & { leaves: Hex[] | null };

/** Public batch state of the REST API for an internal one. */
export function publicBatchState(state: BatchRecord["state"]): "open" | "committed" | "settled" | "expired" {
  if (state === "open" || state === "closing" || state === "committing") return "open";
  if (state === "committed" || state === "settling") return "committed";
  return state;
}

/** What `GET /v1/orders/:id` discloses (THREATS.md): always the same keys, unknown ones null. */
export type OrderView = {
  id: Hex;
  state: OrderRecord["state"];
  mode: OrderRecord["mode"] | null;
  trader: OrderRecord["trader"] | null;
  batchId: number | null;
  chainBatchId: string | null;
  leafIndex: number | null;
  root: Hex | null;
  proof: Hex[] | null;
  commitTxHash: Hex | null;
  order: ReturnType<typeof orderToJson> | null;
  fill: { sellAmount: string; buyAmount: string; txHash: Hex; blockNumber: string } | null;
  reason: string | null;
  error: string | null;
  /**
   * Blocks on top of (and including) the tx this state rests on: the settle once it landed, else the commit;
   * null before the commit. The state is final only at `requiredConfirmations` (a reorg can move it back).
   */
  confirmations: number | null;
  requiredConfirmations: number;
};

/** Chain facts a view needs: the head and the confirmations the relay waits for. */
export type ViewChain = { head: { block: bigint }; confirmations: number };

/** What `GET /v1/batches/:id` discloses: order ids only once the batch is settled or expired. */
export type BatchView = {
  id: number;
  state: ReturnType<typeof publicBatchState>;
  leafCount: number | null;
  createdAt: number;
  closedAt: number | null;
  chainBatchId: string | null;
  root: Hex | null;
  commitBlock: string | null;
  commitTxHash: Hex | null;
  settleTxHash: Hex | null;
  settledAt: number | null;
  orderIds: Hex[] | null;
  /** Confirmations of the settle once it landed, else of the commit; null before the commit. */
  confirmations: number | null;
};

/**
 * The public views of orders and batches, in one place, applying the disclosure table of THREATS.md:
 * - an order before its batch is committed: its state only (no trader, mode, batch, amounts);
 * - after the commit, until final: + the relay and chain batch ids, leaf index, root, Merkle proof, commit
 *   tx (all public on chain or useless without the order), still no order field;
 * - once final: everything, with the fill or the reason.
 * - a batch lists its order ids only once settled or expired, its root and commit only once committed.
 * The order id is an unguessable leaf hash, so holding it is the capability to see the order's state; the
 * content waits until nobody can trade against it any more. Uints are decimal strings like the order wire.
 */
export class OrderViews {
  private readonly trees = new Map<number, MerkleTree>();
  private readonly leavesCache = new Map<number, { root: Hex; leaves: Hex[] | null }>();

  constructor(
    private readonly store: Store,
    private readonly chain: ViewChain = { head: { block: 0n }, confirmations: 1 },
    /** Stored proofs (recorded when a batch commits); without it, trees are built and cached here. */
    private readonly proofs?: LeafProofs,
  ) {}

  /**
   * The proof of leaf `index`: stored (one indexed read; the batch's leaves are not even loaded), or (a batch
   * committed before the proofs were kept) stored now, once.
   */
  private async proofOf(batch: BatchLike, index: number): Promise<Hex[] | null> {
    if (this.proofs && batch.root) {
      const stored = await this.proofs.proof(batch.root, index);
      if (stored) return stored;
    }
    const leaves = await this.leavesOf(batch);
    if (!this.proofs || !batch.root || !leaves) {
      const tree = this.tree(batch.id, leaves);
      return tree ? getMerkleProof(tree, index) : null;
    }
    await this.proofs.record(batch.root, leaves);
    return this.proofs.proof(batch.root, index);
  }

  /**
   * A batch's leaves: given, or loaded (and kept for a committed batch, by root: the leaves under one root
   * never change; a batch re-frozen after a reorg has another root and is loaded again).
   */
  private async leavesOf(batch: BatchLike): Promise<Hex[] | null> {
    if (batch.leaves) return batch.leaves;
    const cached = batch.root ? this.leavesCache.get(batch.id) : undefined;
    if (cached && cached.root === batch.root) return cached.leaves;
    const leaves = (await this.store.getBatch(batch.id))?.leaves ?? null;
    if (batch.root) {
      this.leavesCache.delete(batch.id);
      this.leavesCache.set(batch.id, { root: batch.root, leaves });
      if (this.leavesCache.size > LEAVES_CACHE_SIZE)
        this.leavesCache.delete(this.leavesCache.keys().next().value as number);
    }
    return leaves;
  }

  /** Confirmations of what the batch's state rests on (settle if landed, else commit), null if neither. */
  private confirmations(b: BatchLike | null): number | null {
    const block = b?.settleBlock ?? b?.commitBlock ?? null;
    if (block === null) return null;
    const n = this.chain.head.block - block + 1n;
    return n < 0n ? 0 : Number(n);
  }

  private tree(batchId: number, leaves: Hex[] | null): MerkleTree | null {
    if (!leaves || leaves.length === 0) return null;
    let t = this.trees.get(batchId);
    if (!t) {
      t = buildMerkleTree(leaves);
      this.trees.set(batchId, t);
      if (this.trees.size > TREE_CACHE_SIZE) this.trees.delete(this.trees.keys().next().value as number);
    }
    return t;
  }

  async order(o: OrderRecord): Promise<OrderView> {
    const view: OrderView = {
      id: o.id,
      state: o.state,
      mode: null,
      trader: null,
      batchId: null,
      chainBatchId: null,
      leafIndex: null,
      root: null,
      proof: null,
      commitTxHash: null,
      order: null,
      fill: null,
      reason: null,
      error: null,
      confirmations: null,
      requiredConfirmations: this.chain.confirmations,
    };
    // without its leaves: the proof is one stored row (issue 13: a read never parses a batch's leaf list)
    const batch = o.batchId === null ? null : await this.store.getBatchMeta(o.batchId);
    if (batch && batch.chainBatchId !== null && o.leafIndex !== null) {
      view.batchId = batch.id;
      view.chainBatchId = batch.chainBatchId.toString();
      view.leafIndex = o.leafIndex;
      view.root = batch.root;
      view.proof = await this.proofOf(batch, o.leafIndex);
      view.commitTxHash = batch.commitTxHash;
      view.confirmations = this.confirmations(batch);
    }
    if (!FINAL_ORDER_STATES.includes(o.state)) return view;
    view.mode = o.mode;
    view.trader = o.trader;
    view.batchId = o.batchId;
    view.order = o.order ? orderToJson(o.order) : null;
    view.fill = o.fill
      ? {
          sellAmount: o.fill.sellAmount.toString(),
          buyAmount: o.fill.buyAmount.toString(),
          txHash: o.fill.txHash,
          blockNumber: o.fill.blockNumber.toString(),
        }
      : null;
    view.reason = o.reason;
    view.error = o.error;
    return view;
  }

  /** The view of batch `id` (null: no such batch), its leaves parsed once per committed root. */
  async batchById(id: number): Promise<BatchView | null> {
    const meta = await this.store.getBatchMeta(id);
    return meta ? this.batch({ ...meta, leaves: await this.leavesOf(meta) }) : null;
  }

  batch(b: BatchLike): BatchView {
    const state = publicBatchState(b.state);
    const view: BatchView = {
      id: b.id,
      state,
      leafCount: b.leaves ? b.leaves.length : null,
      createdAt: b.createdAt,
      closedAt: b.closedAt,
      chainBatchId: null,
      root: null,
      commitBlock: null,
      commitTxHash: null,
      settleTxHash: null,
      settledAt: null,
      orderIds: null,
      confirmations: this.confirmations(b),
    };
    if (b.chainBatchId !== null) {
      view.chainBatchId = b.chainBatchId.toString();
      view.root = b.root;
      view.commitBlock = b.commitBlock?.toString() ?? null;
      view.commitTxHash = b.commitTxHash;
    }
    if (state === "settled" || state === "expired") {
      view.settleTxHash = b.settleTxHash;
      view.settledAt = b.settledAt;
      view.orderIds = b.leaves ?? [];
    }
    return view;
  }
}
