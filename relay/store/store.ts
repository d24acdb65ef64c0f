import type { Address, Hex } from "viem";
import type { Order } from "../../client/order/order.js";
import type { OrderState } from "../../client/relay/relaySchemas.js";
import type { GroupCommit } from "./groupCommit.js";
import type { LeafProofs } from "./leafProofs.js";
import type { PrivateTxStore } from "./privateTxStore.js";
import type { PruneCounts } from "./pruneFinal.js";

/** Order states are the client's vocabulary (client/relay/relaySchemas.ts), the one the REST API pins. */
export { FINAL_ORDER_STATES, type OrderState } from "../../client/relay/relaySchemas.js";

export type OrderMode = "sealed" | "commit";

export type Fill = { sellAmount: bigint; buyAmount: bigint; txHash: Hex; blockNumber: bigint };

/** One order or commitment. `id` is its Merkle leaf. */
export type OrderRecord = {
  id: Hex;
  mode: OrderMode;
  trader: Address;
  state: OrderState;
  /** The relay batch it is in (or was last in). */
  batchId: number | null;
  leafIndex: number | null;
  /**
   * The order's signed `commitBy` (last block its batch may be committed in): from the order (sealed) or
   * stated in plaintext with the commitment (commit mode; the reveal must match it).
   */
  commitBy: bigint | null;
  /** Known from intake (sealed) or from the reveal (commit mode). */
  order: Order | null;
  signature: Hex | null;
  salt: Hex | null;
  digest: Hex | null;
  reason: string | null;
  error: string | null;
  fill: Fill | null;
  /** Batches this order was in that expired without settling. */
  expiredBatches: number;
  createdAt: number;
  updatedAt: number;
};

/**
 * Batch states: open (accepting) -> closing (full, leaves not yet frozen) -> committing (root frozen, commit
 * bundle being sent) -> committed (root on chain) -> settling (reveals closed, settle bundle being sent) ->
 * settled | expired.
 */
export type BatchState = "open" | "closing" | "committing" | "committed" | "settling" | "settled" | "expired";

/** Every column of a batch, each as it may be in some state (what a patch may set). */
export type BatchFields = {
  id: number;
  state: BatchState;
  chainBatchId: bigint | null;
  root: Hex | null;
  /** Leaves in batch order, frozen when the batch closes. */
  leaves: Hex[] | null;
  commitBlock: bigint | null;
  /** Last block the commit may land in: the smallest `commitBy` of its leaves (set when it closes). */
  commitDeadline: bigint | null;
  /**
   * Largest `commitBy` of its commit-mode leaves (null: none): their clients reveal only once the head is
   * past it, so the reveal window stays open until after it.
   */
  revealAfter: bigint | null;
  commitTxHash: Hex | null;
  /** Hash of the block the commit landed in: a reorg that replaces it moves the batch back to `committing`. */
  commitBlockHash: Hex | null;
  settleTxHash: Hex | null;
  /**
   * Block (and its hash) the settle landed in. Set at the first receipt, while the batch is still `settling`
   * and its orders not final; the orders become final once it has the configured confirmations.
   */
  settleBlock: bigint | null;
  settleBlockHash: Hex | null;
  createdAt: number;
  closedAt: number | null;
  settledAt: number | null;
};

/** Not frozen yet (`open`, `closing`): no root, no leaves, nothing on chain. */
type Unfrozen = { root: null; leaves: null; chainBatchId: null; commitBlock: null; commitTxHash: null };
/** Frozen (`committing`): root and leaves; its commit may be in flight, not landed. */
type Frozen = { root: Hex; leaves: Hex[] };
/** Its commit landed (`committed`, `settling`, `settled`): root and leaves on chain, with id, block and tx. */
type Committed = { root: Hex; leaves: Hex[]; chainBatchId: bigint; commitBlock: bigint; commitTxHash: Hex };
/** What each state guarantees beyond {@link BatchFields} (`expired` may come from any point: nothing). */
type StateFacts = {
  open: Unfrozen;
  closing: Unfrozen;
  committing: Frozen;
  committed: Committed;
  settling: Committed;
  settled: Committed;
  expired: unknown;
};

/**
 * A batch, keyed on its state: each state's record has the fields that state guarantees (the transitions
 * write them with the state), so `batch.root` of a `committing` batch is a `Hex`, not `Hex | null`.
 */
export type BatchRecord = {
  [S in BatchState]: Omit<BatchFields, "state" | keyof StateFacts[S]> & { state: S } & StateFacts[S];
}[BatchState];

/** The record of a batch in one of the states `S`. */
export type BatchIn<S extends BatchState> = Extract<BatchRecord, { state: S }>;

export type BundleKind = "commit" | "settle";

/** One bundle sent for a batch's commit or settle tx; written before the bundle leaves the relay. */
export type BundleAttempt = {
  id: number;
  batchId: number;
  kind: BundleKind;
  txHash: Hex;
  nonce: number;
  targetBlock: bigint;
  bundleHash: Hex | null;
  error: string | null;
  createdAt: number;
};

