import { type Hex, hexToBigInt } from "viem";
import { rpcBatch, rpcCall } from "../jsonRpc.js";
import { nextBlockEnv } from "./blockEnv.js";
import type { BuilderSettings } from "./builderAdmin.js";
import type { BundlePool, StoredBundle } from "./bundlePool.js";
import { collectPublicTxs, requeuePublicTxs } from "./publicPool.js";
import { type BlockEnv, simulateTxs, type TxSimResult } from "./simulateTxs.js";

export type BuilderLog = (message: string) => void;

/**
 * Hook points of one build, for tests and tools that need to act at a precise moment of it (never needed in
 * normal operation). `beforeCutoff` runs after the bundles known at the start were chosen and before the
 * cut-off: a bundle sent for this block while it runs must still land in it.
 */
export type BuildHooks = { beforeCutoff?: (blockNumber: bigint) => Promise<void> };

/**
 * What one build did: how many bundles were chosen, how many of them arrived after it started, and which of
 * the block's txs came from the public pool (every tx that was not a bundle tx): the builder's record a test
 * checks to prove a tx never went public.
 */
export type BuildReport = {
  number: bigint;
  bundles: number;
  lateBundles: number;
  sealMs: number;
  publicTxs: Hex[];
  /** Bundles for this block skipped for paying less than the floor (builderAdmin.ts), with what they bid. */
  belowFloor: BelowFloor[];
};

/** A bundle the builder skipped for its bid: its bundle gas price, the floor then, and each tx's bid. */
export type BelowFloor = {
  bundleHash: Hex;
  gasPriceWei: bigint;
  minGasPriceWei: bigint;
  txs: { hash: Hex; gas: bigint; maxPriorityFeePerGas: bigint }[];
};

/** Longest the cut-off waits for bundle submissions that were received before it but are still being checked. */
export const ARRIVAL_WAIT_MS = 100;

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
 * Builds and mines one block on anvil (--no-mining) the way a continuous builder does: the bundles targeting
 * it, best-paying first (by bundle gas price = coinbase payment / gas, as Flashbots ranks them; one below the
 * admin-set floor, builderAdmin.ts, is skipped), each kept only if it still executes on top of the ones
 * already chosen; then, until the cut-off, every bundle that
 * arrives for this block meanwhile, simulated on top of what is already chosen; then the public pending
 * transactions; then exactly one evm_mine.
 *
 * Only the seal (from the cut-off to the mined block: taking the public txs out of anvil's pool, queueing
 * the bundle txs in front of them, evm_mine) is `exclusive`: a bundle or public tx that arrives while the
 * bundles are being chosen is taken, not held back until the block is mined. So a bundle misses its target
 * block only when it arrives during the seal, a few node round trips long, instead of during the whole build.
 */
export class BlockBuilder {
  /** The seal lock: bundle adds and public pool writes wait only while a block is being sealed. */
  private sealQueue: Promise<unknown> = Promise.resolve();
  /** Builds run one after another. */
  private buildQueue: Promise<unknown> = Promise.resolve();
  /** eth_sendBundle requests received and not yet added to the pool (decoding, checking the signature). */
  private readonly arriving = new Set<Promise<unknown>>();
  /** The last builds, newest last (bounded), for tests and the bench. */
  readonly reports: BuildReport[] = [];
  /** Bundles the build in progress skipped for their bid (builds run one at a time). */
  private belowFloor: BelowFloor[] = [];

  constructor(
    private readonly anvilUrl: string,
    private readonly pool: BundlePool,
    private readonly log: BuilderLog,
    private readonly hooks: BuildHooks = {},
    /** Read at every bundle scored, so an admin call takes effect from the next bundle on. */
    private readonly settings: BuilderSettings = { minBundleGasPriceWei: 0n },
  ) {}

  /** Runs `fn` when no block is being sealed (and holds the next seal back meanwhile). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.sealQueue.then(fn, fn);
    this.sealQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Registers a bundle submission in progress: the cut-off waits (up to {@link ARRIVAL_WAIT_MS}) for the
   * submissions received before it, so a bundle that reached the builder in time is not lost to its own
   * decoding and signature check.
   */
  arrival<T>(submission: Promise<T>): Promise<T> {
    this.arriving.add(submission);
    const done = () => this.arriving.delete(submission);
    submission.then(done, done);
    return submission;
  }

