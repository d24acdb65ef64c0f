import { TRADER_LABELS } from "../runScenario.js";
import type { TokenSymbol, TradeContext, VictimTrade } from "../scenario.js";

/** Shape of the random victim flow: sizes as a fraction of the pool's input reserve, slippage choices. */
export type VictimFlow = {
  minPoolFraction: number;
  maxPoolFraction: number;
  slippageBps: readonly number[];
};

/**
 * Retail-to-whale flow: 0.1%-4% of the pool, slippage from 0 (no room) to 5%. A V2 sandwich only pays when
 * the victim moves the price by more than the two 0.3% fees, so roughly the upper half of sizes is exposed.
 */
export const RETAIL_FLOW: VictimFlow = {
  minPoolFraction: 0.001,
  maxPoolFraction: 0.04,
  slippageBps: [0, 10, 30, 50, 100, 100, 200, 300, 500],
};

/**
 * Draws one victim swap on the WETH/USDC or WETH/DAI pool, either direction, log-uniform size, and a
 * slippage tolerance from the flow's list; capped at half the trader's balance. Consumes the PRNG the same
 * way every time, so a seed fixes the whole trade list.
 */
export async function randomVictimTrade(
  ctx: TradeContext,
  flow: VictimFlow = RETAIL_FLOW,
): Promise<VictimTrade> {
  const { prng } = ctx;
  const trader = prng.pick(TRADER_LABELS);
  const stable = prng.pick<TokenSymbol>(["USDC", "DAI"]);
  const sellWeth = prng.next() < 0.5;
  const fraction = prng.logUniform(flow.minPoolFraction, flow.maxPoolFraction);
  const slippageBps = prng.pick(flow.slippageBps);
  const sellSymbol: TokenSymbol = sellWeth ? "WETH" : stable;
  const buySymbol: TokenSymbol = sellWeth ? stable : "WETH";
  const { reserveIn } = await ctx.reserves(sellSymbol, buySymbol);
  let sellAmount = (reserveIn * BigInt(Math.round(fraction * 1e9))) / 1_000_000_000n;
  const cap = (await ctx.balanceOf(trader, sellSymbol)) / 2n;
  if (sellAmount > cap) sellAmount = cap;
  return { trader, sellSymbol, buySymbol, sellAmount, slippageBps };
}
