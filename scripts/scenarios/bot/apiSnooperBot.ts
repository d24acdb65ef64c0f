import type { Address, Hex } from "viem";
import { MempoolSearcher, type MempoolSearcherOptions } from "./mempoolSearcher.js";
import { optimalSandwich } from "./optimalSandwich.js";
import { RelaySnoop, type SnoopedOrder } from "./relaySnoop.js";
import type { BotAction } from "./searcherBot.js";
import { SWAP_GAS_ESTIMATE } from "./searcherWallet.js";
import { callBundle, sendBundle } from "./sendBundle.js";
import { valueInWeth } from "./valueInWeth.js";

/** Options of {@link ApiSnooperBot}. */
export type ApiSnooperBotOptions = MempoolSearcherOptions & {
  /** The Veil relay whose public surfaces it reads. */
  relayUrl: string;
  /** Signs X-Flashbots-Signature (reputation only, holds no funds). */
  authKey: Hex;
  /** Share of the expected profit (after gas) bid to the builder; default 50%. */
  builderShareBps?: bigint;
};

/** Blocks a front-run position is held at most before it is unwound, settled or not. */
const MAX_HOLD_BLOCKS = 40n;

type Position = {
  order: SnoopedOrder;
  tokenIn: Address;
  tokenOut: Address;
  frontIn: bigint;
  frontOut: bigint;
  frontRaw: Hex;
  frontHash: Hex;
  /** Block the front-run landed in (null while it is still being sent). */
  landedAt: bigint | null;
  back: { raw: Hex; hash: Hex } | null;
  done: boolean;
};

/**
 * The API snooper of THREATS.md as a searcher: it reads every public surface of the Veil relay
 * ({@link RelaySnoop}: REST, the unfiltered event stream, metrics, health, batches, every id it sees) and,
 * for any order whose content it learns while the order is still live, sandwiches it through the builder:
 * a front-run bundle sized like the mempool sandwich bot's (the victim's limit is its `amountOutMin`: the
 * largest front-run that still lets the order fill), held until the order is final, then a back-run
 * bundle. It never sees the public mempool; on a relay that keeps its disclosure policy it learns nothing
 * and does nothing, which is the point of the scenario.
 */
export class ApiSnooperBot extends MempoolSearcher {
  readonly name = "snooper";
  private readonly snoop: RelaySnoop;
  private readonly positions = new Map<string, Position>();
  private lastHead = 0n;

  constructor(private readonly opts: ApiSnooperBotOptions) {
    super(opts);
    this.snoop = new RelaySnoop(opts.relayUrl);
  }

  /** What it read and learned so far (for the scenario notes). */
  stats() {
    return { ...this.snoop.stats(), positions: this.positions.size };
  }

  stop(): void {
    this.snoop.stop();
  }

  async tick(): Promise<BotAction[]> {
    await this.snoop.sweep();
    const head = await this.client.getBlock({ blockTag: "latest" });
    if (head.number < this.lastHead) this.positions.clear(); // the chain went back: positions are gone
    this.lastHead = head.number;
    const actions: BotAction[] = [];
    for (const order of this.snoop.learned()) {
      if (this.positions.has(order.id) || order.state === "filled" || order.state === "unfilled") continue;
      actions.push(await this.frontRun(order, head));
    }
    for (const p of this.positions.values()) {
      if (!p.done) {
        const a = await this.advance(p, head);
        if (a) actions.push(a);
      }
    }
    return actions;
  }

