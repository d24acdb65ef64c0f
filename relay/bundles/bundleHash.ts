import { concat, type Hex, keccak256 } from "viem";

/**
 * Flashbots bundle hash: keccak256 of the concatenated 32-byte transaction hashes, each hash being
 * keccak256 of the raw EIP-2718 transaction (same in flashbots/builder, rbuilder and the ethers client).
 * The relay (what it reports for a bundle it sent) and the devnet builder (what it answers) share it, so
 * the two can never disagree on a bundle's name.
 *
 * @param txHashes hashes of the bundle's transactions, in bundle order
 * @example bundleHash([keccak256(rawTx)])
 */
export function bundleHash(txHashes: readonly Hex[]): Hex {
  return keccak256(concat(txHashes));
}

/**
 * `bundleHash` of signed transactions, for a sender that holds the raw bytes rather than their hashes.
 * @example bundleHashOf([signedSettleTx])
 */
export function bundleHashOf(signedTxs: readonly Hex[]): Hex {
  return bundleHash(signedTxs.map((tx) => keccak256(tx)));
}
