import type { Address } from "viem";
import type { Order } from "../../client/order/order.js";

/** An order handed to the solver, keyed by the relay's order id (its leaf). */
export type SolverOrder = { id: string; order: Order };

/** A Uniswap V2 pair's reserves (0.3% fee), read just before solving. */
export type PoolState = {
  pair: Address;
  token0: Address;
  token1: Address;
  reserve0: bigint;
  reserve1: bigint;
};

/** Why an order stays out of a batch's settlement. */
export type UnfilledReason = "LIMIT_NOT_MET" | "NO_LIQUIDITY" | "UNKNOWN_PAIR";

/** One residual swap against an allow-listed V2 pair, run inside `settle`. */
export type SolverSwap = { pair: Address; tokenIn: Address; amountIn: bigint; minAmountOut: bigint };

/**
 * The solver's answer, in the shape of `VeilSettlement.settle`: distinct `tokens` with one price each
 * (a trade selling `s` of token i buys `floor(s * clearingPrices[i] / clearingPrices[j])` of token j),
 * the filled orders (always in full; `sellAmount` is the order's sell amount net of its signed fee, what
 * trades at the prices) with exactly those amounts, the unfilled ones with a reason, and the
 * residual swaps. For every token: sum(sells in) + sum(swap out) >= sum(buys out) + sum(swap in).
 */
export type Solution = {
  tokens: Address[];
  clearingPrices: bigint[];
  fills: { id: string; sellAmount: bigint; buyAmount: bigint }[];
  unfilled: { id: string; reason: UnfilledReason }[];
  swaps: SolverSwap[];
};
