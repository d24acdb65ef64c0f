import { type Address, encodeFunctionData, formatEther, type Hex, parseAbi, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { verifyMerkleProof } from "../../../client/merkle/merkleTree.js";
import { revealDecision } from "../../../client/order/revealRule.js";
import { relayRequest } from "../../../client/relay/relayRequest.js";
import { type RelayInfo, relayInfoSchema } from "../../../client/relay/relaySchemas.js";
import { getAmountOut } from "../../../relay/solver/uniswapV2Math.js";
import { maxFrontRun } from "../bot/optimalSandwich.js";
import { PoolReader } from "../bot/poolReader.js";
import { sendBundle } from "../bot/sendBundle.js";
import { routerSwapAbi } from "../bot/uniswapAbis.js";
import { type MeasuredRoute, measureRoute } from "../measureRoute.js";
import {
  type BundleOutcome,
  describeRevert,
  type KnownOrder,
  RogueOperator,
  type SettleCall,
  tradeOf,
} from "../rogue/rogueOperator.js";
import { driveOrders } from "../routes/driveOrders.js";
import type { PreparedTrade, RouteOutcome } from "../routes/preparedTrade.js";
import { runTransactionRoute } from "../routes/transactionRoutes.js";
import { signQuotedOrder, signTradeOrder, submitSealed } from "../routes/veilOrderRoutes.js";
import { signVictimSwap } from "../routes/victimSwapTx.js";
import { prepareTrade, toTradeResult } from "../runScenario.js";
import type { CustomRunContext, Scenario, ScenarioRun, TradeResult } from "../scenario.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import { randomVictimTrade } from "./victimTrades.js";

const batchesAbi = parseAbi([
  "function batches(uint256) view returns (bytes32 root, uint32 leafCount, uint64 commitBlock, bool settled, address operator)",
  "function revealDelay() view returns (uint64)",
]);

/** Blocks ahead of the head for the victims' commitBy when the relay's /v1/info is not reachable. */
const FALLBACK_COMMIT_LEAD = 6n;

/** What the rogue operator tried against one order, and the revert each attempt got. */
type Attempt = { attack: "F1" | "F2"; what: string; included: boolean; revert: string };

/**
 * `rogue-operator`: the relay's operator key is in the attacker's hands (audit findings F1 and F2). The
 * scenario drives the operator itself, with that key (no relay flag: a compromised relay), against real
 * orders signed by the victims' client code:
 * - sealed (the operator sees the order at intake): it commits the order's batch, then tries F2: in one
 *   bundle, its own swap on the pool first (the largest front-run the victim's limit allows, or a bare
 *   `sync()` when there is no room), the settle at the worse price, its swap back;
 * - commit (the operator sees only the leaf): it commits the batch; the victim's client proves its leaf in
 *   the on-chain root and reveals only once the head is past its commitBy; then the operator tries F2 on
 *   that batch, and F1: it holds the order back, writes a counter-order of its own at the victim's limit,
 *   commits a new batch with both and settles it.
 * Every attempt goes to the builder as a bundle after `eth_callBundle`; the revert it gets is in the notes.
 * When all fail, the operator settles the order honestly (so the row shows the victim's result). The
 * attacker's gain (its trading account's balances, `botProfitWei`) is what the attacks took.
 */
export const rogueOperator: Scenario = {
  name: "rogue-operator",
  description:
    "a relay whose operator key the attacker holds: skip-and-recommit (F1) and same-block pool trades (F2) against real orders",
  routes: ["baseline", "sealed", "commit"],
  bots: (env) => [new RogueOperator(env)],
  run: runRogueOperator,
};

async function runRogueOperator(ctx: CustomRunContext, count: number): Promise<ScenarioRun> {
  const { env, runtime: rt } = ctx;
  const { devnet, prng } = env;
  const rogue = rt.bots[0] as RogueOperator;
  const info = devnet.relayUrl
    ? await relayRequest(devnet.relayUrl, { path: "/v1/info", schema: relayInfoSchema }).catch(() => null)
    : null;
  const revealDelay = await rt.client.readContract({
    address: devnet.contracts.settlement,
    abi: batchesAbi,
    functionName: "revealDelay",
  });
  const pools = new PoolReader(rt.client, devnet.contracts.uniswapV2.factory);
  const trades: TradeResult[] = [];
  const tally = new Map<string, number>();
  const count1 = (k: string) => tally.set(k, (tally.get(k) ?? 0) + 1);
  let snap: Hex = await devnet.snapshot();
  for (let index = 0; index < count; index++) {
    const victim = await randomVictimTrade({
      index,
      prng,
      env,
      reserves: async (sell, buy) => (await pools.reserves(rt.token(sell), rt.token(buy)))!,
      balanceOf: (label, symbol) => rt.balance(symbol, env.account(label).address),
    });
    const t = await prepareTrade(rt, pools, index, victim);
    const measured: MeasuredRoute[] = [];
    const attempts: Record<string, Attempt[]> = {};
    for (const route of ["baseline", "sealed", "commit"] as const) {
      const m = await measureRoute(rt, t, route, 0, async () => {
        if (route === "baseline") return runTransactionRoute(rt, t, devnet.builderUrl);
        const tried: Attempt[] = [];
        attempts[route] = tried;
        try {
          const run = route === "sealed" ? sealedRound : commitRound;
          return await run({ rt, rogue, t, info, revealDelay: BigInt(revealDelay), pools, tried });
        } catch (err) {
          return { status: "error", gasPaidWei: 0n, blocksToInclusion: null, note: (err as Error).message };
        }
      });
      const tried = attempts[route] ?? [];
      if (tried.length > 0) m.note = [m.note, ...tried.map(describeAttempt)].filter(Boolean).join("; ");
      for (const a of tried) count1(`${route} ${a.attack} ${a.included ? "LANDED" : a.revert.split("(")[0]}`);
      measured.push(m);
      snap = await rt.reset(snap);
    }
    const row = toTradeResult(t, measured);
    env.log(
      `#${index} ${t.sellSymbol}->${t.buySymbol} slip ${t.slippageBps}bps: ${row.routes
        .map((r) => `${r.route}=${r.status === "ok" ? `${r.lossBps}bps` : r.status} gain ${r.botProfitWei}`)
        .join(" ")}`,
    );
    trades.push(row);
  }
  const landed = [...tally.entries()].filter(([k]) => k.endsWith("LANDED"));
  const relayUrl = devnet.relayUrl;
  const placement =
    relayUrl && info ? await measurePlacement(ctx, relayUrl, info, pools, PLACEMENT_ORDERS, false) : null;
  const contested =
    relayUrl && info ? await measurePlacement(ctx, relayUrl, info, pools, PLACEMENT_ORDERS, true) : null;
  return {
    trades,
    notes: [
      "The attacker holds the relay's operator key (commits and settles with it) and trades from its own account; botProfitWei is that account's balance change (tokens at the starting mid prices, ETH gas included).",
      "Fees: the victims' sealed and commit orders go to the rogue operator, which quotes none, so they sign no fee (fee 0 in the table); the placement orders below go through the honest relay with its quoted fee.",
      "sealed: F2 = [attacker's swap on the pool (largest front-run the victim's limit allows, or sync() without room), settle at the worse price, swap back] in one bundle.",
      "commit: the victim reveals only after its commitBy, with its leaf proven in the on-chain root; then F2 as above on its batch, and F1 = hold the revealed order back, commit a new batch with it and a counter-order written after seeing it (at the victim's exact limit), settle that batch.",
      `Attempts and the revert each got (count): ${[...tally.entries()].map(([k, n]) => `${k}: ${n}`).join("; ")}.`,
      landed.length === 0
        ? "No attack bundle was included: a bundle whose settle reverts lands nothing, so the attacker paid no gas for them; after they failed it settled each order honestly."
        : `ATTACKS LANDED: ${landed.map(([k, n]) => `${k} x${n}`).join("; ")}.`,
      `Gas the operator key paid for the commits and honest settles that landed: ${formatEther(rogue.operatorGasWei)} ETH (an honest relay pays the same).`,
      placement
        ? `F2 placement of the honest relay: ${placement.orders} sealed orders through the real relay while another account swaps on the same pool in every block (a public tx each block): ${placement.settled} batches settled, ${placement.filled} orders filled; blocks a settle lost to the same-block pool guard: ${placement.poolTouched} (another tx touched its pool first), ${placement.ownSettle} (two of its own settles on one pool). The builder puts bundles before public txs, so the relay's settle is the first to touch its pool.`
        : "F2 placement of the honest relay: not measured (no relay).",
      contested
        ? `F2 placement against a competing searcher: ${contested.orders} more sealed orders while another account sends, in every other block, a bundle paying more than the relay's (${COMPETITOR_TIP_GWEI} gwei/gas) that swaps on the same pool: ${contested.settled} batches settled, ${contested.filled} orders filled; blocks a settle lost to the same-block pool guard: ${contested.poolTouched} (counted by the relay), ${contested.ownSettle} to its own settles. A settle loses every block in which a better-paying bundle touches its pool first; one that did so in every block would hold the batch back until it expires.`
        : "F2 placement against a competing searcher: not measured (no relay).",
      "Not attempted: a sealed order is plaintext to the relay at intake, so an operator could fill it at its limit against itself in a batch committed by its commitBy; sealed mode trusts the relay with that, as a private RPC is trusted. Commit mode does not.",
    ],
    extra: {
      attempts: Object.fromEntries(tally),
      operatorGasWei: rogue.operatorGasWei.toString(),
      ...(placement ? { f2Placement: placement } : {}),
      ...(contested ? { f2PlacementContested: contested } : {}),
    },
  };
}

type Round = {
  rt: ScenarioRuntime;
  rogue: RogueOperator;
  t: PreparedTrade;
  info: RelayInfo | null;
  revealDelay: bigint;
  pools: PoolReader;
  tried: Attempt[];
};

function describeAttempt(a: Attempt): string {
  return `${a.attack} (${a.what}): ${a.included ? "LANDED" : `refused, ${a.revert}; bundle not included`}`;
}

/** The victim's signed order with the client's default commitBy for this relay. */
async function victimOrder(r: Round): Promise<KnownOrder> {
  const head = await r.rt.client.getBlockNumber();
  const commitBy = r.info ? undefined : head + FALLBACK_COMMIT_LEAD;
  return signTradeOrder(r.rt, r.t, (r.info ?? {}) as RelayInfo, commitBy);
}

/** Builds blocks until a settle of a batch committed at `commitBlock` may land in the next one. */
async function untilSettleable(r: Round, commitBlock: bigint): Promise<void> {
  while ((await r.rt.client.getBlockNumber()) + 1n < commitBlock + r.revealDelay) await r.rt.step();
}

/** The fair one-order settle: the victim's whole sell amount through the pool at its exact quote. */
async function fairSettle(r: Round, batchId: bigint, k: KnownOrder): Promise<SettleCall> {
  const { t } = r;
  const res = (await r.pools.reserves(t.sellToken, t.buyToken))!;
  const out = getAmountOut(t.sellAmount, res.reserveIn, res.reserveOut);
  const tokens = [t.sellToken, t.buyToken];
  return {
    batchId,
    leaves: [zeroHash],
    tokens,
    prices: [out, t.sellAmount],
    trades: [tradeOf(k, 0, tokens)],
    swaps: [{ pair: res.pair, tokenIn: t.sellToken, amountIn: t.sellAmount, minAmountOut: out }],
  };
}

/**
 * F2: the attacker's pool trade first, then the settle at the price it left, then its trade back, all in one
 * bundle (what the audit's proof of concept did). Without room under the victim's limit, a bare `sync()`
 * on the pair stands in for the trade (same-block touch, no price move).
 */
async function tryF2(r: Round, batchId: bigint, k: KnownOrder): Promise<BundleOutcome> {
  const { rt, rogue, t } = r;
  const res = (await r.pools.reserves(t.sellToken, t.buyToken))!;
  const capital = await rt.balance(t.sellSymbol, rogue.address);
  const x = maxFrontRun(
    { reserves: res, victimAmountIn: t.sellAmount, victimMinOut: t.minBuyAmount },
    capital / 2n,
  );
  let n = await rogue.traderNonce(rt);
  const tokens = [t.sellToken, t.buyToken];
  const txs: Hex[] = [];
  let victimOut: bigint;
  let what: string;
  let back: Hex | null = null;
  if (x > 0n) {
    const frontOut = getAmountOut(x, res.reserveIn, res.reserveOut);
    victimOut = getAmountOut(t.sellAmount, res.reserveIn + x, res.reserveOut - frontOut);
    txs.push(await rogue.signSwap(rt, t.sellToken, t.buyToken, x, n++));
    back = await rogue.signSwap(rt, t.buyToken, t.sellToken, frontOut, n++);
    what = `front-run ${x} ${t.sellSymbol}, settle at ${victimOut} (fair ${getAmountOut(t.sellAmount, res.reserveIn, res.reserveOut)}), back-run`;
  } else {
    victimOut = getAmountOut(t.sellAmount, res.reserveIn, res.reserveOut);
    txs.push(await rogue.signSync(rt, res.pair, n++));
    what = "no room under the limit: sync() the pair, then settle";
  }
  const call: SettleCall = {
    batchId,
    leaves: [zeroHash],
    tokens,
    prices: [victimOut, t.sellAmount],
    trades: [tradeOf(k, 0, tokens)],
    swaps: [{ pair: res.pair, tokenIn: t.sellToken, amountIn: t.sellAmount, minAmountOut: victimOut }],
  };
  txs.push(await rogue.signSettle(rt, call));
  if (back) txs.push(back);
  const out = await rogue.bundle(rt, txs, 1);
  r.tried.push({ attack: "F2", what, included: out.included, revert: describeRevert(out.revert) });
  return out;
}

/** After the attacks failed, the operator settles the order honestly; the outcome the row reports. */
async function settleHonestly(
  r: Round,
  batchId: bigint,
  k: KnownOrder,
  start: bigint,
): Promise<RouteOutcome> {
  const out = await r.rogue.bundle(
    r.rt,
    [await r.rogue.signSettle(r.rt, await fairSettle(r, batchId, k))],
    0,
  );
  if (!out.included)
    return {
      status: "unfilled",
      gasPaidWei: 0n,
      blocksToInclusion: null,
      note: `honest settle failed: ${describeRevert(out.revert)}`,
    };
  return { status: "ok", gasPaidWei: 0n, blocksToInclusion: Number(out.blockNumber! - start) };
}

/** Sealed: the operator knows the order at once; it commits the batch, then tries F2. */
async function sealedRound(r: Round): Promise<RouteOutcome> {
  const start = await r.rt.client.getBlockNumber();
  const k = await victimOrder(r);
  const { batchId, commitBlock } = await r.rogue.commit(r.rt, [k.leaf]);
  await untilSettleable(r, commitBlock);
  await tryF2(r, batchId, k);
  return settleHonestly(r, batchId, k, start);
}

/**
 * Commit mode: the operator commits the leaf; the victim reveals by the client's rule (proof against the
 * on-chain root, head past commitBy); then F2 on the batch, and F1 (hold back, re-commit beside a
 * counter-order, settle).
 */
async function commitRound(r: Round): Promise<RouteOutcome> {
  const { rt, rogue } = r;
  const start = await rt.client.getBlockNumber();
  const k = await victimOrder(r); // the operator gets only k.leaf and k.order.commitBy
  const { batchId, commitBlock } = await rogue.commit(rt, [k.leaf]);
  // the victim's client: prove the leaf against the root read on chain, wait until the head is past commitBy
  for (;;) {
    const [root, , onChainCommitBlock] = await rt.client.readContract({
      address: rt.devnet.contracts.settlement,
      abi: batchesAbi,
      functionName: "batches",
      args: [batchId],
    });
    const proven = verifyMerkleProof(k.leaf, [], root) ? { commitBlock: onChainCommitBlock } : null;
    const head = await rt.client.getBlockNumber();
    const d = revealDecision({ commitBy: k.order.commitBy, head, inclusion: proven });
    if (d.reveal) break;
    if (!d.wait) throw new Error(`the victim does not reveal: ${d.reason}`);
    await rt.step();
  }
  // revealed: from here on the operator knows the order
  await untilSettleable(r, commitBlock);
  await tryF2(r, batchId, k);
  await tryF1(r, k);
  return settleHonestly(r, batchId, k, start);
}

/** F1: hold the revealed order back, commit a new batch with it and a counter-order at its limit, settle. */
async function tryF1(r: Round, k: KnownOrder): Promise<void> {
  const { rt, rogue, t } = r;
  const counter = await rogue.counterOrder(rt, k.order);
  const n = await rogue.commit(rt, [k.leaf, counter.leaf]);
  await untilSettleable(r, n.commitBlock);
  const tokens: Address[] = [t.sellToken, t.buyToken];
  const call: SettleCall = {
    batchId: n.batchId,
    leaves: [zeroHash, zeroHash],
    tokens,
    // the victim gets exactly its limit: minBuyAmount for its sellAmount, from the counter-order
    prices: [t.minBuyAmount, t.sellAmount],
    trades: [tradeOf(k, 0, tokens), tradeOf(counter, 1, tokens)],
    swaps: [],
  };
  const out = await rogue.bundle(rt, [await rogue.signSettle(rt, call)], 0);
  r.tried.push({
    attack: "F1",
    what: `held back, re-committed in batch ${n.batchId} (block ${n.commitBlock} > commitBy ${k.order.commitBy}) beside its counter-order at the limit ${t.minBuyAmount}`,
    included: out.included,
    revert: describeRevert(out.revert),
  });
}

/** Orders the placement check sends through the honest relay (per phase). */
const PLACEMENT_ORDERS = 5;
/** Priority fee of the competing searcher's bundles: above the relay's operator tip. */
const COMPETITOR_TIP_GWEI = 20n;

/**
 * How often the same-block pool guard (F2) costs the honest relay a block: sealed orders through the real
 * relay while another account swaps on the same pool in every block (a public transaction sent before each
 * block), then the relay's own count (`veil_settle_pool_waits_total`, `veil_settled_batches_total`).
 */
async function measurePlacement(
  ctx: CustomRunContext,
  relayUrl: string,
  info: RelayInfo,
  pools: PoolReader,
  orders: number,
  competitor: boolean,
): Promise<{ orders: number; filled: number; settled: number; poolTouched: number; ownSettle: number }> {
  const { runtime: rt, relayWaitMs } = ctx;
  const before = await relayPlacementMetrics(relayUrl);
  let filled = 0;
  let blockNo = 0;
  for (let j = 0; j < orders; j++) {
    const { reserveIn } = (await pools.reserves(rt.token("WETH"), rt.token("USDC")))!;
    const t = await prepareTrade(rt, pools, 10_000 + j, {
      trader: "trader1",
      sellSymbol: "WETH",
      buySymbol: "USDC",
      sellAmount: reserveIn / 200n,
      slippageBps: 500,
    });
    const [busySell, busyBuy] = j % 2 === 0 ? (["USDC", "WETH"] as const) : (["WETH", "USDC"] as const);
    const busyReserve = (await pools.reserves(rt.token(busySell), rt.token(busyBuy)))!.reserveIn;
    const busy = await prepareTrade(rt, pools, 20_000 + j, {
      trader: "trader4",
      sellSymbol: busySell,
      buySymbol: busyBuy,
      sellAmount: busyReserve / 1000n,
      slippageBps: 10_000,
    });
    const id = await submitSealed(relayUrl, info, await signQuotedOrder(rt, t, relayUrl, info));
    const { statuses } = await driveOrders(rt, relayUrl, info, [id], relayWaitMs, {
      async beforeStep() {
        if (competitor && blockNo++ % 2 === 0) {
          const target = (await rt.client.getBlockNumber()) + 1n;
          const raw = await signSwapWithTip(rt, busy, COMPETITOR_TIP_GWEI * 10n ** 9n);
          await sendBundle(rt.devnet.builderUrl, busy.trader.privateKey, [raw], target);
        } else {
          await rt.client.sendRawTransaction({ serializedTransaction: await signVictimSwap(rt, busy) });
        }
      },
    });
    if (statuses[0].state === "filled") filled++;
  }
  const after = await relayPlacementMetrics(relayUrl);
  return {
    orders,
    filled,
    settled: after.settled - before.settled,
    poolTouched: after.poolTouched - before.poolTouched,
    ownSettle: after.ownSettle - before.ownSettle,
  };
}

/** The relay's own F2 placement counters (`GET /metrics`). */
async function relayPlacementMetrics(relayUrl: string) {
  const metrics = await (await fetch(`${relayUrl}/metrics`)).text();
  const metric = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
  return {
    settled: metric(/^veil_settled_batches_total (\d+)/m),
    poolTouched: metric(/^veil_settle_pool_waits_total\{cause="pool_touched"\} (\d+)/m),
    ownSettle: metric(/^veil_settle_pool_waits_total\{cause="own_settle"\} (\d+)/m),
  };
}

/** The busy account's router swap with a priority fee of `tip` wei per gas (to outbid the relay's bundle). */
async function signSwapWithTip(rt: ScenarioRuntime, t: PreparedTrade, tip: bigint): Promise<Hex> {
  const acct = privateKeyToAccount(t.trader.privateKey);
  const block = await rt.client.getBlock({ blockTag: "latest" });
  return acct.signTransaction({
    type: "eip1559",
    chainId: rt.devnet.chainId,
    to: rt.devnet.contracts.uniswapV2.router,
    data: encodeFunctionData({
      abi: routerSwapAbi,
      functionName: "swapExactTokensForTokens",
      args: [t.sellAmount, t.minBuyAmount, [t.sellToken, t.buyToken], acct.address, block.timestamp + 3600n],
    }),
    nonce: await rt.client.getTransactionCount({ address: acct.address, blockTag: "pending" }),
    gas: 250_000n,
    ...(await rt.fees(tip)),
  });
}
