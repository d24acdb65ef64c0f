import { formatEther, type Hex } from "viem";
import { relayRequest } from "../../../client/relay/relayRequest.js";
import { type RelayInfo, relayInfoSchema } from "../../../client/relay/relaySchemas.js";
import { getAmountOut } from "../../../relay/solver/uniswapV2Math.js";
import { PoolReader } from "../bot/poolReader.js";
import { type MeasuredRoute, measureRoute } from "../measureRoute.js";
import { driveOrders } from "../routes/driveOrders.js";
import type { PreparedTrade, RouteOutcome } from "../routes/preparedTrade.js";
import { runTransactionRoute } from "../routes/transactionRoutes.js";
import {
  failed,
  outcomeOf,
  revealWhenCommitted,
  type SignedTradeOrder,
  signQuotedOrder,
  submitCommitment,
  submitSealed,
} from "../routes/veilOrderRoutes.js";
import { signVictimSwap } from "../routes/victimSwapTx.js";
import { prepareTrade, toTradeResult } from "../runScenario.js";
import type { CustomRunContext, RouteName, Scenario, ScenarioRun, TradeResult } from "../scenario.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";

const HONEST = "trader1";
const OPTION_HOLDER = "trader2";
const MOVER = "trader3";

type Round = { honest: PreparedTrade; option: PreparedTrade; move: PreparedTrade; moveUp: boolean };

/**
 * `commit-free-option`: each round, an honest trader (sells USDC for WETH) and an option holder (sells WETH
 * for USDC) go into the same batch; right after the batch is committed the WETH/USDC price moves (a public
 * swap by a third account, random direction and size). Sealed, both orders are binding. In commit mode the
 * option holder reveals only if the price moved for it (its order now buys more than when it committed),
 * otherwise it walks away. The report gives the honest trader's result per route against the baseline
 * (its swap alone right after the move), how often the option is exercised, and what it is worth.
 */
export const commitFreeOption: Scenario = {
  name: "commit-free-option",
  description:
    "commit-mode traders who reveal only when the price moved for them: how often, and what it costs the others in their batch",
  routes: ["baseline", "sealed", "commit"],
  bots: () => [],
  run: runFreeOption,
};

async function runFreeOption(ctx: CustomRunContext, count: number): Promise<ScenarioRun> {
  const { env, runtime: rt, unavailable, relayWaitMs } = ctx;
  const { devnet, prng } = env;
  const why = unavailable.sealed ?? unavailable.commit;
  if (why || !devnet.relayUrl) return { trades: [], notes: [`commit-free-option needs the relay: ${why}`] };
  const relayUrl = devnet.relayUrl;
  const info = await relayRequest(relayUrl, { path: "/v1/info", schema: relayInfoSchema });
  const pools = new PoolReader(rt.client, devnet.contracts.uniswapV2.factory);
  const trades: TradeResult[] = [];
  let exercised = 0;
  let walkedAway = 0;
  let refused = 0;
  // option holder's value (WETH + USDC at the post-move mid price), commit route minus sealed route, over the
  // rounds where it could choose: what the free option was worth to it
  let optionGainWei = 0n;
  let snap = await devnet.snapshot();
  for (let i = 0; i < count; i++) {
    const { reserveIn: wethReserve } = await pools
      .reserves(rt.token("WETH"), rt.token("USDC"))
      .then((r) => r!);
    const frac = (lo: number, hi: number) => BigInt(Math.round(prng.logUniform(lo, hi) * 1e9));
    const optionWeth = (wethReserve * frac(0.002, 0.01)) / 1_000_000_000n;
    const moveUp = prng.next() < 0.5;
    const moveFrac = frac(0.003, 0.03);
    const honestWeth = (wethReserve * frac(0.002, 0.01)) / 1_000_000_000n;
    const usdcPerWeth = (await rt.midPrices()).USDC; // wei of WETH per 1e18 USDC units
    const honestUsdc = (honestWeth * 10n ** 18n) / usdcPerWeth;
    const moveSymbol = moveUp ? "USDC" : "WETH";
    const moveReserve = (await pools.reserves(rt.token(moveSymbol), rt.token(moveUp ? "WETH" : "USDC")))!
      .reserveIn;
    const round: Round = {
      honest: await prepareTrade(rt, pools, i, {
        trader: HONEST,
        sellSymbol: "USDC",
        buySymbol: "WETH",
        sellAmount: honestUsdc,
        slippageBps: 500,
      }),
      option: await prepareTrade(rt, pools, i, {
        trader: OPTION_HOLDER,
        sellSymbol: "WETH",
        buySymbol: "USDC",
        sellAmount: optionWeth,
        slippageBps: 500,
      }),
      move: await prepareTrade(rt, pools, i, {
        trader: MOVER,
        sellSymbol: moveSymbol,
        buySymbol: moveUp ? "WETH" : "USDC",
        sellAmount: (moveReserve * moveFrac) / 1_000_000_000n,
        slippageBps: 10_000,
      }),
      moveUp,
    };
    const measured: MeasuredRoute[] = [];
    const optionValue: Partial<Record<RouteName, bigint>> = {};
    let decision = "";
    for (const route of ["baseline", "sealed", "commit"] as const) {
      const wethBefore = await rt.balance("WETH", round.option.trader.address);
      const usdcBefore = await rt.balance("USDC", round.option.trader.address);
      const m = await measureRoute(rt, round.honest, route, 0, async () => {
        if (route === "baseline") return baselineAfterMove(rt, round);
        const r = await batchRound(rt, relayUrl, info, relayWaitMs, round, route === "commit");
        if (route === "commit") decision = r.decision;
        return r.honest;
      });
      // value the change at this route's final (post-move) price
      const usdcPrice = (await rt.midPrices()).USDC;
      const a = round.option.trader.address;
      optionValue[route] =
        (await rt.balance("WETH", a)) -
        wethBefore +
        (((await rt.balance("USDC", a)) - usdcBefore) * usdcPrice) / 10n ** 18n;
      measured.push(m);
      snap = await rt.reset(snap);
    }
    if (decision.startsWith("revealed")) exercised++;
    else if (decision.startsWith("walked away")) walkedAway++;
    else if (decision.startsWith("refused")) refused++;
    if (decision.startsWith("revealed") || decision.startsWith("walked away")) {
      optionGainWei += (optionValue.commit ?? 0n) - (optionValue.sealed ?? 0n);
    }
    const row = toTradeResult(round.honest, measured);
    row.trade = {
      ...row.trade,
      market: moveUp ? "WETH up" : "WETH down",
      optionHolder: decision,
    } as TradeResult["trade"];
    env.log(
      `#${i} move ${moveUp ? "up" : "down"}, option ${decision}: ${row.routes.map((r) => `${r.route}=${r.status === "ok" ? `${r.lossBps}bps` : r.status}`).join(" ")}`,
    );
    trades.push(row);
  }
  const rounds = exercised + walkedAway;
  return {
    trades,
    notes: [
      `Rows are the honest trader (sells USDC for WETH) batched with an option holder (sells WETH for USDC, ${OPTION_HOLDER}).`,
      `Option exercised (revealed) in ${exercised} of ${rounds} rounds it could choose; walked away in ${walkedAway}; commitments refused by the relay's miss limit in ${refused}.`,
      `Option holder's gain from choosing, over those ${rounds} rounds (its WETH+USDC value at the post-move price, commit route minus sealed route): ${formatEther(optionGainWei)} ETH.`,
      "Negative losses on sealed/commit: batched with the opposite-side option holder, the honest trader gets a better price than alone (coincidence of wants); when the option holder walks away or is refused, that benefit is gone.",
    ],
    extra: {
      exercised,
      walkedAway,
      refusedByMissLimit: refused,
      optionHolderGainWei: optionGainWei.toString(),
    },
  };
}