  /** Opens a position against a learned order: the front-run bundle for the next block. */
  private async frontRun(
    order: SnoopedOrder,
    head: { number: bigint; baseFeePerGas: bigint | null; timestamp: bigint },
  ): Promise<BotAction> {
    const skip = (reason: string): BotAction => {
      this.positions.set(order.id, { done: true } as Position);
      return { bot: this.name, kind: "skip", victim: order.id, reason };
    };
    const reserves = await this.pools.reserves(order.sellToken, order.buyToken);
    if (!reserves) return skip("no pair");
    const plan = optimalSandwich(
      { reserves, victimAmountIn: order.sellAmount, victimMinOut: order.minBuyAmount },
      await this.wallet.balanceOf(order.sellToken),
    );
    if (!plan) return skip("no room under the order's limit");
    const profitWei = await valueInWeth(this.pools, this.opts.weth, order.sellToken, plan.grossProfit);
    const baseFee = head.baseFeePerGas ?? 0n;
    const surplus = (profitWei ?? 0n) - 2n * SWAP_GAS_ESTIMATE * baseFee;
    const bid = (surplus * (this.opts.builderShareBps ?? 5000n)) / 10_000n;
    if (surplus - bid <= 0n) return skip("unprofitable after gas");
    const fees = {
      maxFeePerGas: baseFee * 2n + bid / SWAP_GAS_ESTIMATE,
      maxPriorityFeePerGas: bid / SWAP_GAS_ESTIMATE,
    };
    const frontRaw = await this.wallet.signSwap({
      tokenIn: order.sellToken,
      tokenOut: order.buyToken,
      amountIn: plan.frontIn,
      minOut: plan.frontOut,
      deadline: head.timestamp + 600n,
      nonce: await this.wallet.nonce(),
      fees,
    });
    const target = head.number + 1n;
    const sim = await callBundle(this.opts.builderUrl, this.opts.authKey, [frontRaw], target);
    if (sim.some((r) => r.error !== undefined)) return skip(`simulation reverted: ${sim[0]?.error}`);
    await sendBundle(this.opts.builderUrl, this.opts.authKey, [frontRaw], target);
    this.positions.set(order.id, {
      order,
      tokenIn: order.sellToken,
      tokenOut: order.buyToken,
      frontIn: plan.frontIn,
      frontOut: plan.frontOut,
      frontRaw,
      frontHash: sim[0]!.txHash,
      landedAt: null,
      back: null,
      done: false,
    });
    return {
      bot: this.name,
      kind: "frontrun",
      victim: order.id,
      targetBlock: target.toString(),
      frontIn: plan.frontIn.toString(),
      expectedProfitWei: (surplus - bid).toString(),
      bidWei: bid.toString(),
    };
  }

  /** Re-sends the front-run until it lands; once the order is final (or too long), unwinds with a back-run. */
  private async advance(
    p: Position,
    head: { number: bigint; baseFeePerGas: bigint | null; timestamp: bigint },
  ): Promise<BotAction | null> {
    const target = head.number + 1n;
    if (p.landedAt === null) {
      const receipt = await this.client.getTransactionReceipt({ hash: p.frontHash }).catch(() => null);
      if (receipt) p.landedAt = receipt.blockNumber;
      else {
        const state = this.snoop.stateOf(p.order.id);
        if (state && state !== "pending" && state !== "committed" && state !== "revealed") {
          p.done = true; // the order settled before the front-run landed: nothing to sandwich
          return {
            bot: this.name,
            kind: "skip",
            victim: p.order.id,
            reason: "order final before the front-run",
          };
        }
        await sendBundle(this.opts.builderUrl, this.opts.authKey, [p.frontRaw], target).catch(
          () => undefined,
        );
        return null;
      }
    }
    if (p.back) {
      const receipt = await this.client.getTransactionReceipt({ hash: p.back.hash }).catch(() => null);
      if (receipt) {
        p.done = true;
        return null;
      }
      await sendBundle(this.opts.builderUrl, this.opts.authKey, [p.back.raw], target).catch(() => undefined);
      return null;
    }
    const state = this.snoop.stateOf(p.order.id);
    const final = state === "filled" || state === "unfilled" || state === "failed" || state === "cancelled";
    if (!final && head.number - p.landedAt! < MAX_HOLD_BLOCKS) return null;
    const baseFee = head.baseFeePerGas ?? 0n;
    const raw = await this.wallet.signSwap({
      tokenIn: p.tokenOut,
      tokenOut: p.tokenIn,
      amountIn: p.frontOut,
      minOut: 0n,
      deadline: head.timestamp + 600n,
      nonce: await this.wallet.nonce(),
      fees: { maxFeePerGas: baseFee * 2n + 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n },
    });
    const sim = await callBundle(this.opts.builderUrl, this.opts.authKey, [raw], target);
    p.back = { raw, hash: sim[0]!.txHash };
    await sendBundle(this.opts.builderUrl, this.opts.authKey, [raw], target);
    return { bot: this.name, kind: "backrun", victim: p.order.id, targetBlock: target.toString() };
  }
}
