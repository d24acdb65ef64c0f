import type { Address, Hex } from "viem";
import { getAddress } from "viem";
import { getAmountOut } from "../../relay/solver/uniswapV2Math.js";
import { devnetAccount } from "../devnet/devnetAccounts.js";
import { allInCost } from "./allInCost.js";
import { optimalSandwich } from "./bot/optimalSandwich.js";
import { PoolReader } from "./bot/poolReader.js";
import { SWAP_GAS_ESTIMATE } from "./bot/searcherWallet.js";
import { type MeasuredRoute, measureRoute } from "./measureRoute.js";
import { createPrng } from "./prng.js";
import { checkRouteAvailability } from "./routeAvailability.js";
import type { PreparedTrade, RouteOutcome } from "./routes/preparedTrade.js";
import { runTransactionRoute } from "./routes/transactionRoutes.js";
import { runCommitRoute, runSealedRoute } from "./routes/veilOrderRoutes.js";
import {
  ROUTE_NAMES,
  type RouteName,
  type RouteResult,
  type Scenario,
  type ScenarioDevnet,
  type ScenarioEnv,
  type ScenarioRun,
  type TokenSymbol,
  type TradeResult,
  type VictimTrade,
} from "./scenario.js";
import { ScenarioRuntime } from "./scenarioRuntime.js";
import { type ScenarioReport, summarize } from "./summarize.js";

/** Pause before each block on the wallet-RPC route: the relay sends at once, and re-sends on new heads. */
const RPC_RESEND_WAIT_MS = 50;

/** Trader accounts victims are drawn from. */
export const TRADER_LABELS = ["trader1", "trader2", "trader3", "trader4"];

export type RunScenarioOptions = {
  seed: number;
  trades: number;
  log?: (message: string) => void;
  /** Longest wait for the relay before each block on its routes (see RelayPacer); default max(batch interval, 1 s). */
  relayWaitMs?: number;
};

/**
 * Runs a scenario on a fresh devnet: set-up (approvals), then every trade from one snapshot along each
 * route, reverting between routes so they all start from the same state.
 * @example const report = await runScenario(sandwich, devnet, { seed: 1, trades: 5 })
 */
