import { describe, expect, it } from "vitest";
import { PRIORITY_FEE_WEI } from "../chain/operatorSigner.js";
import { settleBid } from "./settleBid.js";

describe("settleBid", () => {
  const gasLimit = 560_000n;
  const rich = 10n ** 17n; // far above any raise below

  it("should bid the standing priority fee until a block is missed, then 25% more per missed block", () => {
    expect(settleBid({ missedBlocks: 0, revenueWei: rich, gasLimit })).toBe(PRIORITY_FEE_WEI);
    expect(settleBid({ missedBlocks: 1, revenueWei: rich, gasLimit })).toBe(1_250_000_000n);
    expect(settleBid({ missedBlocks: 2, revenueWei: rich, gasLimit })).toBe(1_562_500_000n);
    const bids = Array.from({ length: 8 }, (_, m) =>
      settleBid({ missedBlocks: m, revenueWei: rich, gasLimit }),
    );
    for (let i = 1; i < bids.length; i++) expect(bids[i]).toBeGreaterThan(bids[i - 1]);
  });

  it("should never raise the bid above the batch's fee revenue per gas", () => {
    const revenueWei = 2n * PRIORITY_FEE_WEI * gasLimit; // pays for at most 2 gwei per gas
    const bid = settleBid({ missedBlocks: 10, revenueWei, gasLimit });
    expect(bid).toBe(revenueWei / gasLimit);
    expect(bid * gasLimit).toBeLessThanOrEqual(revenueWei);
  });

  it("should keep the standing bid when the batch has no revenue to raise it with", () => {
    expect(settleBid({ missedBlocks: 5, revenueWei: 0n, gasLimit })).toBe(PRIORITY_FEE_WEI);
    expect(settleBid({ missedBlocks: 5, revenueWei: 1n, gasLimit: 0n })).toBe(PRIORITY_FEE_WEI);
  });
});
