import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { loadForgeArtifact } from "./artifacts.js";

export type DeploySettlementParameters = {
  /** Sends the deploy and setup txs; its account must be `owner` when operators or pools are given. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  owner: Address;
  operators?: readonly Address[];
  /** Uniswap V2 pairs allowed for residual swaps. */
  pools?: readonly Address[];
  /** Blocks after commit before settle may land (devnet default 2). */
  revealDelay?: bigint;
  /** Blocks after commit after which settle can no longer land (devnet default 20). */
  expiry?: bigint;
};

/**
 * Deploys VeilSettlement from its forge artifact (contracts/out, see `ensureContractsBuilt`), then
 * allow-lists operators and pools. Each tx is awaited to its receipt, so this works on an automining anvil
 * as well as on the devnet where only the builder produces blocks (as long as blocks are being built).
 *
 * @returns the settlement contract's address
 * @example const settlement = await deploySettlement({ walletClient, publicClient, owner, operators: [op], pools });
 */
export async function deploySettlement({
  walletClient,
  publicClient,
  owner,
  operators = [],
  pools = [],
  revealDelay = 2n,
  expiry = 20n,
}: DeploySettlementParameters): Promise<Address> {
  const { bytecode } = loadForgeArtifact("VeilSettlement");
  const deployHash = await walletClient.deployContract({
    abi: veilSettlementAbi,
    bytecode,
    args: [owner, revealDelay, expiry],
    chain: walletClient.chain,
  });
  const receipt = await waitOk(publicClient, deployHash, "deploy VeilSettlement");
  const settlement = receipt.contractAddress;
  if (!settlement) throw new Error(`deploy VeilSettlement (${deployHash}) created no contract`);
  const setups: [string, Hash][] = [];
  for (const operator of operators) {
    const hash = await walletClient.writeContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "setOperator",
      args: [operator, true],
      chain: walletClient.chain,
    });
    setups.push([`setOperator(${operator})`, hash]);
  }
  for (const pair of pools) {
    const hash = await walletClient.writeContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "setPool",
      args: [pair, true],
      chain: walletClient.chain,
    });
    setups.push([`setPool(${pair})`, hash]);
  }
  for (const [what, hash] of setups) await waitOk(publicClient, hash, what);
  return settlement;
}

async function waitOk(publicClient: PublicClient, hash: Hash, what: string) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (tx ${hash})`);
  return receipt;
}
