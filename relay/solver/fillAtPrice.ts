import type { BookOrder, BookPool } from "./pairBook.js";
import { getAmountIn, getAmountOut } from "./uniswapV2Math.js";

/** Relative float margin beyond which a limit is decided without integers (float error is ~1e-16). */
const SURE = 1e-9;

/** A fill of one order at the pair's prices: `buy = floor(sell * price[sellToken] / price[buyToken])`. */
export type PairFill = { order: BookOrder; buy: bigint };

/** What one pair executes at given prices: fills on both sides and at most one residual pool swap. */
export type PairOutcome = {
  pA: bigint;
  pB: bigint;
  fillsA: PairFill[];
  fillsB: PairFill[];
  /** Residual swap: `aToB` sells token A into the pool. */
  swap: { aToB: boolean; amountIn: bigint; amountOut: bigint } | null;
  /** Candidates whose limit failed the integer check (0 for an exact coincidence-of-wants rate). */
  skipped: number;
};

/**
 * Executes a pair at fixed prices `pA / pB` with the candidate orders given (each side most generous
 * first): keeps those whose limit holds exactly (`floor(sell * pSell / pBuy) >= minBuy`, i.e.
 * `sell * pSell >= minBuy * pBuy`), then makes the pair conserve every token in integers. The side that is
 * short is covered by the pool with the smallest input `getAmountIn` allows; when even that does not fit
 * the other side's surplus, the least generous order of the over-demanding side is dropped (fill-or-kill
 * rationing) and the balance re-checked. The result always satisfies, per token:
 * sells in + swap out >= buys out + swap in.
 */
export function fillAtPrice(
  candA: readonly BookOrder[],
  candB: readonly BookOrder[],
  pA: bigint,
  pB: bigint,
  pool: BookPool | null,
): PairOutcome {
  const fillsA: PairFill[] = [];
  const fillsB: PairFill[] = [];
  let skipped = 0;
  // Orders whose float limit is clearly inside the rate skip the integer limit check (one bigint product
  // less each); only those within SURE of the rate are decided by the integers.
  const x = Number(pA) / Number(pB);
  const sureA = x * (1 - SURE);
  const sureB = x * (1 + SURE);
  let aIn = 0n;
  let bOut = 0n;
  for (const o of candA) {
    const v = o.sell * pA;
    if (o.limit > sureA && v < o.minBuy * pB) {
      skipped++;
      continue;
    }
    const buy = v / pB;
    fillsA.push({ order: o, buy });
    aIn += o.sell;
    bOut += buy;
  }
  let bIn = 0n;
  let aOut = 0n;
  for (const o of candB) {
    const v = o.sell * pB;
    if (o.limit < sureB && v < o.minBuy * pA) {
      skipped++;
      continue;
    }
    const buy = v / pA;
    fillsB.push({ order: o, buy });
    bIn += o.sell;
    aOut += buy;
  }

  for (;;) {
    if (fillsA.length === 0 && fillsB.length === 0) return { pA, pB, fillsA, fillsB, swap: null, skipped };
    const aShort = aOut > aIn;
    const bShort = bOut > bIn;
    if (!aShort && !bShort) return { pA, pB, fillsA, fillsB, swap: null, skipped };
    if (bShort && !aShort && pool) {
      const amountIn = poolInput(bOut - bIn, aIn - aOut, pool.rA, pool.rB);
      if (amountIn !== null) {
        const amountOut = getAmountOut(amountIn, pool.rA, pool.rB);
        return { pA, pB, fillsA, fillsB, swap: { aToB: true, amountIn, amountOut }, skipped };
      }
    }
    if (aShort && !bShort && pool) {
      const amountIn = poolInput(aOut - aIn, bIn - bOut, pool.rB, pool.rA);
      if (amountIn !== null) {
        const amountOut = getAmountOut(amountIn, pool.rB, pool.rA);
        return { pA, pB, fillsA, fillsB, swap: { aToB: false, amountIn, amountOut }, skipped };
      }
    }
    // Ration: the side demanding the short token loses its least generous order.
    if (bShort) {
      const f = fillsA.pop();
      if (f) {
        aIn -= f.order.sell;
        bOut -= f.buy;
      }
    }
    if (aShort) {
      const f = fillsB.pop();
      if (f) {
        bIn -= f.order.sell;
        aOut -= f.buy;
      }
    }
  }
}

/**
 * The pool input that covers `short` within the `surplus` available: `getAmountIn`'s answer, or the whole
 * surplus when `getAmountIn` (which adds 1 even when its division is exact) asks for one unit more than a
 * surplus that already pays enough. Null when the surplus cannot cover `short`.
 */
function poolInput(short: bigint, surplus: bigint, reserveIn: bigint, reserveOut: bigint): bigint | null {
  const amountIn = getAmountIn(short, reserveIn, reserveOut);
  if (amountIn === null) return null;
  if (amountIn <= surplus) return amountIn;
  return getAmountOut(surplus, reserveIn, reserveOut) >= short ? surplus : null;
}
