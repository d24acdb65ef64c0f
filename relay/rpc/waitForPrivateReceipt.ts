/**
 * The waiting half of eth_sendRawTransactionSync (EIP-7966): after the tx was admitted privately, wait until
 * the block watcher records it included and answer with the node's receipt; a tx that ends FAILED or
 * CANCELLED meanwhile is refused with its reason, and one still pending at the timeout gets EIP-7966's code 4
 * with its hash (it stays pending privately: the wallet can follow it with eth_getTransactionReceipt).
 */
import type { Hex } from "viem";
import type { RpcContext } from "./rpcContext.js";
import { SyncTimeoutError, TransactionRejectedError } from "./rpcErrors.js";

/** Wait when the wallet gives no timeout: a private bundle needs at least one block, usually two. */
export const SYNC_DEFAULT_TIMEOUT_MS = 12_000;
/** Longest wait a wallet may ask for (an HTTP request held open costs a socket, not CPU). */
export const SYNC_MAX_TIMEOUT_MS = 60_000;

/**
 * The timeout of a Sync call: a positive QUANTITY or number of ms, at most SYNC_MAX_TIMEOUT_MS; anything
 * else falls back to the default, as EIP-7966 asks ("if the timeout is invalid, use the default").
 */
export function syncTimeoutMs(raw: unknown): number {
  let ms: number | null = null;
  if (typeof raw === "number" && Number.isInteger(raw)) ms = raw;
  else if (typeof raw === "string" && /^0x[0-9a-fA-F]{1,12}$/.test(raw)) ms = Number(BigInt(raw));
  if (ms === null || ms <= 0) return SYNC_DEFAULT_TIMEOUT_MS;
  return Math.min(ms, SYNC_MAX_TIMEOUT_MS);
}

/**
 * Resolves with the receipt once `hash` is included, polling the private tx store (kept current by the
 * block watcher) every pollIntervalMs.
 * @throws TransactionRejectedError (failed / cancelled) | SyncTimeoutError (EIP-7966 code 4)
 * @example const receipt = await waitForPrivateReceipt(ctx, hash, 12_000)
 */
export async function waitForPrivateReceipt(ctx: RpcContext, hash: Hex, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tx = await ctx.store.get(hash);
    if (tx?.status === "INCLUDED") {
      const receipt = await ctx.node.call("eth_getTransactionReceipt", [hash]);
      if (receipt) return receipt;
    } else if (tx && (tx.status === "FAILED" || tx.status === "CANCELLED")) {
      const why =
        tx.status === "CANCELLED"
          ? "cancelled"
          : `failed (${tx.simError ?? "not included"}${tx.revertReason ? `: ${tx.revertReason}` : ""})`;
      throw new TransactionRejectedError(`transaction ${hash} was sent privately but ${why}`, {
        data: { hash, status: tx.status, simError: tx.simError, revertReason: tx.revertReason },
      });
    }
    const left = deadline - Date.now();
    if (left <= 0)
      throw new SyncTimeoutError(
        `the transaction was sent privately to builders but not included within ${timeoutMs} ms; it stays pending until block ${tx?.maxBlockNumber ?? "?"} (follow it with eth_getTransactionReceipt or GET /tx/${hash})`,
        hash,
      );
    await new Promise((r) => setTimeout(r, Math.min(left, ctx.pollIntervalMs)));
  }
}
