import type { Hex } from "viem";
import { PRIORITY_FEE_WEI } from "../chain/operatorSigner.js";
import type { RelayContext } from "../relayContext.js";
import { feeQuoterOf } from "./feeQuoter.js";

/** Each missed block raises the settle's priority fee by this much (25%), compounding. */
export const BID_RAISE_BPS = 2_500n;

/**
 * The priority fee (wei per gas) a settle bids after `missedBlocks` blocks in which its bundle did not land
 * (issue 17). It starts at the relay's standing bid ({@link PRIORITY_FEE_WEI}, which every quoted fee already
 * pays for) and rises 25% per missed block, so a builder that skipped the bundle for a better-paying one
 * sees a higher one next block. Raises are paid from the batch's fee revenue and never take the bid above
 * it: at most `revenueWei / gasLimit` per gas (the gas limit bounds the gas used, so the settle never costs
 * more in priority fees than its orders paid). A batch without revenue keeps the standing bid.
 * @example settleBid({ missedBlocks: 2, revenueWei: 10n ** 15n, gasLimit: 560_000n }) // 1.5625 gwei
 */
export function settleBid(p: { missedBlocks: number; revenueWei: bigint; gasLimit: bigint }): bigint {
  let bid = PRIORITY_FEE_WEI;
  for (let i = 0; i < Math.min(Math.max(0, p.missedBlocks), 64); i++)
    bid = (bid * (10_000n + BID_RAISE_BPS)) / 10_000n;
  const cap = p.gasLimit > 0n ? p.revenueWei / p.gasLimit : 0n;
  if (bid > cap) bid = cap > PRIORITY_FEE_WEI ? cap : PRIORITY_FEE_WEI;
  return bid;
}

/**
 * {@link settleBid} for batch `batchId`'s settle of `tradeIds` at `head`: its missed blocks are its earlier
 * settle attempts that targeted a block up to `head` (the batch is still unsettled, so none landed), its
 * revenue the signed fees of the orders it executes, valued in wei at spot.
 */
export async function settleBidFor(
  ctx: RelayContext,
  batchId: number,
  plan: { tradeIds: readonly Hex[]; gas: bigint },
  head: bigint,
): Promise<bigint> {
  const missed = new Set(
    (await ctx.store.attempts(batchId, "settle"))
      .filter((a) => a.targetBlock <= head)
      .map((a) => a.targetBlock),
  ).size;
  if (missed === 0) return PRIORITY_FEE_WEI;
  const orders = [];
  for (const id of plan.tradeIds) orders.push((await ctx.store.getOrder(id))?.order);
  const revenueWei = await feeQuoterOf(ctx).feesValueWei(orders);
  const bid = settleBid({ missedBlocks: missed, revenueWei, gasLimit: plan.gas });
  if (bid > PRIORITY_FEE_WEI)
    ctx.logger.info({ batchId, missed, revenueWei: `${revenueWei}`, bid: `${bid}` }, "settle bid raised");
  return bid;
}
