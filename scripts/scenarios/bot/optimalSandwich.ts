import { getAmountOut } from "../../../relay/solver/uniswapV2Math.js";
import { afterSwap, type DirectedReserves } from "./v2Math.js";

/** What the bot knows about a victim's exact-input swap on one pool. */
export type SandwichTarget = {
  /** Pool reserves along the victim's direction, as they will be when the bundle executes. */
  reserves: DirectedReserves;
  victimAmountIn: bigint;
  /** The victim's `amountOutMin`: the front-run may push the price only until the victim gets exactly this. */
  victimMinOut: bigint;
};

/** The exact amounts of a planned sandwich, all in integer token units. */
export type SandwichPlan = {
  /** Tokens the bot sells first (same token the victim sells). */
  frontIn: bigint;
  /** Tokens the bot receives from the front-run (and sells back in the back-run). */
  frontOut: bigint;
  /** What the victim receives after the front-run; >= victimMinOut. */
  victimOut: bigint;
  /** What the bot receives from the back-run, in the victim's input token. */
  backOut: bigint;
  /** backOut - frontIn, before gas and the builder payment. */
  grossProfit: bigint;
};

/** Simulates front-run x, victim, back-run on exact V2 integer math. */
export function simulateSandwich(t: SandwichTarget, frontIn: bigint): SandwichPlan {
  const frontOut = getAmountOut(frontIn, t.reserves.reserveIn, t.reserves.reserveOut);
  const r1 = afterSwap(t.reserves, frontIn, frontOut);
  const victimOut = getAmountOut(t.victimAmountIn, r1.reserveIn, r1.reserveOut);
  const r2 = afterSwap(r1, t.victimAmountIn, victimOut);
  // back-run sells frontOut in the opposite direction: reserves swap roles
  const backOut = getAmountOut(frontOut, r2.reserveOut, r2.reserveIn);
  return { frontIn, frontOut, victimOut, backOut, grossProfit: backOut - frontIn };
}

/**
 * The largest front-run the victim tolerates: max x <= capital with victimOut(x) >= victimMinOut.
 * victimOut falls as x grows, so a binary search over integers is exact. Returns 0n when even the victim
 * alone misses its minimum (or it leaves no room at all).
 */
export function maxFrontRun(t: SandwichTarget, capital: bigint): bigint {
  const fits = (x: bigint) => simulateSandwich(t, x).victimOut >= t.victimMinOut;
  if (capital <= 0n || !fits(0n)) return 0n;
  if (fits(capital)) return capital;
  let lo = 0n; // fits
  let hi = capital; // does not fit
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The profit-maximizing sandwich of an exact-input V2 swap: front-run size in [0, maxFrontRun], found by
 * ternary search on the (unimodal) gross profit, then checked against the upper bound, which is the
 * optimum for all but huge front-runs. Returns null when no size yields a positive gross profit.
 * @example optimalSandwich({ reserves, victimAmountIn, victimMinOut }, botBalance)
 */
export function optimalSandwich(t: SandwichTarget, capital: bigint): SandwichPlan | null {
  const upper = maxFrontRun(t, capital);
  if (upper === 0n) return null;
  const profit = (x: bigint) => simulateSandwich(t, x).grossProfit;
  let lo = 0n;
  let hi = upper;
  while (hi - lo > 2n) {
    const m1 = lo + (hi - lo) / 3n;
    const m2 = hi - (hi - lo) / 3n;
    if (profit(m1) < profit(m2)) lo = m1;
    else hi = m2;
  }
  let best = simulateSandwich(t, upper);
  for (let x = lo; x <= hi; x++) {
    const p = simulateSandwich(t, x);
    if (p.grossProfit > best.grossProfit) best = p;
  }
  return best.grossProfit > 0n ? best : null;
}
