import { describe, expect, it } from "vitest";
import { amountOutApprox, getAmountIn, getAmountOut } from "./uniswapV2Math.js";

// The solver plans amounts with these; the settlement contract's V2SwapLib pays with the same integer formula,
// so a rounding slip here is a settle that reverts (or leaves a trader short) on chain.

const E18 = 10n ** 18n;

describe("Uniswap V2 math", () => {
  it("should compute getAmountOut exactly as UniswapV2Library (0.3% fee, rounded down)", () => {
    // 1 in against 1000/2000: 997 * 2000 / (1000 * 1000 + 997) = 1.991... -> 1 (floored)
    expect(getAmountOut(1n, 1000n, 2000n)).toBe(1n);
    expect(getAmountOut(10n * E18, 1000n * E18, 2000n * E18)).toBe(
      (10n * E18 * 997n * 2000n * E18) / (1000n * E18 * 1000n + 10n * E18 * 997n),
    );
    expect(getAmountOut(1000n, 1000n, 1000n)).toBe(499n); // 997000 / 1997 = 499.2
  });

  it("should pay nothing for a zero or negative input or an empty pool", () => {
    expect(getAmountOut(0n, 1000n, 1000n)).toBe(0n);
    expect(getAmountOut(-5n, 1000n, 1000n)).toBe(0n);
    expect(getAmountOut(5n, 0n, 1000n)).toBe(0n);
    expect(getAmountOut(5n, 1000n, 0n)).toBe(0n);
    expect(getAmountOut(5n, -1n, 1000n)).toBe(0n);
    expect(getAmountOut(5n, 1000n, -1n)).toBe(0n);
    expect(getAmountOut(1n, 1n, 1n)).toBe(0n); // positive but rounds to zero
  });

  it("should return the smallest input whose output reaches amountOut", () => {
    for (const [out, rIn, rOut] of [
      [1n, 1000n, 2000n],
      [500n, 1000n, 1000n],
      [3n * E18, 1000n * E18, 2000n * E18],
      [123_456_789n, 987_654_321_000n, 555_555_555_000n],
    ]) {
      const amountIn = getAmountIn(out, rIn, rOut)!;
      expect(getAmountOut(amountIn, rIn, rOut)).toBeGreaterThanOrEqual(out);
      expect(getAmountOut(amountIn - 1n, rIn, rOut)).toBeLessThan(out);
    }
    // UniswapV2Library's exact value: 1000 * 1 * 1000 / ((2000 - 1) * 997) + 1 = 1
    expect(getAmountIn(1n, 1000n, 2000n)).toBe(1n);
    expect(getAmountIn(500n, 1000n, 1000n)).toBe(1004n); // 1000*500*1000 / (500*997) + 1
  });

  it("should need nothing for nothing, and refuse what the pool cannot pay", () => {
    expect(getAmountIn(0n, 1000n, 1000n)).toBe(0n);
    expect(getAmountIn(-1n, 1000n, 1000n)).toBe(0n);
    expect(getAmountIn(1000n, 1000n, 1000n)).toBeNull(); // the whole reserve
    expect(getAmountIn(1001n, 1000n, 1000n)).toBeNull();
    expect(getAmountIn(999n, 1000n, 1000n)).not.toBeNull();
    expect(getAmountIn(1n, 0n, 1000n)).toBeNull();
    expect(getAmountIn(1n, -1n, 1000n)).toBeNull();
  });

  it("should approximate getAmountOut in floats closely enough to search prices", () => {
    const exact = Number(getAmountOut(10n * E18, 1000n * E18, 2000n * E18));
    const approx = amountOutApprox(10e18, 1000e18, 2000e18);
    expect(Math.abs(approx - exact) / exact).toBeLessThan(1e-9);
    expect(amountOutApprox(1000, 1000, 1000)).toBeCloseTo(997_000 / 1997, 9);
  });
});