  /** Waits for the submissions received so far (not for ones arriving meanwhile), at most ARRIVAL_WAIT_MS. */
  private async awaitArrivals(): Promise<void> {
    if (this.arriving.size === 0) return;
    const received = [...this.arriving].map((p) => p.catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(received),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ARRIVAL_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Resolves once no build is running or queued. */
  async idle(): Promise<void> {
    await this.buildQueue.catch(() => undefined);
    await this.sealQueue.catch(() => undefined);
  }

  /** Builds and mines the next block now; returns its number. */
  buildBlock(): Promise<bigint> {
    const run = this.buildQueue.then(
      () => this.build(),
      () => this.build(),
    );
    this.buildQueue = run.catch(() => undefined);
    return run;
  }

  private async build(): Promise<bigint> {
    const env = await nextBlockEnv(this.anvilUrl, "latest");
    this.belowFloor = [];
    this.pool.expireBefore(env.number);
    const seen = new Set<StoredBundle>();
    let chosen = await this.chooseBundles(env, seen);
    const startCount = chosen.length;
    // Continuous building: take whatever arrived for this block while the first choice was simulated.
    await this.takeLateArrivals(env, chosen, seen);
    await this.hooks.beforeCutoff?.(env.number);
    await this.awaitArrivals();
    await this.takeLateArrivals(env, chosen, seen);
    let sealMs = 0;
    let sealed = false;
    // The cut-off. Bundle adds queued before it are in the pool once it holds the seal lock; later ones see
    // the block as past. Bundles that slipped in meanwhile are simulated outside the lock (so adds and
    // public txs keep flowing) and the lock is taken again; after a few rounds, inside it.
    for (let round = 0; !sealed; round++) {
      sealed = await this.exclusive(async () => {
        const late = this.pool.forBlock(env.number).some((b) => !seen.has(b));
        if (late && round < 3) return false;
        const t = performance.now();
        await this.takeLateArrivals(env, chosen, seen);
        chosen = await this.dropWithdrawn(env, chosen);
        await this.seal(env, chosen);
        sealMs = performance.now() - t;
        return true;
      });
      if (!sealed) await this.takeLateArrivals(env, chosen, seen);
    }
    // read after the seal lock is released: once evm_mine has returned, a bundle for this block is past
    const number = hexToBigInt(await rpcCall<Hex>(this.anvilUrl, "eth_blockNumber"));
    if (chosen.length > 0) await this.verifyInclusion(number, chosen);
    const block = await rpcCall<{ transactions: Hex[] }>(this.anvilUrl, "eth_getBlockByNumber", [
      `0x${number.toString(16)}`,
      false,
    ]);
    const fromBundles = new Set(chosen.flatMap((b) => b.txs.map((t) => t.hash.toLowerCase())));
    this.reports.push({
      number,
      bundles: chosen.length,
      lateBundles: Math.max(0, chosen.length - startCount),
      sealMs,
      publicTxs: block.transactions.filter((h) => !fromBundles.has(h.toLowerCase())),
      belowFloor: this.belowFloor,
    });
    if (this.reports.length > 1_000) this.reports.shift();
    return number;
  }

  /** Mines `chosen` (bundle txs first, in order) and the public pending txs behind them. */
  private async seal(env: BlockEnv, chosen: StoredBundle[]): Promise<void> {
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
    // One batch: anvil adds a batch's txs in order, and the seal (the window in which a bundle for this
    // block is refused) is one round trip shorter per tx.
    const replies = await rpcBatch(
      this.anvilUrl,
      bundleTxs.map((t) => ["eth_sendRawTransaction", [t.raw]] as const),
    );
    replies.forEach((r, i) => {
      if (!r.ok)
        this.log(
          `builder: bundle tx ${bundleTxs[i]!.hash} refused by anvil after simulation: ${r.error.message}`,
        );
    });
    await requeuePublicTxs(this.anvilUrl, publicTxs, new Set(bundleTxs.map((t) => t.hash)));
    return this.mine(env);
  }

  private async mine(env: BlockEnv): Promise<void> {
    await rpcCall(this.anvilUrl, "evm_mine", [{ timestamp: Number(env.timestamp), blocks: 1 }]);
  }

  /** Simulates `bundle` alone; settles it as failed (and returns null) when it cannot land. */
  private async score(env: BlockEnv, bundle: StoredBundle): Promise<Scored | null> {
    if (!inWindow(bundle, env.timestamp)) {
      this.pool.settle(bundle, "failed", `block timestamp ${env.timestamp} outside [min, max]Timestamp`);
      return null;
    }
    const sim = await simulateTxs(this.anvilUrl, env, bundle.txs);
    bundle.simulatedAt = new Date();
    const failure = sim.ok ? bundleFailure(bundle, sim.results) : `${sim.error}; txhash ${sim.txHash}`;
    if (failure || !sim.ok) {
      this.pool.settle(bundle, "failed", failure ?? "simulation failed");
      this.log(`builder: dropped bundle ${bundle.hash} for block ${env.number}: ${failure}`);
      return null;
    }
    const gas = sim.results.reduce((n, r) => n + r.gasUsed, 0n);
    const coinbaseDiff = sim.results.reduce((n, r) => n + r.coinbaseDiff, 0n);
    const gasPrice = gas > 0n ? coinbaseDiff / gas : 0n;
    const floor = this.settings.minBundleGasPriceWei;
    if (gasPrice < floor) {
      // As a builder of a contested block would: a better-paying use of the space exists, so this bundle
      // misses the block (its sender learns it from the block, as on mainnet; no error is returned).
      const why = `bundle gas price ${gasPrice} wei is below the builder's floor of ${floor} wei`;
      this.pool.settle(bundle, "failed", why);
      this.belowFloor.push({
        bundleHash: bundle.hash,
        gasPriceWei: gasPrice,
        minGasPriceWei: floor,
        txs: bundle.txs.map((t) => ({
          hash: t.hash,
          gas: t.gas,
          maxPriorityFeePerGas: t.maxPriorityFeePerGas,
        })),
      });
      this.log(`builder: skipped bundle ${bundle.hash} for block ${env.number}: ${why}`);
      return null;
    }
    return { bundle, coinbaseDiff, gasPrice };
  }

  /**
   * Simulates `bundle` on top of `chosen` (already simulated in that order); appends it when its own txs
   * still execute there, otherwise settles it as failed.
   */
  private async stack(env: BlockEnv, chosen: StoredBundle[], bundle: StoredBundle): Promise<boolean> {
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
        return false;
      }
    }
    chosen.push(bundle);
    return true;
  }

