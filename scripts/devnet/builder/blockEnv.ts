import { type Address, type Hex, hexToBigInt, numberToHex } from "viem";
import { rpcCall } from "../jsonRpc.js";
import type { BlockEnv } from "./simulateTxs.js";

type RpcBlock = {
  number: Hex;
  timestamp: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  baseFeePerGas?: Hex;
  miner: Address;
};

/**
 * EIP-1559 base fee of the child of a block (elasticity 2, denominator 8), as anvil computes it.
 * @example nextBaseFee(1_000_000_000n, 0n, 30_000_000n) // 875_000_000n
 */
export function nextBaseFee(baseFee: bigint, gasUsed: bigint, gasLimit: bigint): bigint {
  const target = gasLimit / 2n;
  if (target === 0n || gasUsed === target) return baseFee;
  if (gasUsed > target) {
    const delta = (baseFee * (gasUsed - target)) / target / 8n;
    return baseFee + (delta > 0n ? delta : 1n);
  }
  return baseFee - (baseFee * (target - gasUsed)) / target / 8n;
}

/**
 * The environment of the block that would follow `stateBlock`: its number, a timestamp that is wall-clock
 * time but at least parent + 1, the parent's coinbase and gas limit, and the next base fee.
 *
 * @param anvilUrl node
 * @param stateBlock parent block number, or "latest"
 * @param overrides caller-chosen number / timestamp / coinbase (eth_callBundle)
 * @example const env = await nextBlockEnv(anvilUrl, "latest");
 */
export async function nextBlockEnv(
  anvilUrl: string,
  stateBlock: bigint | "latest",
  overrides: { number?: bigint; timestamp?: bigint; coinbase?: Address } = {},
): Promise<BlockEnv> {
  const tag = stateBlock === "latest" ? "latest" : numberToHex(stateBlock);
  const parent = await rpcCall<RpcBlock | null>(anvilUrl, "eth_getBlockByNumber", [tag, false]);
  if (!parent) throw new Error(`block ${tag} not found`);
  const parentTs = hexToBigInt(parent.timestamp);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const gasLimit = hexToBigInt(parent.gasLimit);
  return {
    number: overrides.number ?? hexToBigInt(parent.number) + 1n,
    timestamp: overrides.timestamp ?? (now > parentTs ? now : parentTs + 1n),
    coinbase: overrides.coinbase ?? parent.miner,
    baseFee: nextBaseFee(hexToBigInt(parent.baseFeePerGas ?? "0x0"), hexToBigInt(parent.gasUsed), gasLimit),
    gasLimit,
    stateBlock: parent.number,
  };
}
