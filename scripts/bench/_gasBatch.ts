/**
 * Builds a realistic settlement batch for the gas benchmark: orders on one WETH/USDC pair, about 60% selling
 * WETH and 40% selling USDC, so part crosses inside the batch and the WETH excess is routed to the V2 pool.
 * The clearing price is the highest one at which the batch balances (per-token conservation), computed with
 * exactly the contract's integer arithmetic.
 */
import { type Address, type Hex, keccak256, type LocalAccount, toHex } from "viem";
import { buildMerkleTree } from "../../client/merkle/merkleTree.js";
import { roundFeeUp } from "../../client/order/roundFee.js";
import { hashOrder, ORDER_TYPES, type Order, orderLeaf, veilDomain } from "../../client/order/order.js";

export type BenchTrade = {
  leafIndex: number;
  sellTokenIndex: number;
  buyTokenIndex: number;
  trader: Address;
  sellAmount: bigint;
  minBuyAmount: bigint;
  nonce: bigint;
  validTo: bigint;
  commitBy: bigint;
  feeAmount: bigint;
  salt: Hex;
  signature: Hex;
};

export type BenchBatch = {
  root: Hex;
  leafCount: number;
  leaves: Hex[];
  tokens: [Address, Address];
  clearingPrices: [bigint, bigint];
  trades: BenchTrade[];
  swaps: { pair: Address; tokenIn: Address; amountIn: bigint; minAmountOut: bigint }[];
};

const PRICE_ONE = 10n ** 18n;
/**
 * Order v2's `commitBy` of bench orders: a mainnet-sized block number (4 bytes of calldata, as real orders
 * carry), far above any block the bench's fresh anvil reaches, so the contract's commit-by check passes.
 */
const BENCH_COMMIT_BY = 30_000_000n;
const ZERO_LEAF = `0x${"00".repeat(32)}` as Hex;
/**
 * Signed fee of a bench order selling WETH (issue 17): about its share of a batch's gas at 20 gwei
 * (~40k gas), varied per order, then rounded up to two significant bytes as the relay's quote does
 * (`roundFeeUp`). USDC sellers pay the same value in USDC at the pool's price.
 */
const BENCH_FEE_WETH = 8n * 10n ** 14n;

/** V2 getAmountOut (0.3% fee), as the pair and the contract compute it. */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n) return 0n;
  const withFee = amountIn * 997n;
  return (withFee * reserveOut) / (reserveIn * 1000n + withFee);
}

type Side = { sells: bigint[]; total: bigint };

function balance(pWeth: bigint, weth: Side, usdc: Side, reserveWeth: bigint, reserveUsdc: bigint) {
  const usdcOwed = weth.sells.reduce((acc, s) => acc + (s * pWeth) / PRICE_ONE, 0n);
  const wethOwed = usdc.sells.reduce((acc, s) => acc + (s * PRICE_ONE) / pWeth, 0n);
  const residual = weth.total - wethOwed;
  const out = getAmountOut(residual, reserveWeth, reserveUsdc);
  return { ok: residual > 0n && usdc.total + out >= usdcOwed, residual, out };
}

/**
 * Signs `count` orders (trader i of `traders` places order i) with nonce `nonce`, finds the clearing price
 * and the residual swap against `pair`.
 */
export async function buildBenchBatch(params: {
  count: number;
  traders: LocalAccount[];
  weth: Address;
  usdc: Address;
  pair: Address;
  reserveWeth: bigint;
  reserveUsdc: bigint;
  chainId: number;
  settlement: Address;
  nonce: bigint;
  validTo: bigint;
  round: number;
}): Promise<BenchBatch> {
  const { count, traders, weth, usdc, reserveWeth, reserveUsdc } = params;
  const sellsWeth = (i: number) => i % 5 < 3;
  const amounts = Array.from(
    { length: count },
    (_, i) =>
      sellsWeth(i)
        ? 10n ** 17n * BigInt(3 + ((i * 7 + params.round) % 5)) // 0.3 .. 0.7 WETH
        : 10n ** 6n * BigInt(900 + ((i * 131 + params.round) % 1200)), // 900 .. 2099 USDC
  );
  const spot = (reserveUsdc * PRICE_ONE) / reserveWeth;
  const fees = amounts.map((_, i) => {
    const weth = BENCH_FEE_WETH + BigInt((i * 7919 + params.round) % 100_000) * 10n ** 6n;
    return roundFeeUp(sellsWeth(i) ? weth : (weth * spot) / PRICE_ONE);
  });
  // The batch trades each order's sell amount net of its fee (the fees leave to the fee recipient).
  const weths: Side = { sells: [], total: 0n };
  const usdcs: Side = { sells: [], total: 0n };
  amounts.forEach((a, i) => {
    const side = sellsWeth(i) ? weths : usdcs;
    side.sells.push(a - fees[i]);
    side.total += a - fees[i];
  });
  // Fixed point of p = (Y + out(X - Y/p)) / X, then step down until the batch balances.
  let p = spot;
  for (let k = 0; k < 30; k++) {
    const { residual, out } = balance(p, weths, usdcs, reserveWeth, reserveUsdc);
    p = ((usdcs.total + out) * PRICE_ONE) / weths.total;
    if (residual <= 0n) break;
  }
  while (!balance(p, weths, usdcs, reserveWeth, reserveUsdc).ok) p -= p / 1_000_000n + 1n;
  const { residual, out } = balance(p, weths, usdcs, reserveWeth, reserveUsdc);

  const tokens: [Address, Address] = [weth, usdc];
  const clearingPrices: [bigint, bigint] = [p, PRICE_ONE];
  const trades: BenchTrade[] = [];
  const leaves: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const account = traders[i];
    const w = sellsWeth(i);
    const sellAmount = amounts[i];
    const feeAmount = fees[i];
    const net = sellAmount - feeAmount;
    const buyAmount = w ? (net * p) / PRICE_ONE : (net * PRICE_ONE) / p;
    const order: Order = {
      trader: account.address,
      sellToken: w ? weth : usdc,
      buyToken: w ? usdc : weth,
      sellAmount,
      minBuyAmount: (buyAmount * 99n) / 100n,
      nonce: params.nonce,
      validTo: params.validTo,
      commitBy: BENCH_COMMIT_BY,
      feeAmount,
    };
    const signature = await account.signTypedData({
      domain: veilDomain(params.chainId, params.settlement),
      types: ORDER_TYPES,
      primaryType: "Order",
      message: order,
    });
    // Random-looking like a real client's salt (32 non-zero bytes: calldata cost is realistic).
    const salt = keccak256(toHex(`veil-bench-salt-${params.round}-${i}`));
    leaves.push(orderLeaf(hashOrder(order, params.chainId, params.settlement), salt));
    trades.push({
      leafIndex: i,
      sellTokenIndex: w ? 0 : 1,
      buyTokenIndex: w ? 1 : 0,
      trader: account.address,
      sellAmount,
      minBuyAmount: order.minBuyAmount,
      nonce: params.nonce,
      validTo: params.validTo,
      commitBy: BENCH_COMMIT_BY,
      feeAmount,
      salt,
      signature,
    });
  }
  return {
    root: buildMerkleTree(leaves).root,
    leafCount: count,
    leaves: leaves.map(() => ZERO_LEAF),
    tokens,
    clearingPrices,
    trades,
    swaps: [{ pair: params.pair, tokenIn: weth, amountIn: residual, minAmountOut: out }],
  };
}