export async function runScenario(
  scenario: Scenario,
  devnet: ScenarioDevnet,
  opts: RunScenarioOptions,
): Promise<ScenarioReport> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const prng = createPrng(opts.seed);
  const env: ScenarioEnv = {
    devnet,
    prng,
    log,
    account(label) {
      const a = devnetAccount(devnet, label);
      return { address: getAddress(a.address), privateKey: a.privateKey };
    },
  };
  const rt = new ScenarioRuntime(env, scenario.bots(env));
  await rt.setUp(TRADER_LABELS);
  const { unavailable, info } = await checkRouteAvailability(devnet);
  const relayWaitMs = opts.relayWaitMs ?? Math.max(info?.batchIntervalMs ?? 0, 1000);
  for (const [route, why] of Object.entries(unavailable)) if (why) log(`route ${route} unavailable: ${why}`);

  let run: ScenarioRun;
  if (scenario.run) run = await scenario.run({ env, runtime: rt, unavailable, relayWaitMs }, opts.trades);
  else {
    const routes = scenario.routes ?? ROUTE_NAMES;
    const trades: TradeResult[] = [];
    const pools = new PoolReader(rt.client, devnet.contracts.uniswapV2.factory);
    let snap: Hex = await devnet.snapshot();
    const routeMs: Partial<Record<RouteName, number>> = {};
    for (let index = 0; index < opts.trades; index++) {
      const victim = await scenario.nextTrade!({
        index,
        prng,
        env,
        reserves: async (sell, buy) => (await pools.reserves(rt.token(sell), rt.token(buy)))!,
        balanceOf: (label, symbol) => rt.balance(symbol, env.account(label).address),
      });
      const t = await prepareTrade(rt, pools, index, victim);
      const room = await sandwichRoomWei(rt, pools, t);
      const measured: MeasuredRoute[] = [];
      for (const route of routes) {
        const why = unavailable[route];
        if (why) {
          measured.push(unavailableRoute(route, why));
          continue;
        }
        const execute = (): Promise<RouteOutcome> => {
          const relayUrl = devnet.relayUrl!;
          switch (route) {
            case "baseline":
            case "public":
              return runTransactionRoute(rt, t, devnet.builderUrl);
            case "rpc":
              return runTransactionRoute(rt, t, `${relayUrl}/rpc`, RPC_RESEND_WAIT_MS);
            case "sealed":
              return runSealedRoute(rt, t, relayUrl, info!, relayWaitMs);
            case "commit":
              return runCommitRoute(rt, t, relayUrl, info!, relayWaitMs);
          }
        };
        const botLogStart = rt.botLog.length;
        const routeStart = Date.now();
        const m = await measureRoute(rt, t, route, scenario.settleBlocks ?? 0, execute);
        routeMs[route] = (routeMs[route] ?? 0) + Date.now() - routeStart;
        if (rt.botLog.length > botLogStart)
          m.note = [m.note, botSummary(rt, botLogStart)].filter(Boolean).join("; ");
        measured.push(m);
        snap = await rt.reset(snap);
      }
      const row = toTradeResult(t, measured, room);
      log(formatRow(row));
      trades.push(row);
    }
    log(`time per route (ms, all trades): ${JSON.stringify(routeMs)}`);
    run = { trades };
  }
  for (const bot of rt.bots) {
    const stats = bot.stats?.();
    if (stats) run.notes = [...(run.notes ?? []), `${bot.name} bot over the run: ${JSON.stringify(stats)}`];
    bot.stop?.();
  }
  return summarize({
    scenario: scenario.name,
    description: scenario.description,
    seed: opts.seed,
    chainId: devnet.chainId,
    durationMs: Date.now() - started,
    unavailable,
    run,
  });
}

function unavailableRoute(route: RouteName, why: string): MeasuredRoute {
  return {
    route,
    status: "unavailable",
    received: 0n,
    botProfitWei: 0n,
    gasPaidWei: 0n,
    blocksToInclusion: null,
    note: why,
  };
}

function botSummary(rt: ScenarioRuntime, from: number): string {
  return rt.botLog
    .slice(from)
    .filter((a) => a.kind !== "skip" || process.env.VEIL_SCENARIO_DEBUG || !a.reason?.startsWith("no room"))
    .map((a) => `${a.bot}:${a.kind}${a.reason ? `(${a.reason})` : ""}`)
    .join(",");
}

/** Resolves a victim trade at the current (starting) state: addresses, router quote, limit. */
export async function prepareTrade(
  rt: ScenarioRuntime,
  pools: PoolReader,
  index: number,
  v: VictimTrade,
): Promise<PreparedTrade> {
  const sellToken: Address = rt.token(v.sellSymbol);
  const buyToken: Address = rt.token(v.buySymbol);
  const r = await pools.reserves(sellToken, buyToken);
  if (!r) throw new Error(`no V2 pool for ${v.sellSymbol}/${v.buySymbol}`);
  const quote = getAmountOut(v.sellAmount, r.reserveIn, r.reserveOut);
  return {
    index,
    label: v.trader,
    trader: rt.env.account(v.trader),
    sellSymbol: v.sellSymbol as TokenSymbol,
    buySymbol: v.buySymbol as TokenSymbol,
    sellToken,
    buyToken,
    sellAmount: v.sellAmount,
    quote,
    reserveIn: r.reserveIn,
    reserveOut: r.reserveOut,
    minBuyAmount: (quote * BigInt(10_000 - v.slippageBps)) / 10_000n,
    slippageBps: v.slippageBps,
    prices: await rt.midPrices(),
  };
}

