/**
 * The block watcher of the wallet endpoint: at each new block (driven by the relay's one block poller, or by
 * its own eth_blockNumber loop when used alone) it settles every PENDING private tx: INCLUDED (with its block,
 * its block hash and isRevert from the receipt) once its nonce is used by it, FAILED once its nonce is used by
 * another tx (SimErrorNonceTooLow) or its maxBlockNumber has passed (with the simulation's reason), and
 * otherwise re-sends its bundle for the next block. Each sender is handled under the sender lock the
 * admission path takes, from a list read inside it, so a tx replaced or cancelled meanwhile never rides along.
 * A CANCELLED or FAILED tx whose bundle could still land is watched too: if it lands anyway it ends INCLUDED.
 * After a reorg (and at start), INCLUDED txs from the fork block on are checked against the canonical chain:
 * one that is gone goes back to PENDING and is re-sent. State lives in SQLite, so a restarted relay picks up
 * where it stopped.
 */
import type { Address, Hex } from "viem";
import type { PrivateTxRecord } from "../store/privateTxStore.js";
import { classifySimulation } from "./classifySimulation.js";
import { chainEndingAt, sendPendingBundles } from "./privateTxBundles.js";
import type { RpcContext } from "./rpcContext.js";

export type PrivateTxWatcher = {
  /** Starts polling (idempotent). */
  start(): void;
  /** Stops polling and waits for a running pass to finish. */
  stop(): Promise<void>;
  /** One pass for chain head `head` (the loop calls it on each new block; exposed for tools). */
  tick(head: number): Promise<void>;
  /** A new head from the relay's block poller: runs a pass (after the one in progress, never two at once). */
  onHead(head: bigint): Promise<void>;
  /** Blocks from `forkBlock` on were replaced: INCLUDED txs there are re-checked on the next pass. */
  onReorg(forkBlock: bigint): void;
};

/** Blocks after a bundle's last target during which an ended (cancelled, failed) tx is still watched. */
const LANDING_WATCH_BLOCKS = 2;
/** At start, INCLUDED txs this many blocks back are re-checked (a reorg may have happened while down). */
const STARTUP_RECHECK_BLOCKS = 256;

/**
 * Creates the watcher for the endpoint whose routes use the same context (createRpcContext).
 * @example const watcher = createPrivateTxWatcher(ctx); watcher.start(); ... await watcher.stop()
 */
export function createPrivateTxWatcher(ctx: RpcContext): PrivateTxWatcher {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let lastHead = -1;
  let pendingFork: number | null = null;
  let firstPass = true;
  let queued: number | null = null;
  let passing = false;

  const pass = async (head: number) => {
    if (firstPass) {
      firstPass = false;
      pendingFork = Math.min(pendingFork ?? head, Math.max(0, head - STARTUP_RECHECK_BLOCKS));
    }
    const fork = pendingFork;
    pendingFork = null;
    try {
      await tick(ctx, head, fork);
    } catch (err) {
      if (fork !== null) pendingFork = Math.min(pendingFork ?? fork, fork);
      throw err;
    }
  };
  const drive = async (head: number) => {
    queued = head;
    if (passing) return;
    passing = true;
    try {
      while (queued !== null) {
        const h = queued;
        queued = null;
        await pass(h).catch((err) =>
          ctx.logger.warn({ err: (err as Error).message }, "private tx watcher pass failed; retrying"),
        );
      }
    } finally {
      passing = false;
    }
  };

  const poll = async () => {
    try {
      const head = Number(BigInt(await ctx.node.call<Hex>("eth_blockNumber")));
      if (head !== lastHead) {
        await pass(head);
        lastHead = head;
      }
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, "private tx watcher pass failed; retrying");
    }
  };
  const loop = () => {
    if (!running) return;
    current = poll().finally(() => {
      if (running) timer = setTimeout(loop, ctx.pollIntervalMs);
    });
  };
  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
    tick: (head) => tick(ctx, head, null),
    onHead: (head) => {
      lastHead = Number(head);
      return drive(Number(head));
    },
    onReorg: (forkBlock) => {
      const f = Number(forkBlock);
      pendingFork = pendingFork === null ? f : Math.min(pendingFork, f);
    },
  };
}

type Receipt = { blockNumber: Hex; blockHash: Hex; status: Hex };

async function tick(ctx: RpcContext, head: number, fork: number | null): Promise<void> {
  if (fork !== null) await recheckIncluded(ctx, fork);
  const senders = new Set<string>();
  for (const tx of await ctx.store.pendingAll()) senders.add(tx.from);
  const watchFrom = Math.min(head - LANDING_WATCH_BLOCKS, fork ?? head);
  for (const tx of await ctx.store.endedSentSince(watchFrom)) senders.add(tx.from);
  await Promise.all(
    [...senders].map((sender) =>
      // Under the admission path's lock, from lists read inside it: a replacement or cancel admitted
      // meanwhile is seen, never overtaken.
      ctx.senderLocks.run(sender, () => settleSender(ctx, sender as Address, head, watchFrom)),
    ),
  );
}

