import { describe, expect, it } from "vitest";
import { maxFrontRun, optimalSandwich } from "./optimalSandwich.js";

// The sandwich bot's optimum checked against an independent computation: the closed form of Zhou et al.
// 2021 ("High-Frequency Trading on Decentralized On-Chain Exchanges"), in real numbers, not the bot's integer
// search. Pool reserves x (in) and y (out), fee gamma = 0.997, victim input v with minimum output m. After a
// front-run a the victim receives gamma·v·x·y / ((x+gamma·a)(x+a+gamma·v)), so the largest front-run it
// tolerates solves (x+gamma·a)(x+a+gamma·v) = gamma·v·x·y/m, a quadratic in a; the attacker's profit grows
// with a up to that bound, so the optimum is the bound (or the capital, if smaller).

const G = 997n;
const D = 1000n;

/** Integer square root (Newton's method from above), exact for any size. */
function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("negative");
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2)); // >= sqrt(n)
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/**
 * The largest real front-run, floored: the positive root of A·a² + B·a + C = 0, the bound multiplied through
 * by d²·m (gamma = g/d) so every coefficient is an exact integer.
 */
function closedFormBound(x: bigint, y: bigint, v: bigint, m: bigint): bigint {
  const A = m * G * D;
  const B = m * (G * (D * x + G * v) + D * D * x);
  const C = m * D * x * (D * x + G * v) - G * v * x * y * D;
  if (C >= 0n) return 0n; // the victim alone already gets at most m: no room
  return (isqrt(B * B - 4n * A * C) - B) / (2n * A);
}

/** The attacker's gross profit at front-run a, in real numbers (the same constant-product formulas). */
function realProfit(x: number, y: number, v: number, a: number): number {
  const g = 0.997;
  const frontOut = (g * a * y) / (x + g * a);
  const x1 = x + a;
  const y1 = y - frontOut;
  const victimOut = (g * v * y1) / (x1 + g * v);
  const x2 = x1 + v;
  const y2 = y1 - victimOut;
  const backOut = (g * frontOut * x2) / (y2 + g * frontOut);
  return backOut - a;
}

const WETH = 10n ** 18n;
const USDC = 10n ** 6n;
const CASES = [
  // [label, reserveIn, reserveOut, victimAmountIn, slippageBps]
  ["1 WETH into 100 WETH / 300k USDC, 3%", 100n * WETH, 300_000n * USDC, 1n * WETH, 300n],
  ["4 WETH into 1000 WETH / 3M USDC, 1%", 1000n * WETH, 3_000_000n * USDC, 4n * WETH, 100n],
  ["12k USDC into 3M USDC / 1000 WETH, 5%", 3_000_000n * USDC, 1000n * WETH, 12_000n * USDC, 500n],
  ["25k DAI into 3M DAI / 1000 WETH, 2%", 3_000_000n * WETH, 1000n * WETH, 25_000n * WETH, 200n],
  ["0.5% of the pool at 0.5%", 200n * WETH, 600_000n * USDC, 1n * WETH, 50n],
] as const;

describe("optimalSandwich against the closed form (Zhou et al. 2021)", () => {
  for (const [label, x, y, v, slip] of CASES) {
    it(label, () => {
      const quote = (v * G * y) / (x * D + v * G);
      const m = (quote * (10_000n - slip)) / 10_000n;
      const bound = closedFormBound(x, y, v, m);
      expect(bound).toBeGreaterThan(0n);
      const target = { reserves: { reserveIn: x, reserveOut: y }, victimAmountIn: v, victimMinOut: m };
      // the bot's integer bound equals the real one up to the integer floors (relative 1e-6)
      const intBound = maxFrontRun(target, 10n ** 40n);
      const tol = bound / 1_000_000n + 2n;
      expect(intBound >= bound - tol && intBound <= bound + tol, `${intBound} vs ${bound}`).toBe(true);
      // with ample capital the optimum is the bound, and its profit is the closed form's
      const plan = optimalSandwich(target, 10n ** 40n);
      expect(plan).not.toBeNull();
      expect(
        plan!.frontIn >= bound - tol && plan!.frontIn <= bound + tol,
        `${plan!.frontIn} vs ${bound}`,
      ).toBe(true);
      const expected = realProfit(Number(x), Number(y), Number(v), Number(bound));
      expect(expected).toBeGreaterThan(0);
      expect(Math.abs(Number(plan!.grossProfit) - expected) / expected).toBeLessThan(1e-6);
      // with less capital than the bound, the whole capital is the optimum (profit grows with the front-run)
      const capital = bound / 3n;
      const small = optimalSandwich(target, capital);
      // (the integer profit is flat to the wei near the top: the search may stop a hair below the capital)
      expect(small!.frontIn <= capital && small!.frontIn >= capital - capital / 1_000_000n).toBe(true);
      const expectedSmall = realProfit(Number(x), Number(y), Number(v), Number(capital));
      expect(Math.abs(Number(small!.grossProfit) - expectedSmall) / expectedSmall).toBeLessThan(1e-6);
    });
  }

  it("finds no room when the limit equals the quote", () => {
    const [x, y, v] = [100n * WETH, 300_000n * USDC, 1n * WETH];
    const quote = (v * G * y) / (x * D + v * G);
    expect(closedFormBound(x, y, v, quote)).toBeLessThan(10n ** 12n); // the quote's floor leaves at most dust
    const plan = optimalSandwich(
      { reserves: { reserveIn: x, reserveOut: y }, victimAmountIn: v, victimMinOut: quote },
      10n ** 30n,
    );
    // less than 1 gwei of gross profit (integer floors): far below the gas of two swaps, so the bot never acts on it
    expect(plan === null || plan.grossProfit < 10n ** 9n).toBe(true);
  });
});