/**
 * How much an optimal sandwich of this trade would earn at the starting state, in WETH wei, after two
 * swaps' gas at the current base fee, with the searcher account's capital: the "room" the victim's
 * slippage tolerance leaves. Computed by the runner from chain state for the report (the bot computes its
 * own, from the pending pool).
 */
export async function sandwichRoomWei(
  rt: ScenarioRuntime,
  pools: PoolReader,
  t: PreparedTrade,
): Promise<bigint> {
  const r = await pools.reserves(t.sellToken, t.buyToken);
  if (!r) return 0n;
  const capital = await rt.balance(t.sellSymbol, rt.env.account("searcher").address);
  const plan = optimalSandwich(
    { reserves: r, victimAmountIn: t.sellAmount, victimMinOut: t.minBuyAmount },
    capital,
  );
  if (!plan) return 0n;
  const prices = await rt.midPrices();
  const gross = (plan.grossProfit * prices[t.sellSymbol]) / 10n ** 18n;
  const block = await rt.client.getBlock({ blockTag: "latest" });
  const net = gross - 2n * SWAP_GAS_ESTIMATE * (block.baseFeePerGas ?? 0n);
  return net > 0n ? net : 0n;
}

/**
 * Compares every route with the baseline of the same trade: loss, and the all-in cost (loss + signed fee +
 * trader gas, allInCost.ts) of every executed route.
 */
export function toTradeResult(t: PreparedTrade, measured: MeasuredRoute[], room = 0n): TradeResult {
  const baseline = measured.find((m) => m.route === "baseline");
  const base = baseline && baseline.status === "ok" ? baseline.received : null;
  const routes: RouteResult[] = measured.map((m) => {
    const comparable = base !== null && m.status === "ok";
    const loss = comparable ? base - m.received : 0n;
    const feePaid = m.status === "ok" ? (m.feePaid ?? 0n) : 0n;
    const cost = allInCost({
      sellSymbol: t.sellSymbol,
      buySymbol: t.buySymbol,
      loss,
      baselineReceived: base ?? 0n,
      feePaid,
      gasPaidWei: m.gasPaidWei,
      prices: t.prices,
    });
    return {
      route: m.route,
      status: m.status,
      received: m.received.toString(),
      loss: loss.toString(),
      lossBps: comparable && base > 0n ? Number((loss * 1_000_000n) / base) / 100 : 0,
      botProfitWei: m.botProfitWei.toString(),
      ...(m.botProfitsWei && Object.keys(m.botProfitsWei).length > 0
        ? {
            botProfitByBot: Object.fromEntries(
              Object.entries(m.botProfitsWei).map(([k, v]) => [k, v.toString()]),
            ),
          }
        : {}),
      gasPaidWei: m.gasPaidWei.toString(),
      feePaid: feePaid.toString(),
      feePaidWei: cost.feePaidWei.toString(),
      allInCostWei: comparable ? cost.allInCostWei.toString() : null,
      allInCostBps: comparable ? cost.allInCostBps : null,
      blocksToInclusion: m.blocksToInclusion,
      ...(m.note ? { note: m.note } : {}),
    };
  });
  return {
    index: t.index,
    trade: {
      trader: t.label,
      sell: t.sellSymbol,
      buy: t.buySymbol,
      sellAmount: t.sellAmount.toString(),
      minBuyAmount: t.minBuyAmount.toString(),
      slippageBps: t.slippageBps,
      reserveIn: t.reserveIn.toString(),
      reserveOut: t.reserveOut.toString(),
      sandwichRoomWei: room.toString(),
    },
    routes,
  };
}

function formatRow(row: TradeResult): string {
  const cells = row.routes.map((r) => `${r.route}=${r.status === "ok" ? `${r.lossBps}bps` : r.status}`);
  return `#${row.index} ${row.trade.sellAmount} ${row.trade.sell}->${row.trade.buy} slip ${row.trade.slippageBps}bps: ${cells.join(" ")}`;
}
