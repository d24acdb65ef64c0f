import { type Address, createPublicClient, createWalletClient, defineChain, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type DemoContracts, deployDemo } from "./deployDemo.js";
import { deploySettlement } from "./deploySettlement.js";
import type { DevnetAccount } from "./devnetAccounts.js";
import { devnetAccount } from "./devnetAccounts.js";
import { rpcCall } from "./jsonRpc.js";

/** Addresses of everything the devnet deploys (the `contracts` member of devnet.json). */
export type DevnetContracts = DemoContracts & { settlement: Address };

/**
 * Settlement window on the devnet, in blocks: short, so a test sees a batch commit, reveal and settle within
 * seconds (the README's devnet section states these values).
 */
export const DEVNET_REVEAL_DELAY = 2n;
export const DEVNET_EXPIRY = 20n;

/**
 * Deploys the demo stack and VeilSettlement (operator = account 1, the three pools allow-listed) on a fresh
 * anvil. anvil mines each tx at once meanwhile (automine), and is back to --no-mining when this returns, so
 * from then on only the builder produces blocks.
 *
 * @example const contracts = await deployDevnetContracts(anvil.url, 31337, devnetAccounts());
 */
export async function deployDevnetContracts(
  anvilUrl: string,
  chainId: number,
  accounts: DevnetAccount[],
): Promise<DevnetContracts> {
  const chain = defineChain({
    id: chainId,
    name: "Veil devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvilUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(anvilUrl), pollingInterval: 20 });
  const key = (label: string) => devnetAccount(accounts, label);

  await rpcCall(anvilUrl, "evm_setAutomine", [true]);
  try {
    const demo = await deployDemo({ rpcUrl: anvilUrl, chain, publicClient, accounts });
    const owner = privateKeyToAccount(key("deployer").privateKey);
    const settlement = await deploySettlement({
      walletClient: createWalletClient({ account: owner, chain, transport: http(anvilUrl) }),
      publicClient,
      owner: owner.address,
      operators: [key("operator").address],
      pools: Object.values(demo.uniswapV2.pairs),
      revealDelay: DEVNET_REVEAL_DELAY,
      expiry: DEVNET_EXPIRY,
    });
    return { ...demo, settlement: getAddress(settlement) };
  } finally {
    await rpcCall(anvilUrl, "evm_setAutomine", [false]);
  }
}
