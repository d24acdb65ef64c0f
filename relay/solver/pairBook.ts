import type { Address } from "viem";

/**
 * One token pair's order book, as the solver searches it. Token A is the pair's lower address, B the higher;
 * every rate `x` in the solver is "B per A" (raw units), i.e. `price[A] / price[B]`.
 */

/** An order of the book: `sell` of its side's sell token for at least `minBuy` of the other. */
export type BookOrder = {
  id: string;
  sell: bigint;
  minBuy: bigint;
  sellF: number;
  limit: number;
  filled: boolean;
};

/**
 * One side of the book, most generous order first (side A: lowest acceptable rate first; side B: highest
 * acceptable rate first), ties broken by id so the result never depends on input order. `lim[i]` is the
 * float limit rate of `orders[i]` and `cum[i]` the float sum of the first `i` sell amounts: both only steer
 * the search, every decision that moves tokens is re-checked in integers.
 */
export type BookSide = { orders: BookOrder[]; lim: Float64Array; cum: Float64Array };

/** A V2 pool oriented to the book: `rA` reserve of token A, `rB` of token B. */
export type BookPool = { pair: Address; rA: bigint; rB: bigint };

export type PairBook = {
  key: string;
  tokenA: Address;
  tokenB: Address;
  /** Orders selling A for B; limit = minBuy / sell (lowest rate accepted). */
  a: BookSide;
  /** Orders selling B for A; limit = sell / minBuy (highest rate accepted). */
  b: BookSide;
  pool: BookPool | null;
};

/** Below this side size a comparator sort is faster than the radix passes. */
const RADIX_MIN = 16_384;

/**
 * Indices of `keys` (non-negative doubles, +Infinity allowed) in ascending order: an LSD radix sort on the
 * IEEE-754 bits (which order like the values for non-negative doubles), 4 passes of 16 bits. Several times
 * faster than a comparator sort for 100k orders, which is what keeps a 100k-order batch within budget.
 */
function radixOrder(keys: Float64Array): Uint32Array {
  const n = keys.length;
  if (n < RADIX_MIN) {
    // the 64k-bucket passes cost more than they save on small sides
    return new Uint32Array(n)
      .map((_, i) => i)
      .sort((i, j) => (keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0));
  }
  const words = new Uint32Array(keys.buffer, keys.byteOffset, n * 2); // little endian: [lo, hi] per key
  let idx = new Uint32Array(n);
  let tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(words[idx[i] * 2 + word] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      tmp[count[(words[k * 2 + word] >>> shift) & 0xffff]++] = k;
    }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}

const byId = (x: BookOrder, y: BookOrder) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

/** Sorts one side and builds its search arrays. `ascending` for side A, descending for side B. */
export function buildSide(unsorted: BookOrder[], ascending: boolean): BookSide {
  const n = unsorted.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = unsorted[i].limit;
  const order = radixOrder(keys);
  const orders: BookOrder[] = new Array(n);
  for (let i = 0; i < n; i++) orders[i] = unsorted[order[ascending ? i : n - 1 - i]];
  // equal limits: by id, so the result never depends on input order
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && orders[j].limit === orders[i].limit) j++;
    if (j - i > 1) {
      const run = orders.slice(i, j).sort(byId);
      for (let k = i; k < j; k++) orders[k] = run[k - i];
    }
    i = j;
  }
  const lim = new Float64Array(n);
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    lim[i] = orders[i].limit;
    cum[i + 1] = cum[i] + orders[i].sellF;
  }
  return { orders, lim, cum };
}

/** Number of side-A orders whose float limit is <= x (they accept rate x). */
export function countA(side: BookSide, x: number): number {
  let lo = 0;
  let hi = side.lim.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (side.lim[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of side-B orders whose float limit is >= x (they accept rate x). */
export function countB(side: BookSide, x: number): number {
  let lo = 0;
  let hi = side.lim.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (side.lim[mid] >= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Integer prices `(pA, pB)` with `pA / pB` equal to the double `x` (64 significant bits of headroom).
 * The contract multiplies with a 512-bit intermediate (`fullMulDiv`), so only each price must fit 256 bits.
 */
export function ratePrices(x: number): [bigint, bigint] | null {
  if (!(x > 0) || !Number.isFinite(x) || x < 2 ** -120 || x > 2 ** 120) return null;
  const k = 64 - Math.floor(Math.log2(x));
  if (k <= 0) return [BigInt(Math.round(x)), 1n];
  return [BigInt(Math.round(x * 2 ** k)), 1n << BigInt(k)];
}
