/**
 * eth_cancelPrivateTransaction: the sender (authenticated by X-Flashbots-Signature over the request body, as
 * Flashbots requires) withdraws a pending private tx. Later pending txs of the same sender could no longer
 * land, so they are cancelled with it and the wallet's pending nonce falls back to the chain's.
 */
import { type Address, type Hex, isHex } from "viem";
import { withdrawBundle } from "./privateTxBundles.js";
import type { RpcContext } from "./rpcContext.js";
import { InvalidParamsError, TransactionRejectedError, UnauthorizedError } from "./rpcErrors.js";

/**
 * Cancels `params[0].txHash` if `signer` sent it.
 * @returns true when it was pending and is now CANCELLED; false when it had already ended (included, failed,
 *   cancelled).
 * @example await cancelPrivateTx(ctx, [{ txHash }], signer)
 */
export async function cancelPrivateTx(ctx: RpcContext, params: unknown[], signer: Address): Promise<boolean> {
  const arg = params[0] as { txHash?: unknown } | undefined;
  const txHash = arg?.txHash;
  if (typeof txHash !== "string" || !isHex(txHash) || txHash.length !== 66)
    throw new InvalidParamsError("expected params [{ txHash: 0x 32-byte hash }]");
  const tx = await ctx.store.get(txHash as Hex);
  if (!tx) throw new TransactionRejectedError(`unknown private transaction ${txHash}`);
  if (tx.from.toLowerCase() !== signer.toLowerCase())
    throw new UnauthorizedError(
      `only the sender ${tx.from} may cancel ${txHash}; the request is signed by ${signer}`,
    );
  return ctx.senderLocks.run(tx.from.toLowerCase(), async () => {
    const current = await ctx.store.get(tx.hash);
    if (current?.status !== "PENDING") return false;
    const dropped = (await ctx.store.pendingBySender(tx.from)).filter((p) => p.nonce >= tx.nonce);
    await ctx.store.transaction(async () => {
      for (const p of dropped) await ctx.store.markCancelled(p.hash);
    });
    ctx.logger.info({ tx: tx.hash, dropped: dropped.length }, "private tx cancelled by its sender");
    await Promise.all(dropped.map((p) => withdrawBundle(ctx, p)));
    return true;
  });
}
