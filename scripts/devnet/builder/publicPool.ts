import { type Address, type Hex, hexToBigInt } from "viem";
import { rpcBatch, rpcCall } from "../jsonRpc.js";

/** A public pending transaction taken out of anvil's pool, kept raw so it can be put back. */
export type PublicTx = { hash: Hex; from: Address; nonce: bigint; tip: bigint; raw: Hex };

type PoolTx = { hash: Hex; from: Address; nonce: Hex; gasPrice?: Hex; maxPriorityFeePerGas?: Hex };
type TxpoolContent = Record<"pending" | "queued", Record<string, Record<string, PoolTx>>>;

/**
 * Orders public txs the way a fee-ordering builder would: repeatedly take the highest-tip head among the
 * senders, keeping each sender's nonce order.
 */
function orderByTip(txs: PublicTx[]): PublicTx[] {
  const bySender = new Map<Address, PublicTx[]>();
  for (const t of txs) bySender.set(t.from, [...(bySender.get(t.from) ?? []), t]);
  for (const list of bySender.values()) list.sort((a, b) => Number(a.nonce - b.nonce));
  const ordered: PublicTx[] = [];
  while (bySender.size > 0) {
    let best: Address | undefined;
    for (const [sender, list] of bySender) {
      if (best === undefined || list[0]!.tip > bySender.get(best)![0]!.tip) best = sender;
    }
    const list = bySender.get(best!)!;
    ordered.push(list.shift()!);
    if (list.length === 0) bySender.delete(best!);
  }
  return ordered;
}

/**
 * Takes every public transaction out of anvil's pool (pending and queued), keeping its raw bytes, so the
 * builder can put bundle transactions in front of them. Callers must put them back (requeuePublicTxs):
 * anvil does not return dropped or reverted-away transactions to the pool by itself.
 *
 * @param anvilUrl node
 * @returns the transactions, in the order to re-send them
 * @example const txs = await collectPublicTxs(url); ...; await requeuePublicTxs(url, txs, new Set());
 */
export async function collectPublicTxs(anvilUrl: string): Promise<PublicTx[]> {
  const content = await rpcCall<TxpoolContent>(anvilUrl, "txpool_content");
  const entries = [content.pending, content.queued].flatMap((group) =>
    Object.values(group ?? {}).flatMap((byNonce) => Object.values(byNonce)),
  );
  const txs = await Promise.all(
    entries.map(async (e): Promise<PublicTx | null> => {
      const raw = await rpcCall<Hex | null>(anvilUrl, "eth_getRawTransactionByHash", [e.hash]);
      if (!raw) return null;
      const tip = hexToBigInt(e.maxPriorityFeePerGas ?? e.gasPrice ?? "0x0");
      return { hash: e.hash, from: e.from, nonce: hexToBigInt(e.nonce), tip, raw };
    }),
  );
  const found = txs.filter((t): t is PublicTx => t !== null);
  await rpcBatch(
    anvilUrl,
    found.map((t) => ["anvil_dropTransaction", [t.hash]] as const),
  );
  return orderByTip(found);
}

/**
 * Puts public transactions back into anvil's pool, skipping those a bundle already carried. A tx that is
 * no longer valid (its nonce was used by a bundle) is dropped, as a real mempool would.
 *
 * @returns how many went back into the pool
 */
export async function requeuePublicTxs(anvilUrl: string, txs: PublicTx[], skip: Set<Hex>): Promise<number> {
  // One batch, in order (anvil adds a batch's txs in batch order): the builder holds its seal meanwhile.
  const replies = await rpcBatch(
    anvilUrl,
    txs.filter((t) => !skip.has(t.hash)).map((t) => ["eth_sendRawTransaction", [t.raw]] as const),
  );
  // a refused one was invalidated by a bundle (nonce used, funds spent): gone, as on mainnet
  return replies.filter((r) => r.ok).length;
}
