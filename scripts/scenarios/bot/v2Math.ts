/**
 * A searcher's view of a Uniswap V2 pool along one swap direction. The pair's arithmetic itself
 * (`getAmountOut` / `getAmountIn`, to the wei, or a bundle reverts) is the solver's: relay/solver/uniswapV2Math.ts.
 */

/** Pool reserves oriented along a swap direction. */
export type DirectedReserves = { reserveIn: bigint; reserveOut: bigint };

/** Reserves after selling `amountIn` for `amountOut` in this direction. */
export function afterSwap(r: DirectedReserves, amountIn: bigint, amountOut: bigint): DirectedReserves {
  return { reserveIn: r.reserveIn + amountIn, reserveOut: r.reserveOut - amountOut };
}
