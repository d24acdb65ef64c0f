import { privateKeyToAccount } from "viem/accounts";
import { createVeilClient, type WaitForSettlementReturnType } from "../../client/index.js";
import { devnetAccount } from "./devnetAccounts.js";
import type { DevnetJson } from "./startDevnet.js";

/**
 * Places one honest sealed order through the real client (approve, build, seal, submit) and waits for its
 * settlement: the "does an ordinary order still fill?" check that suites and benches run after doing
 * something hostile to a relay.
 * @example const { state } = await settleSealedOrder(devnet, relayUrl, "trader1", { sellAmount: "0.1" })
 */
export async function settleSealedOrder(
  devnet: DevnetJson,
  relayUrl: string,
  label: string,
  { sellAmount = "0.1", minBuyAmount = "1", timeoutMs = 90_000 } = {},
): Promise<WaitForSettlementReturnType> {
  const veil = createVeilClient({
    relayUrl,
    rpcUrl: devnet.rpcUrl,
    account: privateKeyToAccount(devnetAccount(devnet, label).privateKey),
    settlement: devnet.contracts.settlement,
    tokens: devnet.contracts.tokens,
    pollingIntervalMs: 200,
  });
  await veil.ensureAllowance({ token: "WETH" });
  const order = await veil.buildOrder({ sellToken: "WETH", buyToken: "USDC", sellAmount, minBuyAmount });
  const { id } = await veil.submitSealed({ order });
  return veil.waitForSettlement({ id, order, timeoutMs });
}
