import { describe, expect, it } from "vitest";
import { checkSolution } from "./solutionChecks.js";
import { solveBatch } from "./solveBatch.js";
import {
  address,
  order,
  pool,
  prng,
  randomBatch,
  shuffled,
  TOKEN_X as X,
  TOKEN_Y as Y,
  TOKEN_Z as Z,
} from "./solverFixtures.js";
import type { PoolState, SolverOrder } from "./solverTypes.js";
import { getAmountOut } from "./uniswapV2Math.js";

const E18 = 10n ** 18n;
const PAIR_XY = address(0x1001);
const PAIR_XZ = address(0x1002);
const PAIR_YZ = address(0x1003);

function solveChecked(orders: SolverOrder[], pools: PoolState[]) {
  const s = solveBatch(orders, pools);
  expect(checkSolution(orders, pools, s)).toEqual([]);
  return s;
}
const reasonOf = (s: ReturnType<typeof solveBatch>, id: string) =>
  s.unfilled.find((u) => u.id === id)?.reason;
const fillOf = (s: ReturnType<typeof solveBatch>, id: string) => s.fills.find((f) => f.id === id);

describe("solveBatch", () => {
  it("should cross two opposite orders at one price without touching the pool", () => {
    const orders = [order("a", X, Y, 10n * E18, 20n * E18), order("b", Y, X, 25n * E18, 9n * E18)];
    const s = solveChecked(orders, [pool(PAIR_XY, X, 1000n * E18, Y, 1000n * E18)]);
    expect(s.swaps).toEqual([]);
    expect(fillOf(s, "a")).toEqual({ id: "a", sellAmount: 10n * E18, buyAmount: 25n * E18 });
    expect(fillOf(s, "b")).toEqual({ id: "b", sellAmount: 25n * E18, buyAmount: 10n * E18 });
    expect(s.tokens).toEqual([X, Y]);
    const [px, py] = s.clearingPrices;
    expect(px * 10n).toBe(py * 25n); // uniform rate 2.5 Y per X
  });

  it("should fill every order of a balanced book at the market rate, not stop at the first prefix that takes one side whole", () => {
    // 5 X sellers and 5 Y sellers, balanced at the pool's 3 Y per X; the Y side's limits are generous enough
    // to take all its orders against 4 X sellers at 3.75. The coincidence of wants once ranked prefixes by Y
    // volume alone and stopped there: 9 of 10 filled at 3.75 (a CI run of operatorMargin.test.ts: 48 of 50).
    const orders = [
      ...[1, 2, 3, 4, 5].map((i) => order(`x${i}`, X, Y, E18, (27n * E18) / 10n)),
      ...[1, 2, 3, 4, 5].map((i) => order(`y${i}`, Y, X, 3n * E18, (8n * E18) / 10n)),
    ];
    const s = solveChecked(orders, [pool(PAIR_XY, X, 1000n * E18, Y, 3000n * E18)]);
    expect(s.unfilled).toEqual([]);
    expect(s.fills).toHaveLength(10);
    const [px, py] = s.clearingPrices;
    expect(px).toBe(py * 3n); // 3 Y per X: both sides whole, nothing through the pool
    expect(s.swaps).toEqual([]);
  });

  it("should trade each order's sell amount net of its signed fee (order v3), limits on the net amount", () => {
    const a = order("a", X, Y, 10n * E18, 20n * E18);
    const b = order("b", Y, X, 25n * E18, 9n * E18);
    a.order.feeAmount = E18; // 9 X trade
    b.order.feeAmount = 2n * E18; // 23 Y trade
    const s = solveChecked([a, b], [pool(PAIR_XY, X, 1000n * E18, Y, 1000n * E18)]);
    expect(fillOf(s, "a")?.sellAmount).toBe(9n * E18);
    expect(fillOf(s, "b")?.sellAmount).toBe(23n * E18);
    // a's limit holds on the net: 9 X must buy >= 20 Y. With a's fee at 1.5 X it cannot at b's rate alone.
    const [px, py] = s.clearingPrices;
    expect((9n * E18 * px) / py >= 20n * E18).toBe(true);
    const greedy = order("c", X, Y, 10n * E18, 10n * E18);
    greedy.order.feeAmount = 10n * E18; // nothing left to trade
    expect(reasonOf(solveBatch([greedy], [pool(PAIR_XY, X, 1000n * E18, Y, 1000n * E18)]), "c")).toBe(
      "LIMIT_NOT_MET",
    );
  });

  it("should cross opposite orders with no pool at all", () => {
    const orders = [order("a", X, Y, 3n * E18, 5n * E18), order("b", Y, X, 7n * E18, 2n * E18)];
    const s = solveChecked(orders, []);
    expect(s.fills.map((f) => f.id).sort()).toEqual(["a", "b"]);
    expect(s.unfilled).toEqual([]);
  });

  it("should route a one-sided batch through the pool and fill every order within its limit", () => {
    const orders = [
      order("a1", X, Y, 1n * E18, (199n * E18) / 100n),
      order("a2", X, Y, 2n * E18, (396n * E18) / 100n),
      order("a3", X, Y, E18 / 2n, (99n * E18) / 100n),
    ];
    const pools = [pool(PAIR_XY, X, 10_000n * E18, Y, 20_000n * E18)];
    const s = solveChecked(orders, pools);
    expect(s.fills).toHaveLength(3);
    expect(s.swaps).toHaveLength(1);
    expect(s.swaps[0].tokenIn).toBe(X);
    expect(s.swaps[0].amountIn).toBeLessThanOrEqual((35n * E18) / 10n);
    for (const f of s.fills) {
      const o = orders.find((q) => q.id === f.id)!;
      expect(f.buyAmount).toBeGreaterThanOrEqual(o.order.minBuyAmount);
    }
  });

  it("should route the residual of a two-sided batch through the pool when that fills more orders", () => {
    const orders = [
      order("a1", X, Y, 10n * E18, 19n * E18),
      order("a2", X, Y, 10n * E18, 19n * E18),
      order("b1", Y, X, 5n * E18, (24n * E18) / 10n),
    ];
    const pools = [pool(PAIR_XY, X, 100_000n * E18, Y, 200_000n * E18)];
    const s = solveChecked(orders, pools);
    expect(s.fills).toHaveLength(3);
    expect(s.swaps).toHaveLength(1);
    expect(s.swaps[0].tokenIn).toBe(X);
    // the pool takes only the imbalance, not the matched part
    expect(s.swaps[0].amountIn).toBeLessThan(18n * E18);
  });

  it("should clear opposite orders at the pool's price, not at the ratio of their amounts, when both fill", () => {
    // Alone, a and b cross at 25/10 = 2.5 Y per X: b's worst acceptable rate, far off the pool's 2.0.
    const orders = [order("a", X, Y, 10n * E18, 15n * E18), order("b", Y, X, 25n * E18, 10n * E18)];
    const s = solveChecked(orders, [pool(PAIR_XY, X, 1000n * E18, Y, 2000n * E18)]);
    expect(s.fills).toHaveLength(2);
    const a = fillOf(s, "a")!;
    const rate = Number(a.buyAmount) / Number(a.sellAmount);
    expect(Math.abs(rate - 2) / 2).toBeLessThan(0.01);
    expect(fillOf(s, "b")!.buyAmount).toBeGreaterThan((12n * E18 * 99n) / 100n); // ~12.5 X, not 10
    expect(s.swaps).toHaveLength(1); // the residual Y goes through the pool
  });

  it("should leave an order whose limit beats the market unfilled with LIMIT_NOT_MET", () => {
    const orders = [order("greedy", X, Y, E18, 3n * E18), order("fine", X, Y, E18, (19n * E18) / 10n)];
    const s = solveChecked(orders, [pool(PAIR_XY, X, 1000n * E18, Y, 2000n * E18)]);
    expect(reasonOf(s, "greedy")).toBe("LIMIT_NOT_MET");
    expect(fillOf(s, "fine")).toBeDefined();
    const alone = solveChecked([orders[0]], [pool(PAIR_XY, X, 1000n * E18, Y, 2000n * E18)]);
    expect(alone.fills).toEqual([]);
    expect(alone.tokens).toEqual([]);
    expect(reasonOf(alone, "greedy")).toBe("LIMIT_NOT_MET");
  });

  it("should fill a zero-slippage order (limit = the router's quote) at exactly the router's output", () => {
    const rand = prng(7);
    for (let i = 0; i < 200; i++) {
      const rX = BigInt(Math.floor(rand() * 1e9) + 1) * 10n ** BigInt(9 + Math.floor(rand() * 12));
      const rY = BigInt(Math.floor(rand() * 1e9) + 1) * 10n ** BigInt(6 + Math.floor(rand() * 15));
      const sell = (rX * BigInt(Math.floor(rand() * 200) + 1)) / 1000n + 1n;
      const [from, to, rIn, rOut] = i % 2 ? [X, Y, rX, rY] : [Y, X, rY, rX];
      const quote = getAmountOut(sell, rIn, rOut);
      if (quote === 0n) continue;
      const s = solveChecked([order("exact", from, to, sell, quote)], [pool(PAIR_XY, X, rX, Y, rY)]);
      expect(fillOf(s, "exact"), `trade ${i}: ${sell} in, reserves ${rIn}/${rOut}`).toEqual({
        id: "exact",
        sellAmount: sell,
        buyAmount: quote,
      });
      // one unit more than the pool pays cannot fill
      const greedy = solveChecked(
        [order("greedy", from, to, sell, quote + 1n)],
        [pool(PAIR_XY, X, rX, Y, rY)],
      );
      expect(greedy.fills).toEqual([]);
    }
  });

  it("should fill same-side orders at the rate of one combined pool swap", () => {
    const pools = [pool(PAIR_XY, X, 10_000n * E18, Y, 20_000n * E18)];
    const sells = [E18, 3n * E18, 5n * E18];
    const total = sells.reduce((a, b) => a + b, 0n);
    const out = getAmountOut(total, 10_000n * E18, 20_000n * E18);
    const orders = sells.map((sell, i) => order(`o${i}`, X, Y, sell, (sell * out) / total));
    const s = solveChecked(orders, pools);
    expect(s.fills).toHaveLength(3);
    expect(s.swaps).toEqual([expect.objectContaining({ tokenIn: X, amountIn: total, minAmountOut: out })]);
  });

  it("should answer NO_LIQUIDITY for an order the pool is too shallow to fill at its limit", () => {
    const orders = [order("whale", X, Y, 1000n * E18, 900n * E18)];
    const s = solveChecked(orders, [pool(PAIR_XY, X, 1000n * E18, Y, 1000n * E18)]);
    expect(reasonOf(s, "whale")).toBe("NO_LIQUIDITY");
  });

  it("should answer UNKNOWN_PAIR with no pool and no counterparty, or the same token on both sides", () => {
    const orders = [order("lonely", X, Z, E18, 1n), order("loop", Y, Y, E18, 1n)];
    const s = solveChecked(orders, [pool(PAIR_XY, X, E18, Y, E18)]);
    expect(reasonOf(s, "lonely")).toBe("UNKNOWN_PAIR");
    expect(reasonOf(s, "loop")).toBe("UNKNOWN_PAIR");
  });

  it("should price a cycle of three pairs with one price per token and conserve every token", () => {
    const pools = [
      pool(PAIR_XY, X, 1000n * E18, Y, 2000n * E18),
      pool(PAIR_XZ, X, 1000n * E18, Z, 3000n * E18),
      pool(PAIR_YZ, Y, 2000n * E18, Z, 3000n * E18),
    ];
    const orders = randomBatch(
      prng(7),
      60,
      [
        { a: X, b: Y, rate: 2 },
        { a: X, b: Z, rate: 3 },
        { a: Y, b: Z, rate: 1.5 },
      ],
      { sizeDecades: 1 },
    );
    const s = solveChecked(orders, pools);
    expect(new Set(s.tokens).size).toBe(3);
    expect(s.fills.length).toBeGreaterThan(15);
    const pairsTraded = new Set(
      s.fills.map((f) => {
        const o = orders.find((q) => q.id === f.id)!.order;
        return [o.sellToken, o.buyToken].sort().join("/");
      }),
    );
    // the third pair must trade at the rate the other two imply; here that rate sits inside its pool's fee
    // band, so it can only trade if its own orders balance exactly: at least the two free pairs trade
    expect(pairsTraded.size).toBeGreaterThanOrEqual(2);
  });

  it("should conserve every token exactly and respect every limit over many random batches with pools", () => {
    const rand = prng(42);
    let filled = 0;
    let swapped = 0;
    for (let round = 0; round < 150; round++) {
      const rx = BigInt(Math.floor(1 + rand() * 1e6)) * 10n ** BigInt(12 + Math.floor(rand() * 10));
      const ry = BigInt(Math.floor(1 + rand() * 1e6)) * 10n ** BigInt(6 + Math.floor(rand() * 16));
      const rate = Number(ry) / Number(rx);
      const withPool = round % 4 !== 0;
      const pools = withPool ? [pool(PAIR_XY, X, rx, Y, ry)] : [];
      const orders = randomBatch(rand, 1 + Math.floor(rand() * 80), [{ a: X, b: Y, rate }], {
        sizeDecades: 1 + Math.floor(rand() * 6),
        spread: 0.001 + rand() * 0.2,
        unit: 10n ** BigInt(6 + Math.floor(rand() * 13)),
      });
      const s = solveChecked(orders, pools);
      filled += s.fills.length;
      swapped += s.swaps.length;
    }
    // the property must not hold vacuously
    expect(filled).toBeGreaterThan(1000);
    expect(swapped).toBeGreaterThan(50);
  });

  it("should conserve every token over random multi-pair batches whose pools disagree on prices", () => {
    const rand = prng(1234);
    let implied = 0;
    for (let round = 0; round < 40; round++) {
      const r = () => BigInt(Math.floor(1e3 + rand() * 1e6)) * 10n ** BigInt(12 + Math.floor(rand() * 8));
      const [rx1, ry1, rx2, rz2, ry3, rz3] = [r(), r(), r(), r(), r(), r()];
      const pools = [
        pool(PAIR_XY, X, rx1, Y, ry1),
        pool(PAIR_XZ, X, rx2, Z, rz2),
        pool(PAIR_YZ, Y, ry3, Z, rz3),
      ];
      const rate = (a: bigint, b: bigint) => Number(b) / Number(a);
      const orders = randomBatch(
        rand,
        20 + Math.floor(rand() * 100),
        [
          { a: X, b: Y, rate: rate(rx1, ry1) },
          { a: X, b: Z, rate: rate(rx2, rz2) },
          { a: Y, b: Z, rate: rate(ry3, rz3) },
        ],
        { sizeDecades: 3, spread: 0.1, unit: 10n ** 15n },
      );
      const s = solveChecked(orders, pools);
      if (s.tokens.length === 3 && s.swaps.length >= 1) implied++;
    }
    expect(implied).toBeGreaterThan(5);
  });

  it("should conserve exactly on adversarial amounts: dust, huge, zero limits, 1-wei reserves", () => {
    const rand = prng(9);
    for (let round = 0; round < 60; round++) {
      const orders: SolverOrder[] = [];
      for (let i = 0; i < 30; i++) {
        const sell = [1n, 7n, 10n ** 30n, BigInt(Math.floor(rand() * 1e9)) + 1n][i % 4];
        const minBuy = [0n, 1n, sell, sell * 3n, BigInt(Math.floor(rand() * 1e9))][Math.floor(rand() * 5)];
        const [s, b] = rand() < 0.5 ? [X, Y] : [Y, X];
        orders.push(order(`o${round}-${i}`, s, b, sell, minBuy));
      }
      const r = [1n, 1000n, 10n ** 27n][round % 3];
      solveChecked(orders, [pool(PAIR_XY, X, r, Y, r * 3n)]);
    }
  });

  it("should return the same solution for the same orders in any order", () => {
    const pools = [
      pool(PAIR_XY, X, 1000n * E18, Y, 2000n * E18),
      pool(PAIR_XZ, X, 1000n * E18, Z, 3000n * E18),
    ];
    const orders = randomBatch(prng(3), 300, [
      { a: X, b: Y, rate: 2 },
      { a: X, b: Z, rate: 3 },
      { a: Y, b: Z, rate: 1.5 },
    ]);
    const base = solveChecked(orders, pools);
    for (let seed = 1; seed <= 5; seed++) {
      expect(solveBatch(shuffled(orders, prng(seed)), shuffled(pools, prng(seed)))).toEqual(base);
    }
  });
});
