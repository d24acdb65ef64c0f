/**
 * The gas one order costs the operator, from the committed gas bench (`npm run bench -- gas`,
 * bench/results/gas.json, fees on every order): a batch of n orders costs about
 * `BATCH_FIXED_GAS + n * PER_ORDER_GAS` (commit + settle, one residual swap). Measured: 240,075 gas for one
 * order, 62,681 per order at 8, 39,158 at 64; the fit below slightly over-estimates every measured size.
 *
 * Why amortize over `amortizeOrders` and not the batch's real size: the fee is signed before the batch is
 * known. A relay that expects few orders per batch charges more per order (the fixed part is shared by
 * fewer); `--fee-amortize-orders` sets it (default 4: ~89k gas per order).
 */
export const BATCH_FIXED_GAS = 205_000n;
/** Each order's own gas in `settle`: calldata, signature, nonce, leaf, two token transfers, its event. */
export const PER_ORDER_GAS = 38_000n;

/**
 * Gas charged to one order when the batch's fixed gas is shared by `amortizeOrders` orders.
 * @example orderGas(4) // 89_250n
 */
export function orderGas(amortizeOrders: number): bigint {
  const n = BigInt(Math.max(1, Math.floor(amortizeOrders)));
  return (BATCH_FIXED_GAS + n - 1n) / n + PER_ORDER_GAS;
}
