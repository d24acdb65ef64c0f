import type { Order } from "../../client/order/order.js";
import type { PoolState, Solution, SolverOrder } from "./solverTypes.js";

/**
 * Independent re-check of a solution against the contract's rules, for tests and benchmarks: recomputes
 * every buy amount as `VeilSettlement` does, every swap output as `UniswapV2Library.getAmountOut` does,
 * and per-token conservation. Returns the list of violations (empty when the solution would settle).
 */
export function checkSolution(
  orders: readonly SolverOrder[],
  pools: readonly PoolState[],
  s: Solution,
): string[] {
  const errors: string[] = [];
  const byId = new Map<string, Order>(orders.map((o) => [o.id, o.order]));
  const index = new Map(s.tokens.map((t, i) => [t.toLowerCase(), i]));
  if (index.size !== s.tokens.length) errors.push("duplicate token");
  if (s.clearingPrices.length !== s.tokens.length) errors.push("price count mismatch");
  s.clearingPrices.forEach((p, i) => {
    if (p <= 0n || p >= 1n << 256n) errors.push(`price ${i} out of range`);
  });
  const net = new Map<string, bigint>();
  const add = (t: string, v: bigint) => net.set(t.toLowerCase(), (net.get(t.toLowerCase()) ?? 0n) + v);
  const seen = new Set<string>();
  for (const f of s.fills) {
    const o = byId.get(f.id);
    if (!o) {
      errors.push(`fill ${f.id}: unknown order`);
      continue;
    }
    if (seen.has(f.id)) errors.push(`fill ${f.id}: twice`);
    seen.add(f.id);
    const i = index.get(o.sellToken.toLowerCase());
    const j = index.get(o.buyToken.toLowerCase());
    if (i === undefined || j === undefined) {
      errors.push(`fill ${f.id}: token not in tokens`);
      continue;
    }
    // The contract trades the sell amount net of the signed fee; the fee leaves to the fee recipient.
    if (o.feeAmount > o.sellAmount) errors.push(`fill ${f.id}: fee above sellAmount`);
    const net = o.sellAmount - o.feeAmount;
    const buy = (net * s.clearingPrices[i]) / s.clearingPrices[j];
    if (f.sellAmount !== net) errors.push(`fill ${f.id}: partial`);
    if (f.buyAmount !== buy) errors.push(`fill ${f.id}: buyAmount ${f.buyAmount} != contract ${buy}`);
    if (buy < o.minBuyAmount) errors.push(`fill ${f.id}: below limit`);
    add(o.sellToken, net);
    add(o.buyToken, -buy);
  }
  for (const u of s.unfilled) {
    if (seen.has(u.id)) errors.push(`order ${u.id}: both filled and unfilled`);
    seen.add(u.id);
  }
  if (seen.size !== orders.length) errors.push(`orders answered ${seen.size} != ${orders.length}`);
  const usedPools = new Set<string>();
  for (const sw of s.swaps) {
    const p = pools.find((q) => q.pair.toLowerCase() === sw.pair.toLowerCase());
    if (!p) {
      errors.push(`swap on unknown pool ${sw.pair}`);
      continue;
    }
    if (usedPools.has(sw.pair.toLowerCase())) errors.push(`pool ${sw.pair} swapped twice`);
    usedPools.add(sw.pair.toLowerCase());
    const zeroForOne = sw.tokenIn.toLowerCase() === p.token0.toLowerCase();
    const [rIn, rOut, tokenOut] = zeroForOne
      ? [p.reserve0, p.reserve1, p.token1]
      : [p.reserve1, p.reserve0, p.token0];
    const out = (sw.amountIn * 997n * rOut) / (rIn * 1000n + sw.amountIn * 997n);
    if (out !== sw.minAmountOut)
      errors.push(`swap ${sw.pair}: minAmountOut ${sw.minAmountOut} != getAmountOut ${out}`);
    if (!index.has(sw.tokenIn.toLowerCase()) || !index.has(tokenOut.toLowerCase())) {
      errors.push(`swap ${sw.pair}: token not in tokens`);
    }
    add(sw.tokenIn, -sw.amountIn);
    add(tokenOut, out);
  }
  for (const [t, v] of net) if (v < 0n) errors.push(`token ${t}: conservation broken by ${-v}`);
  return errors;
}
