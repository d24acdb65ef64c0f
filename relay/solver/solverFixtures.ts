import { type Address, getAddress } from "viem";
import type { Order } from "../../client/order/order.js";
import type { PoolState, SolverOrder } from "./solverTypes.js";

/** Seeded PRNG (mulberry32): reproducible random batches for tests and benchmarks. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic test addresses: `address(n)` = 0x000...n (checksummed). */
export const address = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

export const TOKEN_X = address(0xa1);
export const TOKEN_Y = address(0xb2);
export const TOKEN_Z = address(0xc3);
const TRADER = address(0x7);

/** An order with the fields the solver reads (the rest fixed). */
export function order(
  id: string,
  sellToken: Address,
  buyToken: Address,
  sell: bigint,
  minBuy: bigint,
): SolverOrder {
  const o: Order = {
    trader: TRADER,
    sellToken,
    buyToken,
    sellAmount: sell,
    minBuyAmount: minBuy,
    nonce: 0n,
    validTo: 2n ** 40n,
    feeAmount: 0n,
    commitBy: 2n ** 40n,
  };
  return { id, order: o };
}

/** A V2 pool state with token0 < token1 as Uniswap orders them. */
export function pool(pair: Address, t0: Address, r0: bigint, t1: Address, r1: bigint): PoolState {
  return t0.toLowerCase() < t1.toLowerCase()
    ? { pair, token0: t0, token1: t1, reserve0: r0, reserve1: r1 }
    : { pair, token0: t1, token1: t0, reserve0: r1, reserve1: r0 };
}

/**
 * A random batch around the pools' prices: `n` orders over the given token pairs, sizes log-uniform over
 * `sizeDecades` decades, limits within +-`spread` of the pool's spot rate (or of 1:1 without pool).
 */
export function randomBatch(
  rand: () => number,
  n: number,
  pairs: { a: Address; b: Address; rate: number }[],
  { sizeDecades = 4, spread = 0.05, unit = 10n ** 18n } = {},
): SolverOrder[] {
  const out: SolverOrder[] = [];
  for (let i = 0; i < n; i++) {
    const p = pairs[Math.floor(rand() * pairs.length)];
    const sellsA = rand() < 0.5;
    const size = 10 ** (rand() * sizeDecades);
    const sell = BigInt(Math.floor(size * 1e6)) * (unit / 1_000_000n) + BigInt(Math.floor(rand() * 1e6));
    const rate = (sellsA ? p.rate : 1 / p.rate) * (1 + (rand() * 2 - 1) * spread);
    const minBuy = BigInt(Math.floor(Number(sell) * rate));
    const id = `0x${(i + 1).toString(16).padStart(64, "0")}`;
    out.push(order(id, sellsA ? p.a : p.b, sellsA ? p.b : p.a, sell, minBuy));
  }
  return out;
}

/** Fisher-Yates shuffle with the given PRNG (a copy). */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
