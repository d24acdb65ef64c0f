import type { Address } from "viem";
import { bundleHash } from "../../../relay/bundles/bundleHash.js";
import { nextBlockEnv } from "./blockEnv.js";
import { BuilderRpcError } from "./builderErrors.js";
import type { CallBundleParams } from "./builderWire.js";
import { decodeRawTx } from "./decodeRawTx.js";
import { simulateTxs } from "./simulateTxs.js";

/** One `results[]` entry of eth_callBundle (../shared/FLASHBOTS.md section 3). */
export type CallBundleTxResult = {
  txHash: string;
  fromAddress: string;
  toAddress: string;
  gasUsed: number;
  gasPrice: string;
  gasFees: string;
  coinbaseDiff: string;
  ethSentToCoinbase: string;
  value?: string;
  error?: string;
  revert?: string;
};

export type CallBundleResult = {
  bundleGasPrice: string;
  bundleHash: string;
  coinbaseDiff: string;
  ethSentToCoinbase: string;
  gasFees: string;
  stateBlockNumber: number;
  totalGasUsed: number;
  results: CallBundleTxResult[];
};

/**
 * eth_callBundle: simulates the bundle on `stateBlockNumber` as block `blockNumber` and reports, per tx,
 * gas and coinbase payments in the exact wire shape @flashbots/ethers-provider-bundle reads (decimal strings,
 * numeric gas, no error/revert keys on success). A tx that cannot run at all fails the call with
 * `err: <cause>; txhash <hash>`, as flashbots/builder does.
 *
 * @example const result = await callBundle(anvilUrl, 31337, parseCallBundleParams(params));
 */
export async function callBundle(
  anvilUrl: string,
  chainId: number,
  p: CallBundleParams,
): Promise<CallBundleResult> {
  const txs = await Promise.all(p.txs.map((raw, i) => decodeRawTx(raw, chainId, i)));
  const env = await nextBlockEnv(anvilUrl, p.stateBlockNumber ?? "latest", {
    number: p.blockNumber,
    timestamp: p.timestamp ? BigInt(p.timestamp) : undefined,
    coinbase: p.coinbase as Address | undefined,
  });
  const sim = await simulateTxs(anvilUrl, env, txs);
  if (!sim.ok) throw new BuilderRpcError("BUNDLE_INVALID", `err: ${sim.error}; txhash ${sim.txHash}`);

  let gas = 0n;
  let coinbaseDiff = 0n;
  let gasFees = 0n;
  const results = sim.results.map((r): CallBundleTxResult => {
    gas += r.gasUsed;
    coinbaseDiff += r.coinbaseDiff;
    gasFees += r.gasFees;
    const entry: CallBundleTxResult = {
      txHash: r.tx.hash,
      fromAddress: r.tx.from,
      toAddress: r.tx.tx.to ?? "0x",
      gasUsed: Number(r.gasUsed),
      gasPrice: (r.gasUsed > 0n ? r.coinbaseDiff / r.gasUsed : 0n).toString(),
      gasFees: r.gasFees.toString(),
      coinbaseDiff: r.coinbaseDiff.toString(),
      ethSentToCoinbase: (r.coinbaseDiff - r.gasFees).toString(),
    };
    if (r.success) entry.value = r.returnData;
    else {
      entry.error = "execution reverted";
      if (r.returnData !== "0x") entry.revert = r.returnData;
    }
    return entry;
  });
  return {
    bundleGasPrice: (gas > 0n ? coinbaseDiff / gas : 0n).toString(),
    bundleHash: bundleHash(txs.map((t) => t.hash)),
    coinbaseDiff: coinbaseDiff.toString(),
    ethSentToCoinbase: (coinbaseDiff - gasFees).toString(),
    gasFees: gasFees.toString(),
    stateBlockNumber: Number(env.stateBlock),
    totalGasUsed: Number(gas),
    results,
  };
}
