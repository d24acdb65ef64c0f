import { encodeFunctionData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { routerSwapAbi } from "../bot/uniswapAbis.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import type { PreparedTrade } from "./preparedTrade.js";

/** Priority fee an ordinary wallet offers (1 gwei). */
export const VICTIM_TIP_WEI = 10n ** 9n;

/**
 * Signs the victim's `swapExactTokensForTokens` as a wallet would: quote-based amountOutMin, a deadline,
 * 1 gwei tip. The same raw transaction goes to the public pool, or to the relay's wallet RPC.
 */
export async function signVictimSwap(rt: ScenarioRuntime, t: PreparedTrade): Promise<Hex> {
  const acct = privateKeyToAccount(t.trader.privateKey);
  const block = await rt.client.getBlock({ blockTag: "latest" });
  const data = encodeFunctionData({
    abi: routerSwapAbi,
    functionName: "swapExactTokensForTokens",
    args: [t.sellAmount, t.minBuyAmount, [t.sellToken, t.buyToken], acct.address, block.timestamp + 3600n],
  });
  return acct.signTransaction({
    type: "eip1559",
    chainId: rt.devnet.chainId,
    to: rt.devnet.contracts.uniswapV2.router,
    data,
    nonce: await rt.client.getTransactionCount({ address: acct.address, blockTag: "pending" }),
    gas: 250_000n,
    ...(await rt.fees(VICTIM_TIP_WEI)),
  });
}
