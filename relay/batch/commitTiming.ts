import type { RelayContext } from "../relayContext.js";

/**
 * The block arithmetic of order v2's `commitBy` (the last block an order's batch may be committed in), in
 * one place. The contract refuses a trade from a batch committed after the order's `commitBy`, and a
 * commit-mode client reveals only once the head is past it: so the relay must commit every order by its
 * `commitBy`, and keep a batch's reveals open until after the largest `commitBy` of its commit-mode orders.
 */

/**
 * Fewest blocks between the head and an order's `commitBy` that intake accepts: the open batch closes on the
 * next block at the latest when an order needs it (see {@link closeLeadBlocks}) and its commit lands in the
 * block after, with one block of slack for a bundle that misses its first target.
 */
export const MIN_COMMIT_LEAD_BLOCKS = 3n;

/**
 * The batcher closes the open batch as soon as `head + CLOSE_LEAD_BLOCKS >= ` its smallest `commitBy`, even
 * before the batch interval ends: the commit then has the blocks `head + 1 ..= commitBy` to land in.
 */
export const CLOSE_LEAD_BLOCKS = 2n;

/**
 * Blocks before its `commitBy` at which a commit-mode order's commit is aimed. Its client reveals only once
 * the head is past `commitBy` (order v2), so committing it earlier gains it nothing, while its batch, and every
 * sealed order in it, would wait for that reveal (the latency bench: sealed orders settled 9 blocks after
 * acceptance, held by commit-mode orders committed 4 blocks before their `commitBy`). The batcher leaves such
 * an order in the open batch until the batch closing now would land its commit no earlier than
 * `commitBy - COMMIT_MODE_SLACK_BLOCKS`: the commit keeps 3 blocks to land in (a full send-ahead window, one
 * missed bundle or a short reorg), and the sealed orders it shares a batch with wait only for reveals due
 * about when their own reveal delay ends.
 */
export const COMMIT_MODE_SLACK_BLOCKS = 2n;

/**
 * True when a commit-mode order with this `commitBy` should wait for a later batch (see
 * {@link COMMIT_MODE_SLACK_BLOCKS}): a batch frozen at the current head commits in the next block at the earliest.
 */
export function defersCommitMode(ctx: Pick<RelayContext, "head">, commitBy: bigint | null): boolean {
  return commitBy !== null && commitBy > ctx.head.block + 1n + COMMIT_MODE_SLACK_BLOCKS;
}

/** Blocks kept free at the end of a batch's life (its contract expiry) for settle attempts to land. */
export const SETTLE_SLACK_BLOCKS = 4n;

/**
 * Most blocks between the head and a `commitBy` that intake accepts: a commit-mode order's reveal window
 * ends `revealWindow` blocks after its `commitBy`, and the settle must still land before the batch's
 * contract expiry (`commitBlock + expiry`), with {@link SETTLE_SLACK_BLOCKS} to spare. The commit lands at
 * `head + 1` at the earliest, so a `commitBy` up to `head + expiry - revealWindow - slack` always fits.
 */
export function maxCommitLeadBlocks(ctx: Pick<RelayContext, "expiry" | "revealWindow">): bigint {
  return ctx.expiry - ctx.revealWindow - SETTLE_SLACK_BLOCKS;
}

/**
 * The smallest `commitBy` a new order may carry at the current head (`COMMIT_BY_TOO_SOON` below it).
 * @example if (commitBy < minCommitBy(ctx)) throw ...
 */
export function minCommitBy(ctx: Pick<RelayContext, "head">): bigint {
  return ctx.head.block + MIN_COMMIT_LEAD_BLOCKS;
}

/** The largest `commitBy` a new order may carry at the current head (`COMMIT_BY_TOO_LATE` above it). */
export function maxCommitBy(ctx: Pick<RelayContext, "head" | "expiry" | "revealWindow">): bigint {
  return ctx.head.block + maxCommitLeadBlocks(ctx);
}

/**
 * True when an order with this `commitBy` can still be placed in a batch that closes now and commits in the
 * next block: used before moving an order to a later batch (an expired batch, the over-100 overflow).
 */
export function canStillCommit(ctx: Pick<RelayContext, "head">, commitBy: bigint | null): boolean {
  return commitBy !== null && commitBy >= ctx.head.block + CLOSE_LEAD_BLOCKS;
}
