import { type Address, erc20Abi, type PublicClient } from "viem";
import type { Devnet } from "./devnet.js";

/** What an account holds, with every token valued in wei at the WETH pools' spot price. */
export type Wealth = {
  ethWei: bigint;
  /** Token balances in smallest units, by symbol. */
  tokens: Record<"WETH" | "USDC" | "DAI", bigint>;
  /** ETH + WETH + USDC and DAI at the WETH/USDC and WETH/DAI pools' reserves ratio. */
  totalWei: bigint;
};

const balance = (client: PublicClient, token: Address, owner: Address) =>
  client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });

/**
 * An operator's wealth in one unit (issue 17): the relay pays gas in ETH from the operator key and its orders
 * pay fees in their sell tokens to the contract's fee recipient, so with the recipient set to the operator
 * the question "does the operator end richer" is ETH + fee tokens at spot, not ETH alone (nothing swaps
 * the fee tokens back to ETH). Spot = the pool's reserve ratio at the chain head, read from balances as the
 * scenarios do (ScenarioRuntime.midPrices).
 * @example const before = await operatorWealth(client, devnet, operator)
 */
export async function operatorWealth(client: PublicClient, devnet: Devnet, owner: Address): Promise<Wealth> {
  const { tokens, uniswapV2 } = devnet.contracts;
  const [ethWei, weth, usdc, dai] = await Promise.all([
    client.getBalance({ address: owner }),
    balance(client, tokens.WETH, owner),
    balance(client, tokens.USDC, owner),
    balance(client, tokens.DAI, owner),
  ]);
  const spot = async (symbol: "USDC" | "DAI", amount: bigint) => {
    const pair = uniswapV2.pairs[`WETH/${symbol}`];
    if (!pair || amount === 0n) return 0n;
    const [wethInPool, tokenInPool] = await Promise.all([
      balance(client, tokens.WETH, pair),
      balance(client, tokens[symbol], pair),
    ]);
    return tokenInPool === 0n ? 0n : (amount * wethInPool) / tokenInPool;
  };
  const totalWei = ethWei + weth + (await spot("USDC", usdc)) + (await spot("DAI", dai));
  return { ethWei, tokens: { WETH: weth, USDC: usdc, DAI: dai }, totalWei };
}
