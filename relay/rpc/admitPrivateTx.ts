/**
 * Admission of a wallet's private transaction (eth_sendRawTransaction, eth_sendPrivateTransaction,
 * eth_sendPrivateRawTransaction): decode, check against the chain (nonce, balance), simulate behind the
 * sender's pending private txs, record it PENDING, answer the hash at once and send the first bundle (for the
 * next block) in the background. Same-nonce txs replace (fee bump >= 10%) or, as a 0-value self-transfer,
 * cancel the pending one. Nothing here ever reaches a public mempool.
 */
import type { Hex } from "viem";
import type { PrivateTxRecord } from "../store/privateTxStore.js";
import { classifySimulation, type SimulationLike, type SimulationVerdict } from "./classifySimulation.js";
import { type DecodedTx, decodePrivateTx } from "./decodePrivateTx.js";
import { sendPendingBundles, withdrawBundle } from "./privateTxBundles.js";
import type { RpcContext } from "./rpcContext.js";
import {
  InvalidParamsError,
  LimitExceededError,
  NodeUnavailableError,
  TransactionRejectedError,
} from "./rpcErrors.js";

export type AdmitOptions = {
  /** Last block the tx may land in; default current + maxBlocksDefault. */
  maxBlockNumber?: number;
  /** Sender opted in to landing even if it reverts (Protect's `canRevert`). */
  canRevert?: boolean;
  fast?: boolean;
};

/** Percent a replacement must raise both fee fields by (geth's txpool rule). */
export const REPLACEMENT_FEE_BUMP_PERCENT = 10n;

/**
 * Admits `raw` and returns its hash.
 * @throws InvalidParamsError / TransactionRejectedError / LimitExceededError with what to fix.
 * @example const hash = await admitPrivateTx(ctx, "0x02f8...", { maxBlockNumber: 120 })
 */
export async function admitPrivateTx(ctx: RpcContext, raw: unknown, opts: AdmitOptions = {}): Promise<Hex> {
  const tx = await decodePrivateTx(raw, { chainId: ctx.chainId, maxGasLimit: ctx.maxGasLimit });
  const known = await ctx.store.get(tx.hash);
  if (known) return knownTx(known);
  if (!ctx.senderLimiter.take(tx.from.toLowerCase()))
    throw new LimitExceededError(`too many transactions from ${tx.from}: slow down and retry in a minute`);
  return ctx.senderLocks.run(tx.from.toLowerCase(), () => admitLocked(ctx, tx, opts));
}

function knownTx(known: PrivateTxRecord): Hex {
  if (known.status === "PENDING" || known.status === "INCLUDED") return known.hash;
  throw new TransactionRejectedError(
    `transaction ${known.hash} was already ${known.status.toLowerCase()}${known.simError ? ` (${known.simError})` : ""}: sign a new one`,
  );
}

