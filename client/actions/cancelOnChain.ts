import { encodeFunctionData, type Hex } from "viem";
import { veilSettlementAbi } from "../abi/veilSettlementAbi.js";
import type { VeilClientBase } from "../createVeilClient.js";
import { sendTransaction } from "./sendTransaction.js";
import { verifyRelay } from "./verifyRelay.js";

export type CancelOnChainParameters = { nonces: readonly bigint[]; timeoutMs?: number };
export type CancelOnChainReturnType = { txHashes: Hex[] };

/**
 * Cancels orders on chain by burning their nonces (`invalidateNonces(word, mask)`, one transaction per
 * 256-nonce word). Needs no relay cooperation: once mined, no settlement can execute those orders.
 * @example await cancelOnChain(client, { nonces: [order.nonce] })
 */
export async function cancelOnChain(
  client: VeilClientBase,
  { nonces, timeoutMs }: CancelOnChainParameters,
): Promise<CancelOnChainReturnType> {
  const { settlement } = await verifyRelay(client);
  const masks = new Map<bigint, bigint>();
  for (const n of nonces) masks.set(n >> 8n, (masks.get(n >> 8n) ?? 0n) | (1n << (n & 0xffn)));
  const txHashes: Hex[] = [];
  for (const [word, mask] of masks) {
    const data = encodeFunctionData({
      abi: veilSettlementAbi,
      functionName: "invalidateNonces",
      args: [word, mask],
    });
    const receipt = await sendTransaction(client, {
      to: settlement,
      data,
      timeoutMs,
      action: "invalidateNonces",
    });
    txHashes.push(receipt.transactionHash);
  }
  return { txHashes };
}
