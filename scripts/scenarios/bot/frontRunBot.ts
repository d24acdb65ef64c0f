import type { Address, Hex } from "viem";
import { MempoolSearcher, type MempoolSearcherOptions } from "./mempoolSearcher.js";
import { pendingRouterSwaps } from "./pendingSwaps.js";
import type { BotAction } from "./searcherBot.js";
import { SWAP_GAS_ESTIMATE } from "./searcherWallet.js";

/** Options of {@link FrontRunBot}. */
export type FrontRunBotOptions = MempoolSearcherOptions & {
  /** How much more priority fee per gas than the victim the bot pays to get in front; default 1 gwei. */
  outbidWei?: bigint;
  /** Sell back anyway after this many blocks if the victim never lands; default 3. */
  maxHoldBlocks?: bigint;
};

type Position = {
  victim: Hex;
  frontHash: Hex;
  tokenIn: Address;
  tokenOut: Address;
  amount: bigint;
  openedAt: bigint;
};

/**
 * A plain (priority-gas-auction) front-runner: copies a pending swap's direction in the public mempool with
 * a higher priority fee, sized like a sandwich so the victim's own limit still lets it execute, then sells
 * back in a later block once the victim has pushed the price. No bundle, no atomicity: it risks its capital.
 */
export class FrontRunBot extends MempoolSearcher {
  readonly name = "frontrun";
  private readonly seen = new Set<Hex>();
  private positions: Position[] = [];
  private lastHead = 0n;

  constructor(private readonly opts: FrontRunBotOptions) {
    super(opts);
  }

  async tick(): Promise<BotAction[]> {
    const head = await this.client.getBlock({ blockTag: "latest" });
    if (head.number < this.lastHead) {
      this.seen.clear();
      this.positions = [];
    }
    this.lastHead = head.number;
    const actions = await this.closePositions(head.number, head.timestamp);
    const pending = await pendingRouterSwaps(this.client, this.wallet.router);
    for (const p of pending) {
      if (p.from === this.address || this.seen.has(p.hash)) continue;
      this.seen.add(p.hash);
      const skip = (reason: string) => actions.push({ bot: this.name, kind: "skip", victim: p.hash, reason });
      const found = await this.opportunity(p);
      if ("skip" in found) {
        skip(found.skip);
        continue;
      }
      const { tokenIn, tokenOut, plan, profitWei } = found;
      const tip = p.maxPriorityFeePerGas + (this.opts.outbidWei ?? 10n ** 9n);
      const baseFee = head.baseFeePerGas ?? 0n;
      const expected = profitWei - 2n * SWAP_GAS_ESTIMATE * (baseFee + tip);
      if (expected <= 0n) {
        skip("unprofitable after gas");
        continue;
      }
      const maxFeePerGas = [baseFee * 2n + tip, p.maxFeePerGas + tip].reduce((a, b) => (a > b ? a : b));
      const raw = await this.wallet.signSwap({
        tokenIn,
        tokenOut,
        amountIn: plan.frontIn,
        minOut: plan.frontOut,
        deadline: head.timestamp + 600n,
        nonce: await this.wallet.nonce(),
        fees: { maxFeePerGas, maxPriorityFeePerGas: tip },
      });
      const frontHash = await this.client.sendRawTransaction({ serializedTransaction: raw });
      this.positions.push({
        victim: p.hash,
        frontHash,
        tokenIn,
        tokenOut,
        amount: plan.frontOut,
        openedAt: head.number,
      });
      actions.push({
        bot: this.name,
        kind: "frontrun",
        victim: p.hash,
        frontIn: plan.frontIn.toString(),
        expectedProfitWei: expected.toString(),
      });
    }
    return actions;
  }

  /** Sells back every position whose front-run landed once its victim has landed too (or waited too long). */
  private async closePositions(head: bigint, timestamp: bigint): Promise<BotAction[]> {
    const actions: BotAction[] = [];
    const open: Position[] = [];
    for (const pos of this.positions) {
      const front = await this.client.getTransactionReceipt({ hash: pos.frontHash }).catch(() => null);
      if (!front) {
        open.push(pos);
        continue;
      }
      if (front.status !== "success") continue; // front-run reverted: nothing to sell
      const victim = await this.client.getTransactionReceipt({ hash: pos.victim }).catch(() => null);
      if (!victim && head - pos.openedAt < (this.opts.maxHoldBlocks ?? 3n)) {
        open.push(pos);
        continue;
      }
      const raw = await this.wallet.signSwap({
        tokenIn: pos.tokenOut,
        tokenOut: pos.tokenIn,
        amountIn: pos.amount,
        minOut: 0n,
        deadline: timestamp + 600n,
        nonce: await this.wallet.nonce(),
        fees: await this.wallet.fees(10n ** 9n),
      });
      await this.client.sendRawTransaction({ serializedTransaction: raw });
      actions.push({ bot: this.name, kind: "backrun", victim: pos.victim });
    }
    this.positions = open;
    return actions;
  }
}
