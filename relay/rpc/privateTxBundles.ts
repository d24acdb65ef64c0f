/**
 * How a private tx travels: as a bundle for exactly one target block, sent to every builder through the
 * relay's BundleSubmitter, never to a public mempool. A tx whose sender has earlier private txs still pending
 * is sent behind them (the contiguous nonce run ending at it), so two quick txs from one wallet can land in
 * the same block. Each tx's bundle carries a replacement UUID derived from its hash: re-sending it for the next
 * block, or cancelling it, replaces what the builder holds.
 */
import type { Hex } from "viem";
import { keccak256, toHex } from "viem";
import type { PrivateTxRecord, PrivateTxStore } from "../store/privateTxStore.js";
import type { SimulationLike } from "./classifySimulation.js";

/**
 * What the wallet endpoint needs from relay/bundles/bundleSubmitter.ts (BundleSubmitter satisfies it).
 * `cancel` is optional: when the submitter has no eth_cancelBundle, a cancel replaces the bundle (same UUID)
 * with one no block can include.
 */
export type PrivateBundleSubmitter = {
  simulate(signedTxs: readonly Hex[], targetBlock: bigint): Promise<SimulationLike>;
  send(
    signedTxs: readonly Hex[],
    targetBlock: bigint,
    options?: {
      revertingTxHashes?: Hex[];
      minTimestamp?: number;
      maxTimestamp?: number;
      replacementUuid?: string;
    },
  ): Promise<{ bundleHash: Hex; builders: { url: string; ok: boolean; error?: string }[] }>;
  cancel?(replacementUuid: string): Promise<unknown>;
};

export type BundleLogger = { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };

/** What sending needs: the store (statuses), the submitter, a logger, and the sends in flight per tx hash. */
export type BundleContext = {
  store: PrivateTxStore;
  submitter: PrivateBundleSubmitter;
  logger: BundleLogger;
  inFlight: Map<string, Promise<void>>;
};

