/**
 * Uniswap V2 pricing with the 0.3% fee, in exact integers as UniswapV2Library (and the settlement
 * contract's V2SwapLib) compute it, so an amount the solver plans is the amount the pair pays.
 */

/**
 * `UniswapV2Library.getAmountOut`: output for `amountIn`, rounded down.
 * @example getAmountOut(10n ** 18n, reserveWeth, reserveUsdc)
 */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const amountInWithFee = amountIn * 997n;
  return (amountInWithFee * reserveOut) / (reserveIn * 1000n + amountInWithFee);
}

/**
 * `UniswapV2Library.getAmountIn`: the smallest input whose `getAmountOut` is at least `amountOut`;
 * null when the pool cannot pay `amountOut` at all.
 */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint | null {
  if (amountOut <= 0n) return 0n;
  if (reserveIn <= 0n || amountOut >= reserveOut) return null;
  return (reserveIn * amountOut * 1000n) / ((reserveOut - amountOut) * 997n) + 1n;
}

/** Float approximation of `getAmountOut`, for the solver's price search only (never for amounts). */
export function amountOutApprox(amountIn: number, reserveIn: number, reserveOut: number): number {
  const withFee = amountIn * 997;
  return (withFee * reserveOut) / (reserveIn * 1000 + withFee);
}
