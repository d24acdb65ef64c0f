/**
 * Uniswap V2 constant-product math in exact integers, the same floors as `UniswapV2Library.getAmountOut`
 * (0.3% fee: 997/1000). A searcher must reproduce the pair's arithmetic to the wei, or its bundle reverts.
 */

/** Output of selling `amountIn` into a pool with reserves (reserveIn, reserveOut); 0 for empty input. */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const amountInWithFee = amountIn * 997n;
  return (amountInWithFee * reserveOut) / (reserveIn * 1000n + amountInWithFee);
}

/** Input needed to receive exactly `amountOut` (UniswapV2Library.getAmountIn, rounded up). */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut <= 0n) return 0n;
  if (amountOut >= reserveOut) throw new RangeError("amountOut exceeds the pool's reserve");
  return (reserveIn * amountOut * 1000n) / ((reserveOut - amountOut) * 997n) + 1n;
}

/** Pool reserves oriented along a swap direction. */
export type DirectedReserves = { reserveIn: bigint; reserveOut: bigint };

/** Reserves after selling `amountIn` for `amountOut` in this direction. */
export function afterSwap(r: DirectedReserves, amountIn: bigint, amountOut: bigint): DirectedReserves {
  return { reserveIn: r.reserveIn + amountIn, reserveOut: r.reserveOut - amountOut };
}
