import { fillAtPrice, type PairOutcome } from "./fillAtPrice.js";
import {
  type BookOrder,
  type BookPool,
  type BookSide,
  countA,
  countB,
  type PairBook,
  ratePrices,
} from "./pairBook.js";
import { amountOutApprox, getAmountOut } from "./uniswapV2Math.js";

/** Relative slack when turning a float rate into candidate orders; the integer check decides. */
const EDGE = 1e-9;
const BISECT_STEPS = 90;
/**
 * The pool edge found by the float search is where the pool pays exactly the clearing rate; integer
 * rounding (floors, getAmountIn's +1) can tip it over, so the rate is moved this much into the feasible side
 * (traders give up 1e-9 of the rate instead of an order being rationed out).
 */
const POOL_MARGIN = 1e-9;

/** A candidate found by the float search: how many orders it should fill, and how to evaluate it exactly. */
type Candidate = { estimate: number; evaluate: () => PairOutcome | null };

/**
 * Solves one pair on its own (its tokens not yet priced by another pair): the best of
 * - the coincidence of wants: the prefixes of both sides (most generous first) that trade against each other
 *   at the uniform rate `x = sum(B sold) / sum(A sold)` filling the most orders (then the largest matched
 *   volume) such that every included order accepts `x` (two pointers over prefix sums, O(n)); at that exact
 *   rational rate both tokens balance in integers, so no pool is needed;
 * - the pool-assisted equilibria: the highest rate at which all orders accepting it, with the surplus of A
 *   sold into the pool, still clear (A in excess), and symmetrically the lowest rate when B is in excess;
 *   also each side alone against the pool. The pool's average rate falls as the residual grows, so
 *   feasibility is monotone in x and a bisection on log(x) finds the edge.
 * Candidates are ranked by their float estimate of orders filled and evaluated exactly in that order until
 * no remaining estimate can reach the best exact result. Most orders filled wins; among candidates filling
 * as many, the rate nearest the pool's mid price wins (no pool: the first, the coincidence of wants). So a
 * coincidence of wants whose rate (set by the two sides' amounts) is off the market gives way to the
 * market-consistent rate with the residual through the pool: nobody in a batch gets a much worse price than
 * the pool offers, which is what a batch promises over trading alone. Returns null when nothing can fill.
 */
export function solvePair(book: PairBook): PairOutcome | null {
  const candidates: Candidate[] = [];
  const cow = coincidenceOfWants(book);
  if (cow) candidates.push(cow);
  const pool = book.pool;
  // the pool's mid rate (B per A), or null without a usable pool
  const mid = pool && pool.rA > 0n && pool.rB > 0n ? Number(pool.rB) / Number(pool.rA) : null;
  if (pool && mid !== null) {
    const none: BookSide = { orders: [], lim: new Float64Array(0), cum: new Float64Array(1) };
    for (const c of [soleSideExact(book.a, true, pool), soleSideExact(book.b, false, pool)])
      if (c) candidates.push(c);
    for (const [a, b] of [
      [book.a, book.b],
      [book.a, none],
      [none, book.b],
    ] as const) {
      const xa = poolEdgeAExcess(a, b, pool.rA, pool.rB);
      if (xa !== null) candidates.push(atRate(a, b, xa * (1 - POOL_MARGIN), book));
      const xb = poolEdgeBExcess(a, b, pool.rA, pool.rB);
      if (xb !== null) candidates.push(atRate(a, b, xb * (1 + POOL_MARGIN), book));
    }
  }
  // stable sort: equal estimates keep the coincidence of wants first (it wins ties when there is no pool)
  candidates.sort((x, y) => y.estimate - x.estimate);
  const offMarket = (o: PairOutcome) =>
    mid === null ? 0 : Math.abs(Math.log(Number(o.pA) / Number(o.pB) / mid));
  let best: PairOutcome | null = null;
  let bestCount = 0;
  let bestOff = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c.estimate < bestCount || c.estimate === 0) break;
    const o = c.evaluate();
    const n = o ? o.fillsA.length + o.fillsB.length : 0;
    if (o === null || n === 0 || n < bestCount) continue;
    const off = offMarket(o);
    if (n > bestCount || off < bestOff) {
      best = o;
      bestCount = n;
      bestOff = off;
    }
  }
  return best;
}

/** The candidate of executing at float rate `x`: all orders of `a`/`b` accepting it, the integers decide. */
function atRate(a: BookSide, b: BookSide, x: number, book: PairBook): Candidate {
  const nA = countA(a, x * (1 + EDGE));
  const nB = countB(b, x * (1 - EDGE));
  return {
    estimate: nA + nB,
    evaluate: () => {
      const prices = ratePrices(x);
      if (!prices) return null;
      return fillAtPrice(a.orders.slice(0, nA), b.orders.slice(0, nB), prices[0], prices[1], book.pool);
    },
  };
}

/**
 * One side alone against the pool at the pool's own exact integer rate: the `n` most generous orders sell
 * `in = sum(sells)` and the rate is `getAmountOut(in) / in`, the rate one combined V2 swap pays. Each trader
 * gets `floor(sell * out / in)`, so a lone order gets exactly what the router would have paid it: an order
 * whose limit is exactly the router's quote (zero slippage) fills, where the float edge, moved 1e-9 into the
 * feasible side, would just miss it. `n` is the largest prefix whose least generous order accepts that
 * rate (the rate worsens as `n` grows, so a binary search on the float estimate finds it).
 */
