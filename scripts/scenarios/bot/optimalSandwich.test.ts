import { describe, expect, it } from "vitest";
import { getAmountIn, getAmountOut } from "../../../relay/solver/uniswapV2Math.js";
import { maxFrontRun, optimalSandwich, simulateSandwich } from "./optimalSandwich.js";

describe("V2 math", () => {
  it("matches UniswapV2Library on a known case", () => {
    // 1 WETH into 100 WETH / 300,000 USDC: floor(997e18 * 300000e6 / (100e18 * 1000 + 997e18))
    expect(getAmountOut(10n ** 18n, 100n * 10n ** 18n, 300_000n * 10n ** 6n)).toBe(2_961_474_103n);
    const out = 1_000_000n;
    const inNeeded = getAmountIn(out, 10n ** 12n, 10n ** 12n)!;
    expect(getAmountOut(inNeeded, 10n ** 12n, 10n ** 12n)).toBeGreaterThanOrEqual(out);
    expect(getAmountOut(inNeeded - 1n, 10n ** 12n, 10n ** 12n)).toBeLessThan(out);
  });
});

describe("optimalSandwich", () => {
  const reserves = { reserveIn: 1_000_000n, reserveOut: 2_000_000n };

  it("finds the same optimum as a brute force over every front-run size", () => {
    for (const [victimAmountIn, slipBps] of [
      [20_000n, 300n],
      [5_000n, 100n],
      [50_000n, 50n],
    ] as const) {
      const expected = getAmountOut(victimAmountIn, reserves.reserveIn, reserves.reserveOut);
      const t = { reserves, victimAmountIn, victimMinOut: (expected * (10_000n - slipBps)) / 10_000n };
      const capital = 400_000n;
      let best = 0n;
      for (let x = 0n; x <= capital; x += 1n) {
        const s = simulateSandwich(t, x);
        if (s.victimOut >= t.victimMinOut && s.grossProfit > best) best = s.grossProfit;
      }
      const plan = optimalSandwich(t, capital);
      expect(plan?.grossProfit ?? 0n).toBe(best);
      if (plan) expect(plan.victimOut).toBeGreaterThanOrEqual(t.victimMinOut);
    }
  });

  it("leaves a victim with zero slippage tolerance alone", () => {
    const victimAmountIn = 20_000n;
    const t = {
      reserves,
      victimAmountIn,
      victimMinOut: getAmountOut(victimAmountIn, 1_000_000n, 2_000_000n),
    };
    // integer floors may leave room for a few wei of front-run, never for a profit
    expect(maxFrontRun(t, 10n ** 9n)).toBeLessThan(10n);
    expect(optimalSandwich(t, 10n ** 9n)).toBeNull();
  });

  it("is bounded by the bot's capital", () => {
    const t = { reserves, victimAmountIn: 50_000n, victimMinOut: 1n };
    const plan = optimalSandwich(t, 1_000n);
    expect(plan === null || plan.frontIn <= 1_000n).toBe(true);
  });
});
