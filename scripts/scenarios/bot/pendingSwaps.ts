import { type Address, getAddress, type Hex, type PublicClient } from "viem";
import { decodeRouterSwap, type RouterSwap } from "./decodeRouterSwap.js";

/** A pending router swap seen in the public pool. */
export type PendingSwap = {
  hash: Hex;
  from: Address;
  nonce: number;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  swap: RouterSwap;
};

type PoolTx = {
  hash: Hex;
  from: Address;
  to: Address | null;
  input: Hex;
  value: Hex;
  nonce: Hex;
  gasPrice?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
};

/**
 * Reads the node's public pending pool (`txpool_content`, what any bot connected to a public node sees) and
 * returns the exact-input swaps sent to `router`, oldest nonce first per sender.
 * @example const swaps = await pendingRouterSwaps(client, router)
 */
export async function pendingRouterSwaps(client: PublicClient, router: Address): Promise<PendingSwap[]> {
  const content = (await client.request({ method: "txpool_content" } as never)) as {
    pending: Record<string, Record<string, PoolTx>>;
  };
  const out: PendingSwap[] = [];
  for (const byNonce of Object.values(content.pending ?? {})) {
    for (const tx of Object.values(byNonce)) {
      if (!tx.to || getAddress(tx.to) !== router) continue;
      const swap = decodeRouterSwap(tx.input, BigInt(tx.value));
      if (!swap) continue;
      const maxFeePerGas = BigInt(tx.maxFeePerGas ?? tx.gasPrice ?? "0x0");
      out.push({
        hash: tx.hash,
        from: getAddress(tx.from),
        nonce: Number(tx.nonce),
        maxFeePerGas,
        maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas ?? tx.gasPrice ?? "0x0"),
        swap,
      });
    }
  }
  return out.sort((a, b) => (a.hash < b.hash ? -1 : 1));
}