async function admitLocked(ctx: RpcContext, tx: DecodedTx, opts: AdmitOptions): Promise<Hex> {
  const known = await ctx.store.get(tx.hash);
  if (known) return knownTx(known);
  const pending = await ctx.store.pendingBySender(tx.from);
  const sameNonce = pending.find((p) => p.nonce === tx.nonce);
  const cancelling = sameNonce !== undefined && isCancelTransfer(tx);
  // Cheapest first (THREATS.md cost budget): the store, then three reads the node answers from its state,
  // and only once every check passed the simulation (the dear part, on every builder): a refused tx never
  // costs an eth_callBundle. The simulation targets the block after the head read here (no extra read).
  if (!sameNonce && pending.length >= ctx.maxPendingPerSender)
    throw new LimitExceededError(
      `${tx.from} has ${pending.length} private transactions pending (at most ${ctx.maxPendingPerSender}): wait for some to land`,
    );
  const block = await latestBlock(ctx); // cached per head: a refused dust tx costs no node call
  const head = Number(BigInt(block.number));
  const maxBlockNumber = checkMaxBlock(ctx, opts.maxBlockNumber, head);
  const baseFee = block.baseFeePerGas ? BigInt(block.baseFeePerGas) : 0n;
  if (!cancelling && !ctx.acceptBelowBaseFee && tx.maxFeePerGas < baseFee)
    throw new TransactionRejectedError(
      `max fee per gas less than block base fee: maxFeePerGas ${tx.maxFeePerGas}, baseFee ${baseFee}; sign with maxFeePerGas >= ${baseFee} (more leaves room for the base fee to rise)`,
      { data: { maxFeePerGas: tx.maxFeePerGas.toString(), baseFee: baseFee.toString() } },
    );
  const [nonceHex, balanceHex] = await Promise.all([
    ctx.node.call<Hex>("eth_getTransactionCount", [tx.from, "latest"]),
    ctx.node.call<Hex>("eth_getBalance", [tx.from, "latest"]),
  ]);
  const chainNonce = Number(BigInt(nonceHex));
  if (tx.nonce < chainNonce)
    throw new TransactionRejectedError(`nonce too low: next nonce ${chainNonce}, tx nonce ${tx.nonce}`);
  // The balance must cover this tx and every other pending tx of the sender (the one it replaces excepted):
  // checked one by one, many txs could each pass and never all land.
  const cost = tx.value + tx.gas * tx.maxFeePerGas;
  const others = cancelling
    ? 0n
    : pending
        .filter((p) => p.nonce !== tx.nonce)
        .reduce((sum, p) => sum + p.value + p.gas * p.maxFeePerGas, 0n);
  if (BigInt(balanceHex) < cost + others)
    throw new TransactionRejectedError(
      `insufficient funds for gas * price + value: balance ${BigInt(balanceHex)}, tx cost ${cost}` +
        (others > 0n ? ` + ${others} for the sender's other pending private txs` : ""),
    );
  if (sameNonce && cancelling) return cancelBySelfTransfer(ctx, tx, sameNonce, pending, head, maxBlockNumber);
  if (sameNonce) checkReplacementFee(tx, sameNonce);
  const nextNonce = Math.max(chainNonce, ((await ctx.store.maxPendingNonce(tx.from)) ?? -1) + 1);
  if (!sameNonce && tx.nonce > nextNonce)
    throw new TransactionRejectedError(
      `nonce too high: next nonce ${nextNonce}, tx nonce ${tx.nonce} (a gap would never be included)`,
    );
  const simulation = await simulate(ctx, pending, tx, Promise.resolve(block.number));
  refuseOnVerdict(ctx, tx, opts, classifySimulation(simulation, tx.hash));

  // The first target block is the one after the head seen now, right before the first send.
  const sendHead = Math.max(head, Number(BigInt(await ctx.node.call<Hex>("eth_blockNumber"))));
  const record = toPendingRecord(tx, sendHead, maxBlockNumber, opts);
  await ctx.store.transaction(async () => {
    if (sameNonce) await ctx.store.markCancelled(sameNonce.hash, tx.hash);
    await ctx.store.insert(record);
  });
  ctx.logger.info(
    { tx: tx.hash, from: tx.from, nonce: tx.nonce, maxBlockNumber, replaces: sameNonce?.hash },
    "private tx accepted",
  );
  void (async () => {
    if (sameNonce) await withdrawBundle(ctx, sameNonce);
    await sendPendingBundles(ctx, await ctx.store.pendingBySender(tx.from), sendHead + 1, {
      force: !!sameNonce,
    });
  })().catch((err) => ctx.logger.warn({ err, tx: tx.hash }, "sending a private tx's first bundles failed"));
  return tx.hash;
}

type LatestBlock = { number: Hex; baseFeePerGas?: Hex | null };
const latestBlocks = new WeakMap<RpcContext, { head: bigint; block: Promise<LatestBlock> }>();

/**
 * The latest block (number, base fee), read once per head the relay's poller saw (every call without a
 * shared chain view, which has no head to key on).
 */
function latestBlock(ctx: RpcContext): Promise<LatestBlock> {
  const read = () => ctx.node.call<LatestBlock>("eth_getBlockByNumber", ["latest", false]);
  if (!ctx.chain) return read();
  const head = ctx.chain.head();
  const hit = latestBlocks.get(ctx);
  if (hit && hit.head === head) return hit.block;
  const block = read();
  latestBlocks.set(ctx, { head, block });
  block.catch(() => latestBlocks.delete(ctx));
  return block;
}

/** Simulates `tx` behind the sender's contiguous pending txs before it, for the block after `headRead`; never rejects. */
async function simulate(
  ctx: RpcContext,
  pending: PrivateTxRecord[],
  tx: DecodedTx,
  headRead: Promise<Hex>,
): Promise<SimulationLike> {
  const raws: Hex[] = [tx.raw];
  const byNonce = new Map(pending.map((p) => [p.nonce, p]));
  for (let n = tx.nonce - 1; byNonce.has(n); n--) raws.unshift(byNonce.get(n)!.raw);
  try {
    const head = Number(BigInt(await headRead));
    return await ctx.submitter.simulate(raws, BigInt(head + 1));
  } catch (err) {
    return { ok: false, results: [], error: `eth_callBundle failed: ${(err as Error).message}` };
  }
}

