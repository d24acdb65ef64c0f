import { type Address, getAddress } from "viem";
import type { PairOutcome } from "./fillAtPrice.js";
import { type BookOrder, buildSide, type PairBook } from "./pairBook.js";
import { PriceComponents } from "./priceComponents.js";
import { fillAtImpliedRate, solvePair } from "./solvePair.js";
import type { PoolState, Solution, SolverOrder, SolverSwap, UnfilledReason } from "./solverTypes.js";

export type { PoolState, Solution, SolverOrder, SolverSwap, UnfilledReason } from "./solverTypes.js";

/** Sell amounts above this are left out (NO_LIQUIDITY): no V2 pool (uint112 reserves) could take part. */
const MAX_SELL_AMOUNT = 1n << 128n;

/**
 * Solves a batch of fill-or-kill limit orders into one `settle` call.
 *
 * Per token pair, a uniform clearing rate that maximizes the volume matched between opposite orders
 * (coincidence of wants); when the pair's allow-listed Uniswap V2 pool would clear more orders, the
 * residual imbalance is swapped against it at the equilibrium rate (see `solvePair`). Pairs are solved
 * most-populated first; since the contract takes one price per token, a pair whose tokens are already
 * priced through other pairs (a cycle such as WETH/USDC, WETH/DAI, DAI/USDC) trades at the implied rate,
 * with the pool covering its residual. Every amount is integer-exact:
 * `buyAmount = floor((sellAmount - feeAmount) * price[sell] / price[buy]) >= minBuyAmount` as the contract
 * computes it (order v3: a fill's `sellAmount` is that net amount; the fee stays out of the batch's books),
 * and per token `sells in + swap out >= buys out + swap in`; swaps carry the exact `getAmountOut` of the
 * given reserves as `minAmountOut`. Deterministic: output depends only on the set of orders and pools
 * (ties broken by id); fills and unfilled are listed pair by pair, most generous order first.
 * Unfilled reasons: LIMIT_NOT_MET (the clearing rate, or the pool's spot rate when the pair did not trade,
 * is worse than the limit), NO_LIQUIDITY (the limit is met but the order did not fit: no counterparty
 * volume or pool depth left for a fill-or-kill order of its size), UNKNOWN_PAIR (no pool and no opposite
 * order, or sell token = buy token).
 *
 * @param orders the batch's orders (validated at intake: signatures, nonces, balances)
 * @param pools current reserves of the allow-listed pools
 * @returns the solution (empty `tokens` when nothing fills)
 * @example const solution = solveBatch(orders, await registry.states(chain))
 */
export function solveBatch(orders: readonly SolverOrder[], pools: readonly PoolState[]): Solution {
  const rejected: Solution["unfilled"] = [];
  const books = buildBooks(orders, pools, rejected);
  const bySize = [...books.values()].sort((x, y) => {
    const nx = x.a.orders.length + x.b.orders.length;
    const ny = y.a.orders.length + y.b.orders.length;
    return nx !== ny ? ny - nx : x.key < y.key ? -1 : 1;
  });

  const prices = new PriceComponents();
  const outcomes = new Map<string, PairOutcome>();
  const traded = new Set<string>();
  for (const book of bySize) {
    const ka = book.tokenA.toLowerCase();
    const kb = book.tokenB.toLowerCase();
    const implied = prices.rate(ka, kb);
    const outcome = implied ? fillAtImpliedRate(book, implied[0], implied[1]) : solvePair(book);
    if (!outcome || outcome.fillsA.length + outcome.fillsB.length === 0) continue;
    if (!implied && !prices.link(ka, kb, outcome.pA, outcome.pB)) continue;
    outcomes.set(book.key, outcome);
    traded.add(ka).add(kb);
  }

  const tokenEntries = prices
    .entries()
    .filter(([t]) => traded.has(t))
    .sort(([x], [y]) => (x < y ? -1 : 1));
  const fills: Solution["fills"] = [];
  const unfilled: Solution["unfilled"] = [];
  const swaps: SolverSwap[] = [];
  for (const book of [...books.values()].sort((x, y) => (x.key < y.key ? -1 : 1))) {
    const outcome = outcomes.get(book.key);
    if (outcome) {
      for (const side of [outcome.fillsA, outcome.fillsB]) {
        for (const f of side) {
          f.order.filled = true;
          fills.push({ id: f.order.id, sellAmount: f.order.sell, buyAmount: f.buy });
        }
      }
      if (outcome.swap && book.pool) {
        swaps.push({
          pair: book.pool.pair,
          tokenIn: outcome.swap.aToB ? book.tokenA : book.tokenB,
          amountIn: outcome.swap.amountIn,
          minAmountOut: outcome.swap.amountOut,
        });
      }
    }
    const rate = prices.rate(book.tokenA.toLowerCase(), book.tokenB.toLowerCase());
    for (const o of book.a.orders)
      if (!o.filled) unfilled.push({ id: o.id, reason: reason(book, o, true, rate) });
    for (const o of book.b.orders)
      if (!o.filled) unfilled.push({ id: o.id, reason: reason(book, o, false, rate) });
  }
  rejected.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  unfilled.push(...rejected);
  return {
    tokens: tokenEntries.map(([t]) => getAddress(t)),
    clearingPrices: tokenEntries.map(([, p]) => p),
    fills,
    unfilled,
    swaps,
  };
}