function soleSideExact(side: BookSide, isA: boolean, pool: BookPool): Candidate | null {
  const n = side.orders.length;
  if (n === 0) return null;
  const [rIn, rOut] = isA ? [pool.rA, pool.rB] : [pool.rB, pool.rA];
  const rateOf = (k: number) => amountOutApprox(side.cum[k], Number(rIn), Number(rOut)) / side.cum[k];
  // orders' limits as "out per in": side A's limit is B per A; side B's is B per A, i.e. in per out
  const accepts = (k: number) => {
    const lim = side.lim[k - 1];
    const r = rateOf(k);
    return isA ? lim <= r * (1 + EDGE) : lim * r >= 1 - EDGE;
  };
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (accepts(mid)) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0) return null;
  return {
    estimate: lo,
    evaluate: () => {
      const orders = side.orders.slice(0, lo);
      const amountIn = sum(orders);
      const out = getAmountOut(amountIn, rIn, rOut);
      if (out === 0n) return null;
      // side A sells A: pA / pB = out / in; side B sells B: pA / pB = in / out
      return isA
        ? fillAtPrice(orders, [], out, amountIn, pool)
        : fillAtPrice([], orders, amountIn, out, pool);
    },
  };
}

/**
 * Executes `book` at a rate already fixed by other pairs (`pA / pB`), with the pool for the residual.
 * @example fillAtImpliedRate(book, priceOfA, priceOfB)
 */
export function fillAtImpliedRate(book: PairBook, pA: bigint, pB: bigint): PairOutcome {
  const x = Number(pA) / Number(pB);
  const candA = book.a.orders.slice(0, countA(book.a, x * (1 + EDGE)));
  const candB = book.b.orders.slice(0, countB(book.b, x * (1 - EDGE)));
  return fillAtPrice(candA, candB, pA, pB, book.pool);
}

function coincidenceOfWants(book: PairBook): Candidate | null {
  const { a, b } = book;
  const nA = a.orders.length;
  const nB = b.orders.length;
  if (nA === 0 || nB === 0) return null;
  let bestK = 0;
  let bestM = 0;
  let bestVol = 0;
  let m = 0;
  for (let k = 1; k <= nA; k++) {
    // largest m whose rate sum(B)/sum(A) stays within every included B order's limit (monotone in k)
    while (m < nB && b.cum[m + 1] <= b.lim[m] * a.cum[k]) m++;
    if (m === 0) continue;
    // Most orders first, as solvePair ranks candidates; then volume. Ranking by B volume alone stopped at the
    // first k that took every B order, so the A orders that fitted too were left out and the rate, set by
    // fewer A orders, sat off the market (a CI run: 48 of 50 filled at 3,261 USDC/WETH, pool at 3,000).
    const better = k + m > bestK + bestM || (k + m === bestK + bestM && b.cum[m] > bestVol);
    if (b.cum[m] >= a.lim[k - 1] * a.cum[k] && better) {
      bestVol = b.cum[m];
      bestK = k;
      bestM = m;
    }
  }
  if (bestK === 0) return null;
  return {
    estimate: bestK + bestM,
    evaluate: () => {
      // The exact rational rate of the chosen prefixes; if the floats misjudged an order, drop it and repeat.
      let sideA = a.orders.slice(0, bestK);
      let sideB = b.orders.slice(0, bestM);
      for (let round = 0; round < 8 && sideA.length > 0 && sideB.length > 0; round++) {
        const outcome = fillAtPrice(sideA, sideB, sum(sideB), sum(sideA), null);
        if (outcome.skipped === 0) return outcome;
        const kept = new Set<BookOrder>([...outcome.fillsA, ...outcome.fillsB].map((f) => f.order));
        sideA = sideA.filter((o) => kept.has(o));
        sideB = sideB.filter((o) => kept.has(o));
      }
      return null;
    },
  };
}

function sum(orders: readonly BookOrder[]): bigint {
  let s = 0n;
  for (const o of orders) s += o.sell;
  return s;
}

/** Highest rate at which the A surplus, sold into the pool, still pays A sellers x; null if no A surplus. */
function poolEdgeAExcess(a: BookSide, b: BookSide, poolA: bigint, poolB: bigint): number | null {
  const rA = Number(poolA);
  const rB = Number(poolB);
  const spot = (0.997 * rB) / rA;
  const excess = (x: number) => a.cum[countA(a, x)] - b.cum[countB(b, x)] / x;
  const feasible = (x: number) => {
    const d = excess(x);
    return d <= 0 ? x <= spot : amountOutApprox(d, rA, rB) >= d * x;
  };
  let lo = Math.log2(spot) - 200;
  let hi = Math.log2(spot) + 1e-9;
  for (let i = 0; i < BISECT_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (feasible(2 ** mid)) lo = mid;
    else hi = mid;
  }
  const x = 2 ** lo;
  return excess(x) > 0 ? x : null;
}

/** Lowest rate at which the B surplus, sold into the pool, still pays B sellers 1/x; null if no B surplus. */
function poolEdgeBExcess(a: BookSide, b: BookSide, poolA: bigint, poolB: bigint): number | null {
  const rA = Number(poolA);
  const rB = Number(poolB);
  const spot = rB / (0.997 * rA);
  const excess = (x: number) => b.cum[countB(b, x)] - a.cum[countA(a, x)] * x;
  const feasible = (x: number) => {
    const e = excess(x);
    return e <= 0 ? x >= spot : amountOutApprox(e, rB, rA) * x >= e;
  };
  let lo = Math.log2(spot) - 1e-9;
  let hi = Math.log2(spot) + 200;
  for (let i = 0; i < BISECT_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (feasible(2 ** mid)) hi = mid;
    else lo = mid;
  }
  const x = 2 ** hi;
  return excess(x) > 0 ? x : null;
}