/**
 * INCLUDED txs from `fork` on: still in the canonical block they were seen in? Same tx in another block:
 * re-anchored; gone: back to PENDING (the watcher re-sends it while its maxBlockNumber allows).
 */
async function recheckIncluded(ctx: RpcContext, fork: number): Promise<void> {
  for (const tx of await ctx.store.includedSince(fork)) {
    const canonical =
      ctx.chain && tx.includedBlock !== null ? await ctx.chain.hashAt(BigInt(tx.includedBlock)) : null;
    if (canonical !== null && canonical === tx.includedBlockHash) continue;
    const receipt = await ctx.node.call<Receipt | null>("eth_getTransactionReceipt", [tx.hash]);
    if (receipt) {
      await ctx.store.reanchor(tx.hash, Number(BigInt(receipt.blockNumber)), receipt.blockHash);
      continue;
    }
    if (await ctx.store.markReorged(tx.hash))
      ctx.logger.warn(
        { tx: tx.hash, block: tx.includedBlock },
        "private tx reorged out: pending again, re-sending",
      );
  }
}

async function settleSender(ctx: RpcContext, sender: Address, head: number, watchFrom: number) {
  const txs = await ctx.store.pendingBySender(sender);
  const ended = (await ctx.store.endedSentSince(watchFrom)).filter((t) => t.from === sender);
  const chainNonce = Number(BigInt(await ctx.node.call<Hex>("eth_getTransactionCount", [sender, "latest"])));
  for (const tx of ended.filter((t) => t.nonce < chainNonce)) {
    const receipt = await ctx.node.call<Receipt | null>("eth_getTransactionReceipt", [tx.hash]);
    if (!receipt) continue;
    const block = Number(BigInt(receipt.blockNumber));
    if (await ctx.store.markLandedAnyway(tx.hash, block, receipt.status === "0x0", receipt.blockHash))
      ctx.logger.warn({ tx: tx.hash, was: tx.status, block }, "private tx landed after it ended: INCLUDED");
  }
  for (const tx of txs.filter((t) => t.nonce < chainNonce)) {
    const receipt = await ctx.node.call<Receipt | null>("eth_getTransactionReceipt", [tx.hash]);
    if (receipt) {
      const block = Number(BigInt(receipt.blockNumber));
      await ctx.store.markIncluded(tx.hash, block, receipt.status === "0x0", receipt.blockHash);
      ctx.logger.info({ tx: tx.hash, block }, "private tx included");
    } else {
      await ctx.store.markFailed(tx.hash, "SimErrorNonceTooLow", null);
      ctx.logger.info({ tx: tx.hash }, "private tx failed: its nonce was used by another transaction");
    }
  }
  let waiting = txs.filter((t) => t.nonce >= chainNonce);
  const expired = waiting.find((t) => head >= t.maxBlockNumber);
  if (expired) {
    const { simError, revertReason } = await failureReason(ctx, waiting, expired, head);
    await ctx.store.markFailed(expired.hash, simError, revertReason);
    for (const later of waiting.filter((t) => t.nonce > expired.nonce))
      await ctx.store.markFailed(later.hash, "SimErrorEarlierNonceFailed", null);
    ctx.logger.info(
      { tx: expired.hash, simError, maxBlockNumber: expired.maxBlockNumber },
      "private tx expired",
    );
    waiting = waiting.filter((t) => t.nonce < expired.nonce);
  }
  await sendPendingBundles(ctx, waiting, head + 1);
}

/** Why an expired tx did not land: re-simulated now, or SimErrorNotIncluded if it would still execute. */
async function failureReason(
  ctx: RpcContext,
  waiting: PrivateTxRecord[],
  tx: PrivateTxRecord,
  head: number,
): Promise<{ simError: string; revertReason: string | null }> {
  try {
    const chain = chainEndingAt(waiting, tx);
    const verdict = classifySimulation(
      await ctx.submitter.simulate(
        chain.map((c) => c.raw),
        BigInt(head + 1),
      ),
      tx.hash,
    );
    switch (verdict.kind) {
      case "revert":
        return { simError: "SimErrorReverted", revertReason: verdict.revertReason };
      case "feeTooLow":
        return { simError: "SimErrorFeeCapTooLow", revertReason: null };
      case "invalid":
        return { simError: verdict.simError, revertReason: null };
      default:
        return { simError: "SimErrorNotIncluded", revertReason: null };
    }
  } catch {
    return { simError: "SimErrorNotIncluded", revertReason: null };
  }
}
