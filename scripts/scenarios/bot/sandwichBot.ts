import type { Hex } from "viem";
import { MempoolSearcher, type MempoolSearcherOptions } from "./mempoolSearcher.js";
import { pendingRouterSwaps } from "./pendingSwaps.js";
import type { BotAction } from "./searcherBot.js";
import { SWAP_GAS_ESTIMATE } from "./searcherWallet.js";
import { callBundle, sendBundle } from "./sendBundle.js";

/** Options of {@link SandwichBot}. */
export type SandwichBotOptions = MempoolSearcherOptions & {
  /** Signs X-Flashbots-Signature (reputation only, holds no funds). */
  authKey: Hex;
  /** Share of the expected profit (after base-fee gas) bid to the builder as priority fee; default 50%. */
  builderShareBps?: bigint;
  /** Minimum expected profit in wei after gas and bid; default 0. */
  minProfitWei?: bigint;
  /** Simulate with eth_callBundle before sending; default true. */
  simulate?: boolean;
};

/**
 * A sandwich searcher: for each pending exact-input single-pool Router02 swap it computes the
 * profit-maximizing front-run (exact V2 math, bounded by the victim's amountOutMin and the bot's capital),
 * and sends [front-run, victim, back-run] as a Flashbots bundle for the next block, paying the builder a
 * priority fee out of the expected profit so it competes on what it pays.
 */
export class SandwichBot extends MempoolSearcher {
  readonly name = "sandwich";
  private readonly handled = new Set<string>();
  private lastHead = 0n;

  constructor(private readonly opts: SandwichBotOptions) {
    super(opts);
  }

  async tick(): Promise<BotAction[]> {
    const head = await this.client.getBlock({ blockTag: "latest" });
    if (head.number < this.lastHead) this.handled.clear(); // the chain went back (reorg/revert): forget
    this.lastHead = head.number;
    const target = head.number + 1n;
    const actions: BotAction[] = [];
    for (const p of await pendingRouterSwaps(this.client, this.wallet.router)) {
      if (p.from === this.address) continue;
      const key = `${p.hash}@${target}`;
      if (this.handled.has(key)) continue;
      this.handled.add(key);
      const skip = (reason: string) => actions.push({ bot: this.name, kind: "skip", victim: p.hash, reason });
      const found = await this.opportunity(p);
      if ("skip" in found) {
        skip(found.skip);
        continue;
      }
      const { tokenIn, tokenOut, plan, profitWei } = found;
      const baseFee = head.baseFeePerGas ?? 0n;
      const gasWei = 2n * SWAP_GAS_ESTIMATE * baseFee;
      const surplus = profitWei - gasWei;
      const bid = (surplus * (this.opts.builderShareBps ?? 5000n)) / 10_000n;
      if (surplus - bid <= (this.opts.minProfitWei ?? 0n)) {
        skip("unprofitable after gas");
        continue;
      }
      const fees = {
        maxFeePerGas: baseFee * 2n + bid / (2n * SWAP_GAS_ESTIMATE),
        maxPriorityFeePerGas: bid / (2n * SWAP_GAS_ESTIMATE),
      };
      const nonce = await this.wallet.nonce();
      const deadline = head.timestamp + 600n;
      const front = await this.wallet.signSwap({
        tokenIn,
        tokenOut,
        amountIn: plan.frontIn,
        minOut: plan.frontOut,
        deadline,
        nonce,
        fees,
      });
      const back = await this.wallet.signSwap({
        tokenIn: tokenOut,
        tokenOut: tokenIn,
        amountIn: plan.frontOut,
        minOut: plan.frontIn,
        deadline,
        nonce: nonce + 1,
        fees,
      });
      const victimRaw = (await this.client.request({
        method: "eth_getRawTransactionByHash",
        params: [p.hash],
      } as never)) as Hex | null;
      if (!victimRaw) {
        skip("victim left the pool");
        continue;
      }
      const txs = [front, victimRaw, back];
      if (this.opts.simulate ?? true) {
        const results = await callBundle(this.opts.builderUrl, this.opts.authKey, txs, target);
        const failed = results.find((r) => r.error !== undefined);
        if (failed) {
          skip(`simulation reverted: ${failed.error}`);
          continue;
        }
      }
      await sendBundle(this.opts.builderUrl, this.opts.authKey, txs, target);
      actions.push({
        bot: this.name,
        kind: "bundle",
        victim: p.hash,
        targetBlock: target.toString(),
        frontIn: plan.frontIn.toString(),
        expectedProfitWei: (surplus - bid).toString(),
        bidWei: bid.toString(),
      });
    }
    return actions;
  }
}