/** Deterministic replacement UUID of a private tx's bundle. */
export function replacementUuidOf(txHash: Hex): string {
  const h = keccak256(toHex(`veil-rpc:${txHash.toLowerCase()}`)).slice(2);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The contiguous run of `pending` (one sender, sorted by nonce) that ends at `tx`: the txs that must precede
 * it in its bundle.
 */
export function chainEndingAt(pending: readonly PrivateTxRecord[], tx: PrivateTxRecord): PrivateTxRecord[] {
  const byNonce = new Map(pending.map((p) => [p.nonce, p]));
  const chain = [tx];
  for (let n = tx.nonce - 1; byNonce.has(n); n--) chain.unshift(byNonce.get(n)!);
  return chain;
}

/**
 * The txs of `pending` (one sender's, sorted by nonce) whose bundles are sent each block: in every contiguous
 * nonce run of k txs, the last one (its bundle carries the whole run) and those ending the prefixes of 1, 2,
 * 4, 8, ... txs (so a failing tx late in the run does not keep the earlier ones out of a block). At most 2k
 * tx copies per run and block, instead of k(k+1)/2 when every tx was sent behind all its predecessors
 * (32 pending txs: 63 copies, not 528).
 */
export function bundleEnds(pending: readonly PrivateTxRecord[]): PrivateTxRecord[] {
  const ends: PrivateTxRecord[] = [];
  let runStart = 0;
  for (let i = 0; i < pending.length; i++) {
    const runEnds = i === pending.length - 1 || pending[i + 1].nonce !== pending[i].nonce + 1;
    const lengthSoFar = i - runStart + 1;
    const powerOfTwo = (lengthSoFar & (lengthSoFar - 1)) === 0;
    if (runEnds || powerOfTwo) ends.push(pending[i]);
    if (runEnds) runStart = i + 1;
  }
  return ends;
}

/**
 * Sends, for `targetBlock`, the bundles of `pending` (one sender's PENDING txs, sorted by nonce) chosen by
 * {@link bundleEnds} that are still valid then and were not sent for that block yet (`force`: re-send
 * anyway, replacing the bundles the builders hold, after a tx of the run was replaced or cancelled). Every
 * tx in a sent bundle is recorded as sent for that block, in one store write. Builder refusals are logged,
 * not thrown: the block watcher re-sends next block.
 */
export async function sendPendingBundles(
  ctx: BundleContext,
  pending: readonly PrivateTxRecord[],
  targetBlock: number,
  opts: { force?: boolean } = {},
): Promise<void> {
  const due = bundleEnds(pending).filter(
    (tx) => (opts.force || tx.lastSentBlock < targetBlock) && targetBlock <= tx.maxBlockNumber,
  );
  await Promise.all(due.map((tx) => track(ctx, tx.hash, () => sendOne(ctx, pending, tx, targetBlock))));
}

async function sendOne(
  ctx: BundleContext,
  pending: readonly PrivateTxRecord[],
  tx: PrivateTxRecord,
  targetBlock: number,
  retry = true,
): Promise<void> {
  // Re-read: a cancel or replacement may have landed since `pending` was read.
  if ((await ctx.store.get(tx.hash))?.status !== "PENDING") return;
  const chain = chainEndingAt(pending, tx);
  const revertingTxHashes = chain.filter((c) => c.canRevert).map((c) => c.hash);
  try {
    const res = await ctx.submitter.send(
      chain.map((c) => c.raw),
      BigInt(targetBlock),
      revertingTxHashes.length > 0
        ? { revertingTxHashes, replacementUuid: replacementUuidOf(tx.hash) }
        : { replacementUuid: replacementUuidOf(tx.hash) },
    );
    await ctx.store.transaction(async () => {
      for (const c of chain) await ctx.store.markSent(c.hash, targetBlock);
    });
    const refused = res.builders.filter((b) => !b.ok);
    if (refused.length > 0)
      ctx.logger.warn({ tx: tx.hash, targetBlock, refused }, "builder refused private tx bundle");
    else ctx.logger.debug({ tx: tx.hash, targetBlock, bundle: res.bundleHash }, "private tx bundle sent");
    // The target block was built while the bundle travelled: aim at the next one now, not at the next poll.
    if (
      retry &&
      targetBlock + 1 <= tx.maxBlockNumber &&
      refused.some((b) => /in the past/i.test(b.error ?? ""))
    )
      await sendOne(ctx, pending, tx, targetBlock + 1, false);
  } catch (err) {
    ctx.logger.warn({ tx: tx.hash, targetBlock, err: (err as Error).message }, "private tx bundle not sent");
  }
}

/** Chains `fn` after any send or withdrawal in flight for the same tx, so they reach builders in order. */
function track(ctx: BundleContext, hash: Hex, fn: () => Promise<void>): Promise<void> {
  const key = hash.toLowerCase();
  const run = (ctx.inFlight.get(key) ?? Promise.resolve()).then(fn);
  ctx.inFlight.set(key, run);
  return run.finally(() => {
    if (ctx.inFlight.get(key) === run) ctx.inFlight.delete(key);
  });
}

/**
 * Withdraws a tx's bundle from the builders, after any send of it still in flight: eth_cancelBundle when the
 * submitter offers it, otherwise a same-UUID replacement whose timestamp window (maxTimestamp = 1, in 1970)
 * no block can satisfy. Call it after marking the tx not PENDING (so no later send goes out).
 */
export function withdrawBundle(ctx: BundleContext, tx: PrivateTxRecord): Promise<void> {
  return track(ctx, tx.hash, async () => {
    const uuid = replacementUuidOf(tx.hash);
    const lastSentBlock = (await ctx.store.get(tx.hash))?.lastSentBlock ?? tx.lastSentBlock;
    try {
      if (ctx.submitter.cancel) await ctx.submitter.cancel(uuid);
      else if (lastSentBlock > 0)
        await ctx.submitter.send([tx.raw], BigInt(lastSentBlock), {
          replacementUuid: uuid,
          minTimestamp: 1,
          maxTimestamp: 1,
        });
    } catch (err) {
      ctx.logger.warn({ tx: tx.hash, err: (err as Error).message }, "could not withdraw private tx bundle");
    }
  });
}
