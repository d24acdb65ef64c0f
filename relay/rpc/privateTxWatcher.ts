/**
 * The block watcher of the wallet endpoint: polls eth_blockNumber and, at each new block, settles every
 * PENDING private tx: INCLUDED (with its block, and isRevert from the receipt) once its nonce is used by it,
 * FAILED once its nonce is used by another tx (SimErrorNonceTooLow) or its maxBlockNumber has passed (with the
 * simulation's reason), and otherwise re-sends its bundle for the next block. State lives in SQLite, so a
 * restarted relay picks up where it stopped.
 */
import type { Address, Hex } from "viem";
import { classifySimulation } from "./classifySimulation.js";
import { chainEndingAt, sendPendingBundles } from "./privateTxBundles.js";
import type { PrivateTxRecord } from "./privateTxStore.js";
import { type RpcContext, type RpcDeps, rpcContextOf } from "./rpcContext.js";

export type PrivateTxWatcher = {
  /** Starts polling (idempotent). */
  start(): void;
  /** Stops polling and waits for a running pass to finish. */
  stop(): Promise<void>;
  /** One pass for chain head `head` (the loop calls it on each new block; exposed for tools). */
  tick(head: number): Promise<void>;
};

/**
 * Creates the watcher for the endpoint built from the same `deps` (see rpcContextOf).
 * @example const watcher = createPrivateTxWatcher(deps); watcher.start(); ... await watcher.stop()
 */
export function createPrivateTxWatcher(deps: RpcDeps): PrivateTxWatcher {
  const ctx = rpcContextOf(deps);
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let lastHead = -1;

  const poll = async () => {
    try {
      const head = Number(BigInt(await ctx.node.call<Hex>("eth_blockNumber")));
      if (head !== lastHead) {
        await tick(ctx, head);
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
    tick: (head) => tick(ctx, head),
  };
}

async function tick(ctx: RpcContext, head: number): Promise<void> {
  const bySender = new Map<string, PrivateTxRecord[]>();
  for (const tx of ctx.store.pendingAll()) {
    const list = bySender.get(tx.from) ?? [];
    list.push(tx);
    bySender.set(tx.from, list);
  }
  await Promise.all([...bySender].map(([sender, txs]) => settleSender(ctx, sender as Address, txs, head)));
}

async function settleSender(ctx: RpcContext, sender: Address, txs: PrivateTxRecord[], head: number) {
  const chainNonce = Number(BigInt(await ctx.node.call<Hex>("eth_getTransactionCount", [sender, "latest"])));
  for (const tx of txs.filter((t) => t.nonce < chainNonce)) {
    const receipt = await ctx.node.call<{ blockNumber: Hex; status: Hex } | null>(
      "eth_getTransactionReceipt",
      [tx.hash],
    );
    if (receipt) {
      ctx.store.markIncluded(tx.hash, Number(BigInt(receipt.blockNumber)), receipt.status === "0x0");
      ctx.logger.info({ tx: tx.hash, block: Number(BigInt(receipt.blockNumber)) }, "private tx included");
    } else {
      ctx.store.markFailed(tx.hash, "SimErrorNonceTooLow", null);
      ctx.logger.info({ tx: tx.hash }, "private tx failed: its nonce was used by another transaction");
    }
  }
  let waiting = txs.filter((t) => t.nonce >= chainNonce);
  const expired = waiting.find((t) => head >= t.maxBlockNumber);
  if (expired) {
    const { simError, revertReason } = await failureReason(ctx, waiting, expired, head);
    ctx.store.markFailed(expired.hash, simError, revertReason);
    for (const later of waiting.filter((t) => t.nonce > expired.nonce))
      ctx.store.markFailed(later.hash, "SimErrorEarlierNonceFailed", null);
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