/** Baseline: the market move lands, then the honest trader's swap alone in the next block. */
async function baselineAfterMove(rt: ScenarioRuntime, round: Round): Promise<RouteOutcome> {
  const move = await runTransactionRoute(rt, round.move, rt.devnet.builderUrl);
  if (move.status !== "ok") return { ...move, status: "error", note: `market move failed: ${move.note}` };
  return runTransactionRoute(rt, round.honest, rt.devnet.builderUrl);
}

/** Both orders in one batch (sealed or commit); the market move lands with the batch commit. */
async function batchRound(
  rt: ScenarioRuntime,
  relayUrl: string,
  info: RelayInfo,
  waitMs: number,
  round: Round,
  commitMode: boolean,
): Promise<{ honest: RouteOutcome; decision: string }> {
  let decision = "n/a";
  try {
    const h = await signQuotedOrder(rt, round.honest, relayUrl, info);
    const o = await signQuotedOrder(rt, round.option, relayUrl, info);
    // both orders go out together so they land in the same batch (it closes on a short interval)
    const ids: Hex[] = [];
    if (commitMode) {
      const [hid, oid] = await Promise.allSettled([
        submitCommitment(rt, relayUrl, round.honest, h),
        submitCommitment(rt, relayUrl, round.option, o),
      ]);
      if (hid.status === "rejected") throw hid.reason;
      ids.push(hid.value);
      if (oid.status === "fulfilled") ids.push(oid.value);
      else decision = `refused: ${(oid.reason as Error).message}`;
    } else {
      ids.push(...(await Promise.all([submitSealed(relayUrl, info, h), submitSealed(relayUrl, info, o)])));
    }
    const quoteAtCommit = await quote(rt, round.option);
    let moved = false;
    const done = new Set<number>();
    const signed: SignedTradeOrder[] = [h, o];
    const { statuses, blocks } = await driveOrders(rt, relayUrl, info, ids, waitMs, {
      async beforeStep() {
        if (moved) return;
        moved = true;
        await rt.client.sendRawTransaction({ serializedTransaction: await signMove(rt, round.move) });
      },
      async beforeDecide(ss) {
        if (!commitMode) return;
        for (let k = 0; k < ss.length; k++) {
          if (done.has(k) || ss[k].state !== "committed") continue;
          if (k === 1) {
            // the option: reveal only if the order now buys at least what it did when committed
            if ((await quote(rt, round.option)) < quoteAtCommit) {
              decision = "walked away";
              done.add(k);
              continue;
            }
            decision = "revealed";
          }
          if (await revealWhenCommitted(rt, relayUrl, ss[k], signed[k])) done.add(k);
        }
      },
    });
    const batches = new Set(statuses.map((x) => String(x.batchId)));
    if (batches.size > 1) decision = `${decision} (orders split across batches ${[...batches].join(",")})`;
    return { honest: outcomeOf(statuses[0], blocks, h.order.feeAmount), decision };
  } catch (err) {
    return { honest: failed(err), decision };
  }
}

async function quote(rt: ScenarioRuntime, t: PreparedTrade): Promise<bigint> {
  const r = await new PoolReader(rt.client, rt.devnet.contracts.uniswapV2.factory).reserves(
    t.sellToken,
    t.buyToken,
  );
  return r ? getAmountOut(t.sellAmount, r.reserveIn, r.reserveOut) : 0n;
}

function signMove(rt: ScenarioRuntime, t: PreparedTrade): Promise<Hex> {
  return signVictimSwap(rt, t);
}
