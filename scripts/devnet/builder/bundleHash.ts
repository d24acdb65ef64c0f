import { concat, type Hex, keccak256 } from "viem";

/**
 * Flashbots bundle hash: keccak256 of the concatenated 32-byte transaction hashes, each hash being
 * keccak256 of the raw EIP-2718 transaction (same in flashbots/builder, rbuilder and the ethers client).
 *
 * @param txHashes hashes of the bundle's transactions, in bundle order
 * @example bundleHash([keccak256(rawTx)])
 */
export function bundleHash(txHashes: readonly Hex[]): Hex {
  return keccak256(concat(txHashes));
}
