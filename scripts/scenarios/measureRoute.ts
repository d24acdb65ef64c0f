import type { Address } from "viem";
import type { PreparedTrade, RouteOutcome } from "./routes/preparedTrade.js";
import type { RouteName } from "./scenario.js";
import type { ScenarioRuntime } from "./scenarioRuntime.js";

/** A route's outcome plus what the balances say happened (bot profit in total and per bot name). */
export type MeasuredRoute = RouteOutcome & {
  route: RouteName;
  received: bigint;
  botProfitWei: bigint;
  botProfitsWei?: Record<string, bigint>;
};

/**
 * Runs one route for one trade and measures it by balances, not by what anyone reports: the trader's
 * buy-token balance and every bot's holdings (ETH, WETH, other tokens valued at the starting mid prices)
 * before and after. Bots are active on every route but the baseline.
 */
export async function measureRoute(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  route: RouteName,
  settleBlocks: number,
  execute: () => Promise<RouteOutcome>,
): Promise<MeasuredRoute> {
  const prices = await rt.midPrices();
  const botValue = async (addr: Address) => {
    const h = await rt.holdings(addr);
    return h.ETH + h.WETH + (h.USDC * prices.USDC) / 10n ** 18n + (h.DAI * prices.DAI) / 10n ** 18n;
  };
  const botsBefore = await Promise.all(rt.bots.map((b) => botValue(b.address)));
  const receivedBefore = await rt.balance(t.buySymbol, t.trader.address);
  rt.botsActive = route !== "baseline";
  let outcome: RouteOutcome;
  try {
    outcome = await execute();
    for (let i = 0; i < settleBlocks; i++) await rt.step();
  } finally {
    rt.botsActive = false;
  }
  const received = (await rt.balance(t.buySymbol, t.trader.address)) - receivedBefore;
  const botsAfter = await Promise.all(rt.bots.map((b) => botValue(b.address)));
  const botProfitWei = botsAfter.reduce((sum, v, i) => sum + v - botsBefore[i], 0n);
  const botProfitsWei: Record<string, bigint> = {};
  rt.bots.forEach((b, i) => {
    botProfitsWei[b.name] = (botProfitsWei[b.name] ?? 0n) + botsAfter[i] - botsBefore[i];
  });
  return { ...outcome, route, received, botProfitWei, botProfitsWei };
}
