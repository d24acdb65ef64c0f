import type { Hex } from "viem";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** A builder refused a bundle (JSON-RPC error object or a non-2xx reply). */
export class BundleRejectedError extends Error {
  override name = "BundleRejectedError";
  readonly code = "BUNDLE_REJECTED";
  constructor(
    message: string,
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

let requestId = 1;

/**
 * Sends a signed JSON-RPC request to a Flashbots-style builder: `X-Flashbots-Signature` is
 * `<address>:<personal_sign over the hex text of keccak256(body)>`, exactly as the Flashbots relay expects.
 * @param url builder endpoint
 * @param authKey the searcher's reputation key (holds no funds)
 * @example await flashbotsRequest(url, key, "eth_callBundle", [{ txs, blockNumber }])
 */
export async function flashbotsRequest<T>(
  url: string,
  authKey: Hex,
  method: string,
  params: unknown[],
): Promise<T> {
  const auth = privateKeyToAccount(authKey);
  const body = JSON.stringify({ jsonrpc: "2.0", id: requestId++, method, params });
  const signature = await auth.signMessage({ message: keccak256(toHex(body)) });
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-flashbots-signature": `${auth.address}:${signature}` },
    body,
  });
  if (!res.ok) throw new BundleRejectedError(`${method}: HTTP ${res.status} ${await res.text()}`);
  const json = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (json.error) throw new BundleRejectedError(`${method}: ${json.error.message}`, json.error.code);
  return json.result as T;
}

/**
 * `eth_sendBundle` for one target block: the transactions land atomically, in this order, or not at all.
 * @returns the bundle hash the builder assigned
 */
export async function sendBundle(url: string, authKey: Hex, txs: Hex[], targetBlock: bigint): Promise<Hex> {
  const result = await flashbotsRequest<{ bundleHash: Hex }>(url, authKey, "eth_sendBundle", [
    { txs, blockNumber: toHex(targetBlock) },
  ]);
  return result.bundleHash;
}

/** One transaction of an `eth_callBundle` simulation. */
export type CallBundleResult = { txHash: Hex; gasUsed: number; error?: string; revert?: string };

/**
 * `eth_callBundle`: simulates the bundle on top of the current head as if in `targetBlock`.
 * @returns per-transaction results; an entry with `error` reverted
 */
export async function callBundle(
  url: string,
  authKey: Hex,
  txs: Hex[],
  targetBlock: bigint,
): Promise<CallBundleResult[]> {
  const result = await flashbotsRequest<{ results: CallBundleResult[] }>(url, authKey, "eth_callBundle", [
    { txs, blockNumber: toHex(targetBlock), stateBlockNumber: "latest" },
  ]);
  return result.results;
}
