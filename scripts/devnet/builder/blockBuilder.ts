import { type Hex, hexToBigInt } from "viem";
import { rpcCall } from "../jsonRpc.js";
import { nextBlockEnv } from "./blockEnv.js";
import type { BundlePool, StoredBundle } from "./bundlePool.js";
import { collectPublicTxs, requeuePublicTxs } from "./publicPool.js";
import { type BlockEnv, simulateTxs, type TxSimResult } from "./simulateTxs.js";

export type BuilderLog = (message: string) => void;

type Scored = { bundle: StoredBundle; gasPrice: bigint; coinbaseDiff: bigint };

/** Why a simulated bundle cannot land: a tx failed that the sender did not allow to revert. */
function bundleFailure(bundle: StoredBundle, results: TxSimResult[]): string | null {
  const bad = results.find((r) => !r.success && !bundle.revertingTxHashes.has(r.tx.hash));
  return bad ? `tx ${bad.tx.hash} reverted and is not in revertingTxHashes` : null;
}

function inWindow(bundle: StoredBundle, timestamp: bigint): boolean {
  if (bundle.minTimestamp > 0 && timestamp < BigInt(bundle.minTimestamp)) return false;
  return !(bundle.maxTimestamp > 0 && timestamp > BigInt(bundle.maxTimestamp));
}

/**
 * Builds and mines one block on anvil (--no-mining): the bundles targeting it, best-paying first (by bundle
 * gas price = coinbase payment / gas, as Flashbots ranks them), each kept only if it still executes on top of
 * the ones already chosen, then the public pending transactions; then exactly one evm_mine.
 * Builds are serialized with `exclusive` so a public tx forwarded by the builder cannot slip between the
 * transactions of a bundle.
 */
export class BlockBuilder {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly anvilUrl: string,
    private readonly pool: BundlePool,
    private readonly log: BuilderLog,
  ) {}

  /** Runs `fn` when no block is being built (and blocks building meanwhile). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Builds and mines the next block now; returns its number. */
  buildBlock(): Promise<bigint> {
    return this.exclusive(() => this.build());
  }

  private async build(): Promise<bigint> {
    const env = await nextBlockEnv(this.anvilUrl, "latest");
    this.pool.expireBefore(env.number);
    const chosen = await this.chooseBundles(env);
    if (chosen.length === 0) {
      // Public flow is fee-ordered too (anvil itself runs fifo): when several txs wait, re-queue them by
      // tip so a higher-paying tx goes first, as a priority-gas-auction front-runner expects on mainnet.
      const status = await rpcCall<{ pending: Hex }>(this.anvilUrl, "txpool_status");
      if (hexToBigInt(status.pending) > 1n) {
        await requeuePublicTxs(this.anvilUrl, await collectPublicTxs(this.anvilUrl), new Set());
      }
      return this.mine(env);
    }

    // Bundles go first and in order: take the public txs out of anvil's pool, queue the bundle txs,
    // then put the public ones back behind them (anvil runs with --order fifo).
    const publicTxs = await collectPublicTxs(this.anvilUrl);
    const bundleTxs = chosen.flatMap((b) => b.txs);
    for (const t of bundleTxs) {
      try {
        await rpcCall(this.anvilUrl, "eth_sendRawTransaction", [t.raw]);
      } catch (err) {
        this.log(`builder: bundle tx ${t.hash} refused by anvil after simulation: ${String(err)}`);
      }
    }
    await requeuePublicTxs(this.anvilUrl, publicTxs, new Set(bundleTxs.map((t) => t.hash)));
    const number = await this.mine(env);
    await this.verifyInclusion(number, chosen);
    return number;
  }

  private async mine(env: BlockEnv): Promise<bigint> {
    await rpcCall(this.anvilUrl, "evm_mine", [{ timestamp: Number(env.timestamp), blocks: 1 }]);
    return hexToBigInt(await rpcCall<Hex>(this.anvilUrl, "eth_blockNumber"));
  }

  private async chooseBundles(env: BlockEnv): Promise<StoredBundle[]> {
    const scored: Scored[] = [];
    for (const bundle of this.pool.forBlock(env.number)) {
      if (!inWindow(bundle, env.timestamp)) {
        this.pool.settle(bundle, "failed", `block timestamp ${env.timestamp} outside [min, max]Timestamp`);
        continue;
      }
      const sim = await simulateTxs(this.anvilUrl, env, bundle.txs);
      bundle.simulatedAt = new Date();
      const failure = sim.ok ? bundleFailure(bundle, sim.results) : `${sim.error}; txhash ${sim.txHash}`;
      if (failure || !sim.ok) {
        this.pool.settle(bundle, "failed", failure ?? "simulation failed");
        this.log(`builder: dropped bundle ${bundle.hash} for block ${env.number}: ${failure}`);
        continue;
      }
      const gas = sim.results.reduce((n, r) => n + r.gasUsed, 0n);
      const coinbaseDiff = sim.results.reduce((n, r) => n + r.coinbaseDiff, 0n);
      scored.push({ bundle, coinbaseDiff, gasPrice: gas > 0n ? coinbaseDiff / gas : 0n });
    }
    scored.sort((a, b) =>
      a.gasPrice !== b.gasPrice
        ? Number(b.gasPrice - a.gasPrice)
        : a.coinbaseDiff !== b.coinbaseDiff
          ? Number(b.coinbaseDiff - a.coinbaseDiff)
          : a.bundle.receivedAt.getTime() - b.bundle.receivedAt.getTime(),
    );

    const chosen: StoredBundle[] = [];
    for (const { bundle } of scored) {
      bundle.consideredAt = new Date();
      if (chosen.length > 0) {
        const prefix = chosen.flatMap((b) => b.txs);
        const sim = await simulateTxs(this.anvilUrl, env, [...prefix, ...bundle.txs]);
        const failure = sim.ok
          ? bundleFailure(bundle, sim.results.slice(prefix.length))
          : `${sim.error}; txhash ${sim.txHash} (after higher-paying bundles)`;
        if (failure) {
          this.pool.settle(bundle, "failed", failure);
          this.log(`builder: dropped bundle ${bundle.hash} for block ${env.number}: ${failure}`);
          continue;
        }
      }
      chosen.push(bundle);
    }
    return chosen;
  }

  private async verifyInclusion(number: bigint, chosen: StoredBundle[]): Promise<void> {
    const block = await rpcCall<{ transactions: Hex[] }>(this.anvilUrl, "eth_getBlockByNumber", [
      `0x${number.toString(16)}`,
      false,
    ]);
    const expected = chosen.flatMap((b) => b.txs.map((t) => t.hash));
    const prefix = block.transactions.slice(0, expected.length);
    const sealedAt = new Date();
    for (const bundle of chosen) {
      const ok = bundle.txs.every((t) => prefix.includes(t.hash));
      if (ok) bundle.sealedAt = sealedAt;
      this.pool.settle(bundle, ok ? "included" : "failed", ok ? undefined : "not found in the mined block");
      if (!ok) this.log(`builder: bundle ${bundle.hash} simulated fine but is missing from block ${number}`);
    }
    if (prefix.join() !== expected.join())
      this.log(`builder: block ${number} does not start with the bundle txs in order`);
  }
}
