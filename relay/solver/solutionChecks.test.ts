import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import type { Order } from "../../client/order/order.js";
import { checkSolution } from "./solutionChecks.js";
import type { PoolState, Solution, SolverOrder } from "./solverTypes.js";

// checkSolution is the independent judge the solver's tests and benchmarks rely on: each rule it enforces is
// pinned here by a solution that breaks exactly that rule (and the control that breaks none). Addresses
// differ in case between orders, pools and the solution on purpose: the checks compare them case-blind.

const A = "0xAaAaaAAaaAaAaAAaaaaaaaAaaaaAaAaaAaAaAaAa" as Address;
const B = "0xbBbBBbbbBbBbbbbBBBbBbbbbBbbbbBBbBbbbbBbB" as Address;
const C = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC" as Address;
const PAIR = "0x1111111111111111111111111111111111111aBc" as Address;
const lower = (a: Address) => a.toLowerCase() as Address;

function order(sellToken: Address, buyToken: Address, sellAmount: bigint, minBuyAmount: bigint): Order {
  return {
    trader: "0x0000000000000000000000000000000000000001",
    sellToken,
    buyToken,
    sellAmount,
    minBuyAmount,
    nonce: 1n,
    validTo: 1n,
    commitBy: 1n,
    feeAmount: 0n,
  };
}

// o1 sells 100 A for >= 85 B through the pool (A/B, 1000/1000: 100 A -> 90 B); o2 (C -> A) stays unfilled.
const orders: SolverOrder[] = [
  { id: "o1", order: order(A, B, 100n, 85n) },
  { id: "o2", order: order(C, A, 5n, 5n) },
];
const pools: PoolState[] = [{ pair: PAIR, token0: A, token1: B, reserve0: 1000n, reserve1: 1000n }];

function valid(): Solution {
  return {
    tokens: [lower(A), lower(B)],
    clearingPrices: [90n, 100n], // 100 A * 90 / 100 = 90 B
    fills: [{ id: "o1", sellAmount: 100n, buyAmount: 90n }],
    unfilled: [{ id: "o2", reason: "UNKNOWN_PAIR" }],
    swaps: [{ pair: lower(PAIR), tokenIn: A, amountIn: 100n, minAmountOut: 90n }],
  };
}

const check = (change: (s: Solution) => void) => {
  const s = valid();
  change(s);
  return checkSolution(orders, pools, s);
};

describe("checkSolution", () => {
  it("should accept a solution that settles (control), matching addresses case-blind", () => {
    expect(checkSolution(orders, pools, valid())).toEqual([]);
  });

  it("should refuse a duplicate token and prices that do not match the tokens", () => {
    expect(
      check((s) => {
        s.tokens.push(A); // same price as the first A, so nothing else changes
        s.clearingPrices.push(90n);
      }),
    ).toEqual(["duplicate token"]);
    expect(check((s) => s.clearingPrices.push(7n))).toEqual(["price count mismatch"]);
  });

  it("should refuse a price of zero or of 2^256 and accept 1 and 2^256 - 1", () => {
    const big = (1n << 256n) - 1n;
    const withPrice = (p: bigint) =>
      checkSolution(orders, pools, { ...valid(), fills: [], swaps: [], clearingPrices: [p, 100n] });
    expect(withPrice(0n)).toContain("price 0 out of range");
    expect(withPrice(-1n)).toContain("price 0 out of range");
    expect(withPrice(1n << 256n)).toContain("price 0 out of range");
    expect(withPrice(1n).filter((e) => e.includes("range"))).toEqual([]);
    expect(withPrice(big).filter((e) => e.includes("range"))).toEqual([]);
  });

  it("should refuse fills of unknown orders, fills twice, and tokens outside the list", () => {
    expect(check((s) => s.fills.push({ id: "nope", sellAmount: 1n, buyAmount: 1n }))).toEqual([
      "fill nope: unknown order",
    ]);
    expect(check((s) => s.fills.push({ ...s.fills[0] }))).toEqual([
      "fill o1: twice",
      "token 0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: conservation broken by 90",
    ]);
    expect(
      check((s) => {
        s.fills.push({ id: "o2", sellAmount: 5n, buyAmount: 5n });
        s.unfilled = [];
      }),
    ).toEqual(["fill o2: token not in tokens"]);
  });

  it("should refuse partial fills, amounts other than the contract's, and fills below the limit", () => {
    expect(check((s) => (s.fills[0].sellAmount = 99n))).toEqual(["fill o1: partial"]);
    expect(check((s) => (s.fills[0].buyAmount = 89n))).toEqual(["fill o1: buyAmount 89 != contract 90"]);
    expect(checkSolution([{ id: "o1", order: order(A, B, 100n, 91n) }, orders[1]], pools, valid())).toEqual([
      "fill o1: below limit",
    ]);
  });

  it("should refuse an order both filled and unfilled, or one not answered at all", () => {
    expect(check((s) => s.unfilled.push({ id: "o1", reason: "LIMIT_NOT_MET" }))).toEqual([
      "order o1: both filled and unfilled",
    ]);
    expect(check((s) => (s.unfilled = []))).toEqual(["orders answered 1 != 2"]);
  });

  it("should refuse swaps on unknown pools, a pool swapped twice, a wrong minimum and foreign tokens", () => {
    expect(check((s) => (s.swaps[0].pair = C))).toEqual([
      `swap on unknown pool ${C}`,
      "token 0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: conservation broken by 90",
    ]);
    expect(
      check((s) => {
        s.swaps[0].amountIn = 50n;
        s.swaps[0].minAmountOut = 47n; // 50 * 997 * 1000 / (1000 * 1000 + 49850) = 47
        s.swaps.push({ pair: PAIR, tokenIn: A, amountIn: 50n, minAmountOut: 47n });
      }),
    ).toEqual([`pool ${PAIR} swapped twice`]);
    expect(check((s) => (s.swaps[0].minAmountOut = 89n))).toEqual([
      `swap ${lower(PAIR)}: minAmountOut 89 != getAmountOut 90`,
    ]);
    const foreign: PoolState = { pair: C, token0: C, token1: A, reserve0: 1000n, reserve1: 1000n };
    expect(
      checkSolution(orders, [...pools, foreign], {
        ...valid(),
        swaps: [...valid().swaps, { pair: C, tokenIn: C, amountIn: 10n, minAmountOut: 9n }],
      }),
    ).toEqual([
      `swap ${C}: token not in tokens`,
      "token 0xcccccccccccccccccccccccccccccccccccccccc: conservation broken by 10",
    ]);
  });

  it("should price a swap in either direction of the pair, and catch a batch that loses a token", () => {
    // Selling B (token1) into the same pool: o3 sells 100 B for >= 85 A.
    const o3: SolverOrder[] = [{ id: "o3", order: order(B, A, 100n, 85n) }];
    const reverse: Solution = {
      tokens: [A, B],
      clearingPrices: [100n, 90n],
      fills: [{ id: "o3", sellAmount: 100n, buyAmount: 90n }],
      unfilled: [],
      swaps: [{ pair: PAIR, tokenIn: B, amountIn: 100n, minAmountOut: 90n }],
    };
    expect(checkSolution(o3, pools, reverse)).toEqual([]);
    expect(checkSolution(o3, pools, { ...reverse, swaps: [] })).toEqual([
      "token 0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: conservation broken by 90",
    ]);
  });
});