  /** The bundles pending for `env` at the start of the build, ranked and stacked greedily. */
  private async chooseBundles(env: BlockEnv, seen: Set<StoredBundle>): Promise<StoredBundle[]> {
    const scored: Scored[] = [];
    for (const bundle of this.pool.forBlock(env.number)) {
      seen.add(bundle);
      const s = await this.score(env, bundle);
      if (s) scored.push(s);
    }
    scored.sort((a, b) =>
      a.gasPrice !== b.gasPrice
        ? Number(b.gasPrice - a.gasPrice)
        : a.coinbaseDiff !== b.coinbaseDiff
          ? Number(b.coinbaseDiff - a.coinbaseDiff)
          : a.bundle.receivedAt.getTime() - b.bundle.receivedAt.getTime(),
    );
    const chosen: StoredBundle[] = [];
    for (const { bundle } of scored) await this.stack(env, chosen, bundle);
    return chosen;
  }

  /**
   * Bundles that arrived for `env` since the build started, in arrival order, each simulated on top of what
   * is already chosen (the block so far is not re-ordered for them). Returns whether any was looked at.
   */
  private async addLateArrivals(env: BlockEnv, chosen: StoredBundle[], seen: Set<StoredBundle>) {
    const late = this.pool.forBlock(env.number).filter((b) => !seen.has(b));
    for (const bundle of late) {
      seen.add(bundle);
      if (!(await this.score(env, bundle))) continue;
      await this.stack(env, chosen, bundle);
    }
    return late.length > 0;
  }

  /** addLateArrivals until none is new (at most 20 rounds, so a steady stream cannot hold the block back). */
  private async takeLateArrivals(env: BlockEnv, chosen: StoredBundle[], seen: Set<StoredBundle>) {
    for (let i = 0; i < 20 && (await this.addLateArrivals(env, chosen, seen)); i++);
  }

  /**
   * A chosen bundle cancelled or replaced before the cut-off leaves the block; the ones stacked after it
   * were simulated with it in front, so they are stacked again without it.
   */
  private async dropWithdrawn(env: BlockEnv, chosen: StoredBundle[]): Promise<StoredBundle[]> {
    if (chosen.every((b) => b.status === "pending")) return chosen;
    const kept: StoredBundle[] = [];
    for (const bundle of chosen.filter((b) => b.status === "pending")) await this.stack(env, kept, bundle);
    return kept;
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