/** Why `o` (side A when `sellsA`) did not fill. */
function reason(
  book: PairBook,
  o: BookOrder,
  sellsA: boolean,
  rate: [bigint, bigint] | null,
): UnfilledReason {
  if (rate) {
    const [pA, pB] = rate;
    const ok = sellsA ? o.sell * pA >= o.minBuy * pB : o.sell * pB >= o.minBuy * pA;
    return ok ? "NO_LIQUIDITY" : "LIMIT_NOT_MET";
  }
  const opposite = sellsA ? book.b : book.a;
  if (!book.pool && opposite.orders.length === 0) return "UNKNOWN_PAIR";
  if (book.pool) {
    const { rA, rB } = book.pool;
    // would the order cross the pool's marginal rate (after the 0.3% fee)?
    const crosses = sellsA
      ? o.minBuy * 1000n * rA <= o.sell * 997n * rB
      : o.minBuy * 1000n * rB <= o.sell * 997n * rA;
    return crosses ? "NO_LIQUIDITY" : "LIMIT_NOT_MET";
  }
  const bestOpposite = opposite.lim[0];
  const crosses = sellsA ? o.limit <= bestOpposite : o.limit >= bestOpposite;
  return crosses ? "NO_LIQUIDITY" : "LIMIT_NOT_MET";
}

type RawBook = { key: string; a: BookOrder[]; b: BookOrder[]; tokenA: Address; tokenB: Address };

/** Groups orders into pair books (orienting pools) and answers orders no pair can take. */
function buildBooks(
  orders: readonly SolverOrder[],
  pools: readonly PoolState[],
  rejected: Solution["unfilled"],
): Map<string, PairBook> {
  // (sellToken, buyToken) as spelled in the orders -> book and side; lower-casing once per distinct spelling
  const route = new Map<string, Map<string, { raw: RawBook; sellsA: boolean } | null>>();
  const raws = new Map<string, RawBook>();
  for (const { id, order } of orders) {
    let bySell = route.get(order.sellToken);
    if (!bySell) {
      bySell = new Map();
      route.set(order.sellToken, bySell);
    }
    let r = bySell.get(order.buyToken);
    if (r === undefined) {
      const s = order.sellToken.toLowerCase();
      const t = order.buyToken.toLowerCase();
      if (s === t) r = null;
      else {
        const sellsA = s < t;
        const key = sellsA ? `${s}:${t}` : `${t}:${s}`;
        let raw = raws.get(key);
        if (!raw) {
          const [tokenA, tokenB] = sellsA
            ? [order.sellToken, order.buyToken]
            : [order.buyToken, order.sellToken];
          raw = { key, a: [], b: [], tokenA: getAddress(tokenA), tokenB: getAddress(tokenB) };
          raws.set(key, raw);
        }
        r = { raw, sellsA };
      }
      bySell.set(order.buyToken, r);
    }
    if (r === null) {
      rejected.push({ id, reason: "UNKNOWN_PAIR" });
      continue;
    }
    // What the order trades: its sell amount net of its signed fee (the contract keeps the fee for the fee
    // recipient), so limits, prices and pool residuals are all computed on the net amount.
    const sell = order.feeAmount < order.sellAmount ? order.sellAmount - order.feeAmount : 0n;
    const minBuy = order.minBuyAmount;
    if (sell === 0n || sell > MAX_SELL_AMOUNT) {
      rejected.push({ id, reason: sell === 0n ? "LIMIT_NOT_MET" : "NO_LIQUIDITY" });
      continue;
    }
    const fs = Number(sell);
    const fm = minBuy === 0n ? 0 : Number(minBuy);
    const limit = r.sellsA ? fm / fs : fm === 0 ? Number.POSITIVE_INFINITY : fs / fm;
    (r.sellsA ? r.raw.a : r.raw.b).push({ id, sell, minBuy, sellF: fs, limit, filled: false });
  }

  const poolByKey = new Map<string, PoolState>();
  for (const p of pools) {
    const [x, y] = [p.token0.toLowerCase(), p.token1.toLowerCase()];
    const key = x < y ? `${x}:${y}` : `${y}:${x}`;
    const prev = poolByKey.get(key);
    // several pools for one pair: the deepest (then lowest address) is used
    const depth = p.reserve0 * p.reserve1;
    const prevDepth = prev ? prev.reserve0 * prev.reserve1 : -1n;
    if (
      !prev ||
      depth > prevDepth ||
      (depth === prevDepth && p.pair.toLowerCase() < prev.pair.toLowerCase())
    ) {
      poolByKey.set(key, p);
    }
  }
  const books = new Map<string, PairBook>();
  for (const [key, e] of raws) {
    const p = poolByKey.get(key);
    const pool = p
      ? p.token0.toLowerCase() === e.tokenA.toLowerCase()
        ? { pair: p.pair, rA: p.reserve0, rB: p.reserve1 }
        : { pair: p.pair, rA: p.reserve1, rB: p.reserve0 }
      : null;
    books.set(key, {
      key,
      tokenA: e.tokenA,
      tokenB: e.tokenB,
      a: buildSide(e.a, true),
      b: buildSide(e.b, false),
      pool,
    });
  }
  return books;
}