function checkMaxBlock(ctx: RpcContext, requested: number | undefined, head: number): number {
  if (requested === undefined) return head + ctx.maxBlocksDefault;
  if (requested <= head)
    throw new InvalidParamsError(`maxBlockNumber ${requested} is not after the current block ${head}`);
  if (requested > head + ctx.maxBlocksLimit)
    throw new InvalidParamsError(
      `maxBlockNumber ${requested} is too far: at most ${ctx.maxBlocksLimit} blocks after the current block ${head}`,
    );
  return requested;
}

/** Protect's cancel convention: a 0-value, no-data transfer to yourself with the nonce of a pending tx. */
function isCancelTransfer(tx: DecodedTx): boolean {
  return tx.to?.toLowerCase() === tx.from.toLowerCase() && tx.value === 0n && tx.data === "0x";
}

function checkReplacementFee(tx: DecodedTx, old: PrivateTxRecord): void {
  const min = (v: bigint) => v + (v * REPLACEMENT_FEE_BUMP_PERCENT + 99n) / 100n;
  if (tx.maxFeePerGas < min(old.maxFeePerGas) || tx.maxPriorityFeePerGas < min(old.maxPriorityFeePerGas))
    throw new TransactionRejectedError(
      `replacement transaction underpriced: raise maxFeePerGas and maxPriorityFeePerGas by at least ` +
        `${REPLACEMENT_FEE_BUMP_PERCENT}% over pending ${old.hash} (${old.maxFeePerGas}, ${old.maxPriorityFeePerGas})`,
    );
}

/**
 * The self-transfer is not sent (it would only cost the user gas): the pending tx at that nonce and the
 * sender's later pending txs (which could no longer land) are cancelled, the self-transfer is recorded as
 * CANCELLED too, and the wallet's pending nonce falls back so it can reuse the nonce.
 */
async function cancelBySelfTransfer(
  ctx: RpcContext,
  tx: DecodedTx,
  target: PrivateTxRecord,
  pending: PrivateTxRecord[],
  head: number,
  maxBlockNumber: number,
): Promise<Hex> {
  const dropped = pending.filter((p) => p.nonce >= target.nonce);
  await ctx.store.transaction(async () => {
    for (const p of dropped) await ctx.store.markCancelled(p.hash, p === target ? tx.hash : null);
    await ctx.store.insert(toPendingRecord(tx, head, maxBlockNumber, {}));
    await ctx.store.markCancelled(tx.hash, null);
  });
  ctx.logger.info(
    { tx: target.hash, by: tx.hash, dropped: dropped.length },
    "private tx cancelled by self-transfer",
  );
  void Promise.all(dropped.map((p) => withdrawBundle(ctx, p)));
  return tx.hash;
}

function toPendingRecord(
  tx: DecodedTx,
  head: number,
  maxBlockNumber: number,
  opts: AdmitOptions,
): PrivateTxRecord {
  const now = Date.now();
  return {
    ...tx,
    status: "PENDING",
    maxBlockNumber,
    submittedBlock: head,
    lastSentBlock: 0,
    includedBlock: null,
    includedBlockHash: null,
    simError: null,
    revertReason: null,
    isRevert: false,
    canRevert: opts.canRevert ?? false,
    fast: opts.fast ?? false,
    replacedBy: null,
    createdAtMs: now,
    updatedAtMs: now,
  };
}

function refuseOnVerdict(
  ctx: RpcContext,
  tx: DecodedTx,
  opts: AdmitOptions,
  verdict: SimulationVerdict,
): void {
  switch (verdict.kind) {
    case "ok":
      return;
    case "feeTooLow":
      ctx.logger.info({ tx: tx.hash, why: verdict.message }, "private tx waits for a lower base fee");
      return;
    case "revert":
      if (opts.canRevert) return;
      throw new TransactionRejectedError(`execution reverted: ${verdict.revertReason}`, {
        data: { revertReason: verdict.revertReason, revert: verdict.revertData },
      });
    case "invalid":
      throw new TransactionRejectedError(`transaction would fail: ${verdict.message}`, {
        data: { simError: verdict.simError },
      });
    case "unavailable":
      // the builders' URLs and transport errors stay in the log; the wallet is told to retry
      ctx.logger.warn({ tx: tx.hash, err: verdict.message }, "simulating a private tx failed");
      throw new NodeUnavailableError(
        "cannot simulate the transaction right now (builders unavailable), retry",
      );
  }
}
