import { buildMerkleTree } from "../../client/merkle/merkleTree.js";
import { defersCommitMode } from "../batch/commitTiming.js";
import { MAX_TRADES_PER_SETTLE } from "../batch/settlePlanner.js";
import type { BatchRecord, Store } from "../store/store.js";
import { endUnfilled, requeue } from "./orderSteps.js";
import { commitThenEmit, type TransitionContext } from "./transitionContext.js";

/**
 * At start: the batch new orders go into. After a crash there is at most one open batch worth keeping (the
 * newest); older ones are moved to `closing` for the batcher to freeze. Opens one if there is none.
 * @returns the open batch's id
 */
export function openBatchAtStart(store: Store): Promise<number> {
  return store.transaction(async () => {
    const open = await store.batchesInStates(["open"]);
    for (const b of open.slice(0, -1)) await store.updateBatchIf(b.id, ["open"], { state: "closing" });
    return (open.at(-1) ?? (await store.createBatch())).id;
  });
}

/**
 * Closes the open batch `id` (state `closing`: full, or its time is up) and opens the next one, in one
 * transaction. Returns the new open batch's id.
 */
export function rotateOpenBatch(store: Store, id: number): Promise<number> {
  return store.transaction(async () => {
    await store.updateBatchIf(id, ["open"], { state: "closing" });
    return (await store.createBatch()).id;
  });
}

/**
 * Freezes a closing batch, or re-freezes a committing one whose commit can no longer land by its deadline
 * (no attempt in flight): its pending orders, in arrival order, become the leaves, with the Merkle root, the
 * commit deadline (smallest `commitBy`) and the largest `commitBy` of its commit-mode orders (their reveals
 * come after it); the batch moves to `committing`. Left out: orders whose `commitBy` is before the next block
 * (unfilled `COMMIT_DEADLINE_PASSED`) and commit-mode orders beyond {@link MAX_TRADES_PER_SETTLE} (once
 * revealed they can never move, so they must fit in one settle: requeued, never committed). At the first
 * freeze, commit-mode orders whose `commitBy` is still far off are requeued too ({@link defersCommitMode}):
 * their reveals cannot come before it, and committed now they would hold the batch's sealed orders. A batch left
 * with no order expires. One transaction, compare-and-set on the batch state read inside it: a crash
 * leaves the batch either as it was (redone on restart) or fully frozen.
 */
export async function freezeBatch(ctx: TransitionContext, target: Pick<BatchRecord, "id">): Promise<void> {
  const { store, head } = ctx;
  const batchId = target.id;
  const frozen = await commitThenEmit(ctx, async (out) => {
    const batch = await store.getBatch(batchId);
    if (!batch || (batch.state !== "closing" && batch.state !== "committing")) return null;
    const firstLanding = head.block + 1n;
    const pending = (await store.ordersInBatch(batch.id)).filter((o) => o.state === "pending");
    const late = pending.filter((o) => o.commitBy !== null && o.commitBy < firstLanding);
    const onTime = pending.filter((o) => !late.includes(o));
    // Only at the first freeze: a re-frozen batch keeps what it can still commit.
    const deferred = new Set(
      batch.state === "closing"
        ? onTime.filter((o) => o.mode === "commit" && defersCommitMode(ctx, o.commitBy))
        : [],
    );
    const overflow = [
      ...onTime.filter((o) => o.mode === "commit" && !deferred.has(o)).slice(MAX_TRADES_PER_SETTLE),
      ...deferred,
    ];
    const orders = onTime.filter((o) => !overflow.includes(o));
    for (const o of late) await endUnfilled(ctx, out, o, "COMMIT_DEADLINE_PASSED");
    for (const o of overflow) await requeue(ctx, out, o, { expired: false });
    if (orders.length === 0) {
      await store.updateBatchIf(batch.id, [batch.state], {
        state: "expired",
        closedAt: Date.now(),
        leaves: [],
      });
      out.batch({ id: batch.id, state: "expired" });
      return null;
    }
    const leaves = orders.map((o) => o.id);
    const tree = buildMerkleTree(leaves);
    let commitDeadline: bigint | null = null;
    let revealAfter: bigint | null = null;
    for (const o of orders) {
      if (o.commitBy === null) continue;
      if (commitDeadline === null || o.commitBy < commitDeadline) commitDeadline = o.commitBy;
      if (o.mode === "commit" && (revealAfter === null || o.commitBy > revealAfter)) revealAfter = o.commitBy;
    }
    for (const [i, o] of orders.entries()) await store.updateOrderIf(o.id, ["pending"], { leafIndex: i });
    await store.updateBatchIf(batch.id, [batch.state], {
      state: "committing",
      root: tree.root,
      leaves,
      commitDeadline,
      revealAfter,
      closedAt: batch.closedAt ?? Date.now(),
    });
    return {
      refrozen: batch.state === "committing",
      root: tree.root,
      leaves,
      commitDeadline,
      late: late.length,
    };
  });
  if (frozen)
    ctx.logger.info(
      {
        batchId,
        leafCount: frozen.leaves.length,
        root: frozen.root,
        commitDeadline: frozen.commitDeadline,
        late: frozen.late,
      },
      frozen.refrozen ? "batch re-frozen for its commit deadline" : "batch closed",
    );
}

/**
 * Several instances (issue 18): a follower takes an order into the batch the store calls open, and the
 * leader may freeze that batch before the order's write commits; the order is then `pending` in a frozen
 * batch without a leaf index, where no freeze will ever look again. The leader sweeps for such orders (in
 * batches committing, committed or settling) and requeues them to the open batch, a compare-and-set on
 * `pending` in one transaction per batch. Returns how many moved.
 */
export async function requeueStranded(ctx: TransitionContext): Promise<number> {
  let moved = 0;
  for (const batch of await ctx.store.batchesInStates(["committing", "committed", "settling"])) {
    moved += await commitThenEmit(ctx, async (out) => {
      let n = 0;
      for (const o of await ctx.store.ordersInBatch(batch.id))
        if (
          o.state === "pending" &&
          o.leafIndex === null &&
          (await requeue(ctx, out, o, { expired: false })) !== null
        )
          n++;
      return n;
    });
  }
  if (moved > 0) ctx.logger.info({ orders: moved }, "requeued orders that arrived after their batch froze");
  return moved;
}
