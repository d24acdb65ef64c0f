import { type Address, decodeFunctionData, type Hex } from "viem";
import { routerSwapAbi } from "./uniswapAbis.js";

/** An exact-input Uniswap V2 router swap as a searcher reads it from a pending transaction. */
export type RouterSwap = {
  method: string;
  amountIn: bigint;
  amountOutMin: bigint;
  path: Address[];
  to: Address;
  deadline: bigint;
};

/**
 * Decodes the calldata of a pending transaction to the Router02 into an exact-input swap, or null if it is
 * some other call (exact-output swaps, liquidity, garbage). For the ETH variants the input is `msg.value`
 * and path[0] is WETH.
 * @example decodeRouterSwap(tx.input, BigInt(tx.value))
 */
export function decodeRouterSwap(input: Hex, value: bigint): RouterSwap | null {
  let decoded: ReturnType<typeof decodeFunctionData<typeof routerSwapAbi>>;
  try {
    decoded = decodeFunctionData({ abi: routerSwapAbi, data: input });
  } catch {
    return null;
  }
  const { functionName: method, args } = decoded;
  switch (method) {
    case "swapExactTokensForTokens":
    case "swapExactTokensForETH":
    case "swapExactTokensForTokensSupportingFeeOnTransferTokens":
    case "swapExactTokensForETHSupportingFeeOnTransferTokens": {
      const [amountIn, amountOutMin, path, to, deadline] = args;
      return { method, amountIn, amountOutMin, path: [...path], to, deadline };
    }
    case "swapExactETHForTokens":
    case "swapExactETHForTokensSupportingFeeOnTransferTokens": {
      const [amountOutMin, path, to, deadline] = args;
      return { method, amountIn: value, amountOutMin, path: [...path], to, deadline };
    }
    default:
      return null;
  }
}