export type OrderPatch = Partial<
  Pick<
    OrderRecord,
    | "state"
    | "batchId"
    | "leafIndex"
    | "order"
    | "signature"
    | "salt"
    | "digest"
    | "reason"
    | "error"
    | "fill"
    | "expiredBatches"
  >
>;
export type BatchPatch = Partial<Omit<BatchFields, "id" | "createdAt">>;

/**
 * Everything the relay persists, behind one async interface with two backends: SQLite (one file, the
 * embedded default) and PostgreSQL (shared by several relay instances). `transaction(fn)` runs `fn`
 * atomically and durably: every store call `fn` makes (in its async context) is part of it, and when the
 * promise resolves the writes survive a crash. Calls outside a transaction are each atomic on their own.
 * `fn` must only await store calls and pure work: it holds the backend's one writer (SQLite) or a pooled
 * connection (PostgreSQL) until it returns.
 */
export interface Store {
  /** Which backend this is (logs, /healthz, tests). */
  readonly backend: "sqlite" | "postgres";
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * True in the async context of a running `transaction`: code that may run both inside and outside one
   * (the open batch's rotation) must not wait there for work that needs the store after the transaction.
   */
  readonly inTransaction: boolean;

  /** Inserts a new order; returns false (and writes nothing) when the id exists. */
  insertOrder(order: OrderRecord): Promise<boolean>;
  getOrder(id: Hex): Promise<OrderRecord | null>;
  getOrderByDigest(digest: Hex): Promise<OrderRecord | null>;
  ordersInBatch(batchId: number): Promise<OrderRecord[]>;
  /** A non-final order of `trader` with this nonce, if any. */
  activeOrderWithNonce(trader: Address, nonce: bigint): Promise<OrderRecord | null>;
  /**
   * Commitments of `trader` not yet revealed nor ended (`pending` or `committed`), counted up to `atMost`:
   * the relay caps them, since each is a leaf the operator pays to commit.
   */
  openCommitments(trader: Address, atMost: number): Promise<number>;
  updateOrder(id: Hex, patch: OrderPatch): Promise<void>;
  /**
   * Compare-and-set: applies `patch` only if the order is in one of `expected` states (checked by the write
   * itself); returns whether it did. Two paths racing for one order cannot both win.
   */
  updateOrderIf(id: Hex, expected: readonly OrderState[], patch: OrderPatch): Promise<boolean>;
  countOrdersByState(): Promise<Record<string, number>>;

  createBatch(): Promise<BatchIn<"open">>;
  getBatch(id: number): Promise<BatchRecord | null>;
  /**
   * A batch without its leaves (`leaves: null` whatever it holds): the public reads (`GET /v1/orders/:id`
   * and `/v1/batches/:id`) take it so a read does not parse a 10k-leaf batch's JSON (690 KB) every time.
   */
  getBatchMeta(id: number): Promise<(Omit<BatchFields, "leaves"> & { leaves: null }) | null>;
  batchesInStates<S extends BatchState>(states: readonly S[]): Promise<BatchIn<S>[]>;
  updateBatch(id: number, patch: BatchPatch): Promise<void>;
  /** Compare-and-set on the batch state, like {@link Store.updateOrderIf}. */
  updateBatchIf(id: number, expected: readonly BatchState[], patch: BatchPatch): Promise<boolean>;
  /** Batches whose commit or settle landed at or above `block` (what a reorg from `block` may have removed). */
  batchesLandedSince(block: bigint): Promise<BatchRecord[]>;

  addAttempt(attempt: Omit<BundleAttempt, "id" | "createdAt">): Promise<BundleAttempt>;
  updateAttempt(id: number, patch: { bundleHash?: Hex | null; error?: string | null }): Promise<void>;
  attempts(batchId: number, kind: BundleKind): Promise<BundleAttempt[]>;

  /** Missed reveals of a trader and when the last one was counted. */
  misses(trader: Address): Promise<{ count: number; lastAt: number }>;
  addMiss(trader: Address, at: number): Promise<void>;
  /** Takes back one miss (the commit it was charged for was reorged out). */
  removeMiss(trader: Address): Promise<void>;

  /** The wallet RPC's private transactions (their own table in the same database, one handle, one fsync). */
  readonly privateTxs: PrivateTxStore;
  /** Merkle proofs of committed roots, recorded once per root (`GET /v1/orders/:id` reads them). */
  readonly proofs: LeafProofs;
  /**
   * Durable group commit for the intake hot path (the WAL fsync off the event loop), or null on a store that
   * has no WAL file to fsync: the write queue then groups writes in the store's own `transaction`.
   */
  readonly groupCommit: GroupCommit | null;
  /** Retention (`--retention-days`): deletes final history older than `beforeMs`; returns what it deleted. */
  pruneFinal(beforeMs: number): Promise<PruneCounts>;

  close(): Promise<void>;
}
