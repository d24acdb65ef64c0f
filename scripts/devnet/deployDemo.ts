import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  parseUnits,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ContractArtifact, loadForgeArtifact, loadUniswapArtifact } from "./artifacts.js";
import type { DevnetAccount } from "./devnetAccounts.js";
import { devnetAccount } from "./devnetAccounts.js";

/** Symbols of the demo tokens, pinned: other parts look tokens up by these keys. */
export type TokenSymbol = "WETH" | "USDC" | "DAI";

/** Pools created on the devnet, named "BASE/QUOTE" with the symbols above. */
export const DEVNET_POOLS = [
  { name: "WETH/USDC", a: "WETH", b: "USDC", amountA: "1000", amountB: "3000000" },
  { name: "WETH/DAI", a: "WETH", b: "DAI", amountA: "1000", amountB: "3000000" },
  { name: "DAI/USDC", a: "DAI", b: "USDC", amountA: "1000000", amountB: "1000000" },
] as const;

export const TOKEN_DECIMALS: Record<TokenSymbol, number> = { WETH: 18, USDC: 6, DAI: 18 };

/** What every funded account (traders, searcher, wallet) receives, in whole tokens. */
const FUNDING = { WETH: "100", STABLE: "1000000" } as const;
const FUNDED_LABELS = ["trader1", "trader2", "trader3", "trader4", "searcher", "wallet"];
const LP_WETH = "2000";
const LP_STABLE = "4000000";

export type DemoContracts = {
  tokens: Record<TokenSymbol, Address>;
  uniswapV2: { factory: Address; router: Address; weth: Address; pairs: Record<string, Address> };
};

type Wallet = WalletClient<Transport, Chain, Account>;

/**
 * Deploys the demo stack on a fresh chain that mines each transaction at once (the caller switches anvil
 * to automine for this): WETH9, two DemoTokens (USDC 6 decimals, DAI 18), the real Uniswap V2 factory and
 * Router02 from their npm builds, three pools funded by "lp", and token balances for the traders,
 * the searcher and the wallet.
 *
 * @param params clients, chain and the labelled accounts
 * @returns deployed addresses
 * @example const contracts = await deployDemo({ rpcUrl, chain, publicClient, accounts });
 */
export async function deployDemo({
  rpcUrl,
  chain,
  publicClient,
  accounts,
}: {
  rpcUrl: string;
  chain: Chain;
  publicClient: PublicClient;
  accounts: DevnetAccount[];
}): Promise<DemoContracts> {
  const wallet = (label: string): Wallet => {
    const key = devnetAccount(accounts, label).privateKey;
    return createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(rpcUrl) });
  };
  const confirm = async (hash: Hex, what: string): Promise<Address | null | undefined> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`devnet deploy: ${what} reverted (tx ${hash})`);
    return receipt.contractAddress;
  };
  const deploy = async (w: Wallet, artifact: ContractArtifact, args: unknown[], what: string) => {
    const hash = await w.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args });
    const address = await confirm(hash, what);
    if (!address) throw new Error(`devnet deploy: ${what} has no contract address`);
    return getAddress(address);
  };
  const call = async (
    w: Wallet,
    address: Address,
    abi: Abi,
    functionName: string,
    args: unknown[],
    value?: bigint,
  ) => {
    const hash = await w.writeContract({ address, abi, functionName, args, value });
    await confirm(hash, `${functionName} on ${address}`);
  };

  const deployer = wallet("deployer");
  const weth9 = loadUniswapArtifact("WETH9");
  const demoToken = loadForgeArtifact("DemoToken");
  const router02 = loadUniswapArtifact("UniswapV2Router02");
  const factoryArtifact = loadUniswapArtifact("UniswapV2Factory");

  const tokens: Record<TokenSymbol, Address> = {
    WETH: await deploy(deployer, weth9, [], "WETH9"),
    USDC: await deploy(deployer, demoToken, ["USD Coin (devnet)", "USDC", 6], "USDC"),
    DAI: await deploy(deployer, demoToken, ["Dai Stablecoin (devnet)", "DAI", 18], "DAI"),
  };
  const factory = await deploy(deployer, factoryArtifact, [deployer.account.address], "UniswapV2Factory");
  const router = await deploy(deployer, router02, [factory, tokens.WETH], "UniswapV2Router02");

  const amount = (symbol: TokenSymbol, whole: string) => parseUnits(whole, TOKEN_DECIMALS[symbol]);
  const fund = async (label: string, weth: string, stable: string) => {
    const w = wallet(label);
    const to = w.account.address;
    await call(deployer, tokens.USDC, demoToken.abi, "mint", [to, amount("USDC", stable)]);
    await call(deployer, tokens.DAI, demoToken.abi, "mint", [to, amount("DAI", stable)]);
    await call(w, tokens.WETH, weth9.abi, "deposit", [], amount("WETH", weth));
  };

  await fund("lp", LP_WETH, LP_STABLE);
  const lp = wallet("lp");
  const maxUint = 2n ** 256n - 1n;
  for (const symbol of ["WETH", "USDC", "DAI"] as const) {
    await call(lp, tokens[symbol], demoToken.abi, "approve", [router, maxUint]);
  }
  const pairs: Record<string, Address> = {};
  const deadline = 2n ** 40n;
  for (const pool of DEVNET_POOLS) {
    const [amountA, amountB] = [amount(pool.a, pool.amountA), amount(pool.b, pool.amountB)];
    const args = [
      tokens[pool.a],
      tokens[pool.b],
      amountA,
      amountB,
      amountA,
      amountB,
      lp.account.address,
      deadline,
    ];
    await call(lp, router, router02.abi, "addLiquidity", args);
    pairs[pool.name] = (await publicClient.readContract({
      address: factory,
      abi: factoryArtifact.abi,
      functionName: "getPair",
      args: [tokens[pool.a], tokens[pool.b]],
    })) as Address;
  }

  for (const label of FUNDED_LABELS) await fund(label, FUNDING.WETH, FUNDING.STABLE);
  return { tokens, uniswapV2: { factory, router, weth: tokens.WETH, pairs } };
}
