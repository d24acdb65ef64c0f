import { describe, expect, it } from "vitest";
import { allInCost, type MidPricesWei } from "./allInCost.js";
import { markdownReport } from "./markdownReport.js";
import type { MeasuredRoute } from "./measureRoute.js";
import type { PreparedTrade } from "./routes/preparedTrade.js";
import { toTradeResult } from "./runScenario.js";
import { summarize } from "./summarize.js";

// A pool of 100 WETH / 300,000 USDC, priced as ScenarioRuntime.midPrices does: wei per 1e18 units.
const PRICES: MidPricesWei = {
  WETH: 10n ** 18n,
  USDC: (100n * 10n ** 18n * 10n ** 18n) / (300_000n * 10n ** 6n),
  DAI: 0n,
};
const USDC = (n: bigint) => n * 10n ** 6n;

describe("allInCost", () => {
  it("should add the trader's gas to a public route's loss, in wei and in bps of the baseline", () => {
    const c = allInCost({
      sellSymbol: "WETH",
      buySymbol: "USDC",
      loss: USDC(30n), // 100 bps of 3,000 USDC
      baselineReceived: USDC(3_000n),
      feePaid: 0n,
      gasPaidWei: 10n ** 14n, // 0.3 USDC at 3,000 USDC per ETH: 1 bp
      prices: PRICES,
    });
    expect(c.feePaidWei).toBe(0n);
    // 30 USDC = 0.01 ETH (less one wei of rounding) + 0.0001 ETH of gas
    expect(c.allInCostWei).toBe(9_999_999_999_999_999n + 10n ** 14n);
    expect(c.allInCostBps).toBe(101);
  });

  it("should value a Veil route's fee in the sell token and add it to a zero loss", () => {
    const c = allInCost({
      sellSymbol: "USDC",
      buySymbol: "WETH",
      loss: 0n,
      baselineReceived: 10n ** 18n,
      feePaid: USDC(3n), // 0.001 ETH: 10 bps of 1 WETH
      gasPaidWei: 0n,
      prices: PRICES,
    });
    expect(c.feePaidWei).toBe(999_999_999_999_999n);
    expect(c.allInCostWei).toBe(999_999_999_999_999n);
    expect(c.allInCostBps).toBe(9.99);
  });

  it("should let a negative loss (better than the baseline) lower the cost", () => {
    const c = allInCost({
      sellSymbol: "WETH",
      buySymbol: "WETH",
      loss: -(10n ** 15n),
      baselineReceived: 10n ** 18n,
      feePaid: 10n ** 15n,
      gasPaidWei: 0n,
      prices: PRICES,
    });
    expect(c.allInCostWei).toBe(0n);
    expect(c.allInCostBps).toBe(0);
  });

  it("should count an unpriced token's fee as 0 wei rather than fail", () => {
    const c = allInCost({
      sellSymbol: "DAI",
      buySymbol: "DAI",
      loss: 5n,
      baselineReceived: 1_000n,
      feePaid: 10n ** 18n,
      gasPaidWei: 10n ** 14n,
      prices: PRICES,
    });
    expect(c.feePaidWei).toBe(0n);
    expect(c.allInCostWei).toBe(10n ** 14n);
    expect(c.allInCostBps).toBe(50); // 5 of 1,000: the loss alone, gas cannot be converted to DAI without a price
  });
});

describe("the report's fee and all-in cost columns", () => {
  const trade: PreparedTrade = {
    index: 0,
    label: "trader1",
    trader: { address: `0x${"11".repeat(20)}`, privateKey: `0x${"22".repeat(32)}` },
    sellSymbol: "WETH",
    buySymbol: "USDC",
    sellToken: `0x${"33".repeat(20)}`,
    buyToken: `0x${"44".repeat(20)}`,
    sellAmount: 10n ** 18n,
    quote: USDC(3_000n),
    reserveIn: 100n * 10n ** 18n,
    reserveOut: USDC(300_000n),
    minBuyAmount: USDC(2_900n),
    slippageBps: 300,
    prices: PRICES,
  };
  const route = (m: Partial<MeasuredRoute> & Pick<MeasuredRoute, "route" | "status">): MeasuredRoute => ({
    received: 0n,
    botProfitWei: 0n,
    gasPaidWei: 0n,
    blocksToInclusion: 1,
    ...m,
  });
  const measured: MeasuredRoute[] = [
    route({ route: "baseline", status: "ok", received: USDC(3_000n), gasPaidWei: 10n ** 14n }),
    route({ route: "public", status: "ok", received: USDC(2_970n), gasPaidWei: 10n ** 14n }),
    route({ route: "sealed", status: "ok", received: USDC(3_000n), feePaid: 2n * 10n ** 14n }),
    // an unfilled order pays no fee and has no cost to report, even if it signed one
    route({ route: "commit", status: "unfilled", feePaid: 2n * 10n ** 14n, blocksToInclusion: null }),
  ];
  const row = toTradeResult(trade, measured);
  const byRoute = Object.fromEntries(row.routes.map((r) => [r.route, r]));

  it("should give each executed route its fee and all-in cost, and none to an unfilled one", () => {
    expect(byRoute.baseline).toMatchObject({
      feePaid: "0",
      allInCostWei: "100000000000000",
      allInCostBps: 1,
    });
    expect(byRoute.public).toMatchObject({ lossBps: 100, allInCostBps: 101 });
    expect(byRoute.sealed).toMatchObject({
      lossBps: 0,
      feePaid: "200000000000000",
      feePaidWei: "200000000000000",
      allInCostWei: "200000000000000",
      allInCostBps: 2,
    });
    expect(byRoute.commit).toMatchObject({ feePaid: "0", allInCostWei: null, allInCostBps: null });
  });

  it("should average fees and costs over executed trades and print them beside the loss", () => {
    const second = toTradeResult({ ...trade, index: 1 }, [
      measured[0],
      route({ route: "public", status: "ok", received: USDC(3_000n), gasPaidWei: 3n * 10n ** 14n }),
      route({ route: "sealed", status: "ok", received: USDC(3_000n), feePaid: 4n * 10n ** 14n }),
      route({ route: "commit", status: "ok", received: USDC(3_000n), feePaid: 10n ** 14n }),
    ]);
    const report = summarize({
      scenario: "unit",
      description: "two trades",
      seed: 1,
      chainId: 31337,
      durationMs: 0,
      unavailable: { baseline: null, public: null, rpc: null, sealed: null, commit: null },
      run: { trades: [row, second] },
    });
    const s = Object.fromEntries(report.summary.map((x) => [x.route, x]));
    expect(s.public).toMatchObject({ meanLossBps: 50, meanAllInCostBps: 52 }); // (101 + 3) / 2
    expect(s.sealed).toMatchObject({ meanFeePaidWei: "300000000000000", meanAllInCostBps: 3 });
    // commit: one executed trade of two, averaged over that one
    expect(s.commit).toMatchObject({ executed: 1, meanFeePaidWei: "100000000000000", meanAllInCostBps: 1 });
    const md = markdownReport(report);
    expect(md).toContain("| mean fee (ETH) | mean all-in cost (bps) | mean all-in cost (ETH) |");
    expect(md).toMatch(/\| sealed \| 2 \| 2 \| 0 \| .* \| 0\.0003 \| 3 \| 0\.0003 \| 1 \|/);
  });
});
