import { describe, expect, it } from "vitest";
import { fillAtPrice } from "./fillAtPrice.js";
import type { BookOrder, BookPool } from "./pairBook.js";
import { getAmountIn, getAmountOut } from "./uniswapV2Math.js";

// fillAtPrice at fixed prices: which candidates keep their limit in integers, and how the pair is made to
// conserve both tokens (pool swap of the smallest input, or fill-or-kill rationing of the short side).

/** Side A order: sells `sell` A for >= `minBuy` B (limit = lowest B per A accepted). */
const a = (id: string, sell: bigint, minBuy: bigint): BookOrder => ({
  id,
  sell,
  minBuy,
  sellF: Number(sell),
  limit: Number(minBuy) / Number(sell),
  filled: false,
});
/** Side B order: sells `sell` B for >= `minBuy` A (limit = highest B per A accepted). */
const b = (id: string, sell: bigint, minBuy: bigint): BookOrder => ({
  id,
  sell,
  minBuy,
  sellF: Number(sell),
  limit: Number(sell) / Number(minBuy),
  filled: false,
});
const pool = (rA: bigint, rB: bigint): BookPool => ({
  pair: "0x0000000000000000000000000000000000000001",
  rA,
  rB,
});
const ids = (fills: { order: BookOrder }[]) => fills.map((f) => f.order.id);

describe("fillAtPrice", () => {
  it("should keep an order whose limit holds exactly and count the one that misses by one unit", () => {
    // Rate 1:1. a1 wants exactly 100 for 100 (holds), a2 wants 101 (misses by one: decided in integers).
    const out = fillAtPrice([a("a1", 100n, 100n), a("a2", 100n, 101n)], [b("b1", 100n, 100n)], 1n, 1n, null);
    expect(ids(out.fillsA)).toEqual(["a1"]);
    expect(ids(out.fillsB)).toEqual(["b1"]);
    expect(out.skipped).toBe(1);
    // The B side too: b2 wants 101 A for 100 B at 1:1.
    const outB = fillAtPrice([a("a1", 100n, 100n)], [b("b1", 100n, 100n), b("b2", 100n, 101n)], 1n, 1n, null);
    expect(ids(outB.fillsB)).toEqual(["b1"]);
    expect(outB.skipped).toBe(1);
  });

  it("should balance a crossing pair with no swap and no rationing", () => {
    const out = fillAtPrice([a("a1", 100n, 90n)], [b("b1", 100n, 90n)], 1n, 1n, null);
    expect(out).toMatchObject({ swap: null, skipped: 0 });
    expect(out.fillsA[0].buy).toBe(100n);
    expect(out.fillsB[0].buy).toBe(100n);
  });

  it("should ration the least generous order of the over-demanding side when there is no pool", () => {
    // A sellers want 150 B, B sellers bring 100: drop the last A order.
    const short = fillAtPrice([a("a1", 100n, 90n), a("a2", 50n, 45n)], [b("b1", 100n, 90n)], 1n, 1n, null);
    expect(ids(short.fillsA)).toEqual(["a1"]);
    expect(ids(short.fillsB)).toEqual(["b1"]);
    // And the mirror: B sellers want more A than the A sellers bring.
    const mirror = fillAtPrice([a("a1", 100n, 90n)], [b("b1", 100n, 90n), b("b2", 50n, 45n)], 1n, 1n, null);
    expect(ids(mirror.fillsA)).toEqual(["a1"]);
    expect(ids(mirror.fillsB)).toEqual(["b1"]);
    // Nothing left to fill: an empty outcome.
    expect(fillAtPrice([a("a1", 100n, 90n)], [], 1n, 1n, null)).toMatchObject({ fillsA: [], swap: null });
  });

  it("should cover a short side with the smallest pool input, in both directions", () => {
    const p = pool(1_000_000n, 1_000_000n);
    // A sold for B with no B sellers: the pool sells B for the A the batch holds.
    const aToB = fillAtPrice([a("a1", 1000n, 900n)], [], 99n, 100n, p);
    const needB = aToB.fillsA[0].buy;
    expect(aToB.swap).toEqual({
      aToB: true,
      amountIn: getAmountIn(needB, p.rA, p.rB),
      amountOut: getAmountOut(getAmountIn(needB, p.rA, p.rB)!, p.rA, p.rB),
    });
    const bToA = fillAtPrice([], [b("b1", 1000n, 900n)], 100n, 99n, p);
    const needA = bToA.fillsB[0].buy;
    expect(bToA.swap).toEqual({
      aToB: false,
      amountIn: getAmountIn(needA, p.rB, p.rA),
      amountOut: getAmountOut(getAmountIn(needA, p.rB, p.rA)!, p.rB, p.rA),
    });
  });

  it("should use the whole surplus when getAmountIn asks one unit more than a surplus that already pays", () => {
    // Reserves 997/1000: getAmountOut(250) = 200 while getAmountIn(200) = 251.
    const p = pool(997n, 1000n);
    expect(getAmountOut(250n, p.rA, p.rB)).toBe(200n);
    expect(getAmountIn(200n, p.rA, p.rB)).toBe(251n);
    const exact = fillAtPrice([a("a1", 250n, 200n)], [], 200n, 250n, p);
    expect(exact.fillsA[0].buy).toBe(200n);
    expect(exact.swap).toEqual({ aToB: true, amountIn: 250n, amountOut: 200n });
    // One unit more than the pool pays for the whole surplus: the order is rationed away instead.
    const tooMuch = fillAtPrice([a("a1", 250n, 201n)], [], 201n, 250n, p);
    expect(tooMuch.fillsA).toEqual([]);
    expect(tooMuch.swap).toBeNull();
  });

  it("should take getAmountIn's answer when it equals the surplus exactly", () => {
    const p = pool(1_000_000n, 1_000_000n);
    // Find a B amount whose minimal input is exactly what one A order brings.
    const need = 990n;
    const amountIn = getAmountIn(need, p.rA, p.rB)!;
    const out = fillAtPrice([a("a1", amountIn, need)], [], need, amountIn, p);
    expect(out.fillsA[0].buy).toBe(need);
    expect(out.swap).toEqual({ aToB: true, amountIn, amountOut: getAmountOut(amountIn, p.rA, p.rB) });
  });
});
