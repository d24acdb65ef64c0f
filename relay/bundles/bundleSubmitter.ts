import { FlashbotsBundleProvider, type SimulationResponse } from "@flashbots/ethers-provider-bundle";
import { JsonRpcProvider, Wallet } from "ethers";
import type { Hex } from "viem";
import { BuilderHealth, type BuilderHealthView } from "./builderHealth.js";
import { bundleHashOf } from "./bundleHash.js";

/**
 * Sends everything the relay puts on chain as private Flashbots bundles, never to a public mempool.
 * One {@link FlashbotsBundleProvider} per configured builder, all authenticated with the relay's bundle-auth
 * key (`X-Flashbots-Signature`), which is deliberately not the operator key: a leaked auth key can only
 * spoil the relay's builder reputation, not move funds.
 */
export type BundleSubmitterOptions = {
  /** Node RPC used for chain reads the bundle provider needs. */
  rpcUrl: string;
  /** Flashbots-compatible builder endpoints; each bundle goes to all of them. */
  builderUrls: readonly string[];
  /** 0x private key signing the X-Flashbots-Signature header. */
  authKey: Hex;
  chainId: number;
  /** Called after every builder request (metrics and logs); `index` is the builder's position in builderUrls. */
  onBuilderOutcome?: (outcome: BuilderOutcome) => void;
  /** A builder that has not answered in this many ms counts as failed for this request (default 5,000). */
  builderTimeoutMs?: number;
  /** Ask the next healthy builder to simulate too when the current one has not answered within this (300). */
  simulateHedgeMs?: number;
  /** After one builder accepted a bundle, how long `send` still waits for the others (500 ms). */
  sendGraceMs?: number;
};

/** One builder request's outcome; `transition` says when the builder just went down or came back. */
export type BuilderOutcome = {
  index: number;
  op: "simulate" | "send";
  ok: boolean;
  error?: string;
  transition?: "down" | "recovered";
};

export type BundleTxSimulation = { txHash: Hex; gasUsed: number; error?: string; revert?: string };

export type BundleSimulation = {
  /** True when every tx executed without error or revert. */
  ok: boolean;
  results: BundleTxSimulation[];
  /** Why the simulation failed: the builder's error, or the first reverting tx's error. */
  error?: string;
};

export type BundleSendOptions = {
  revertingTxHashes?: Hex[];
  minTimestamp?: number;
  maxTimestamp?: number;
  replacementUuid?: string;
};

export type BundleSendResult = {
  bundleHash: Hex;
  builders: { url: string; ok: boolean; error?: string }[];
};

type EthersCjsProvider = Parameters<typeof FlashbotsBundleProvider.create>[0];
type EthersCjsSigner = Parameters<typeof FlashbotsBundleProvider.create>[1];

/**
 * Private bundle submission to every configured builder; see {@link BundleSubmitterOptions}. Simulations go
 * to the first healthy builder (per-builder health with back-off, {@link BuilderHealth}); bundles go to every
 * builder that is not backing off, so one builder down for minutes changes nothing a user sees.
 */
export class BundleSubmitter {
  private readonly health: BuilderHealth;

  private constructor(
    private readonly node: JsonRpcProvider,
    private readonly builders: { url: string; provider: FlashbotsBundleProvider }[],
    /** The address that signs the X-Flashbots-Signature header (owns the bundles at the builder). */
    readonly authAddress: string,
    private readonly options: BundleSubmitterOptions,
  ) {
    this.health = new BuilderHealth(builders.map((b) => b.url));
  }

  /** Every builder's health, by index (for `/healthz`). */
  builderHealth(): BuilderHealthView[] {
    return this.health.view();
  }

  /** Runs one request against builder `index` with a timeout, recording its outcome in the builder's health. */
  private async ask<T>(
    index: number,
    op: BuilderOutcome["op"],
    request: (provider: FlashbotsBundleProvider) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = this.options.builderTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        request(this.builders[index].provider),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const recovered = this.health.succeeded(index);
      this.options.onBuilderOutcome?.({
        index,
        op,
        ok: true,
        ...(recovered ? { transition: "recovered" } : {}),
      });
      return result;
    } catch (err) {
      const error = (err as Error).message;
      const down = this.health.failed(index, error);
      this.options.onBuilderOutcome?.({
        index,
        op,
        ok: false,
        error,
        ...(down ? { transition: "down" } : {}),
      });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Connects to the node and every builder (no network call beyond provider set-up).
   * @example const submitter = await BundleSubmitter.create({ rpcUrl, builderUrls: [builderUrl], authKey, chainId })
   */
  static async create(options: BundleSubmitterOptions): Promise<BundleSubmitter> {
    if (options.builderUrls.length === 0) throw new RangeError("at least one builder URL is required");
    const network = { chainId: options.chainId, name: `chain-${options.chainId}` };
    const node = new JsonRpcProvider(options.rpcUrl, network, { staticNetwork: true });
    const authSigner = new Wallet(options.authKey);
    const builders = await Promise.all(
      options.builderUrls.map(async (url) => ({
        url,
        // The bundle provider is CommonJS and types against ethers' CJS build; the objects are the same at runtime.
        provider: await FlashbotsBundleProvider.create(
          node as unknown as EthersCjsProvider,
          authSigner as unknown as EthersCjsSigner,
          url,
          network,
        ),
      })),
    );
    return new BundleSubmitter(node, builders, authSigner.address, options);
  }

  /**
   * Simulates the bundle with `eth_callBundle` on top of the latest state, as the block `targetBlock`, on the
   * healthy builders as a hedged request: the best one first, the next one too if no answer came within
   * `hedgeMs`, and so on; the first answer wins (an unreachable builder is skipped and backs off; the answer of
   * one that responds is authoritative, even when it says the bundle fails). A hanging builder so costs
   * `hedgeMs`, not its timeout, which matters when an order's commit deadline is a few blocks away.
   */
  async simulate(signedTxs: readonly Hex[], targetBlock: bigint): Promise<BundleSimulation> {
    const hedgeMs = this.options.simulateHedgeMs ?? 300;
    const order = this.health.order();
    const failures: string[] = [];
    const response = await new Promise<SimulationResponse | undefined>((resolve) => {
      let settled = false;
      let started = 0;
      let finished = 0;
      let timer: NodeJS.Timeout | undefined;
      const startNext = () => {
        clearTimeout(timer);
        if (settled || started >= order.length) return;
        const index = order[started++];
        this.ask(index, "simulate", (p) => p.simulate([...signedTxs], Number(targetBlock), "latest")).then(
          (answer) => {
            finished++;
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              resolve(answer);
            }
          },
          (err: Error) => {
            finished++;
            failures.push(`builder ${index}: ${err.message}`);
            if (settled) return;
            if (started < order.length) startNext();
            else if (finished === started) {
              settled = true;
              resolve(undefined);
            }
          },
        );
        timer = setTimeout(startNext, hedgeMs);
      };
      startNext();
    });
    if (response === undefined) {
      return {
        ok: false,
        results: [],
        error: `eth_callBundle failed on every builder (${failures.join("; ")})`,
      };
    }
    if ("error" in response) return { ok: false, results: [], error: response.error.message };
    const results = response.results.map((r) => {
      const out: BundleTxSimulation = { txHash: r.txHash as Hex, gasUsed: Number(r.gasUsed) };
      if ("error" in r && r.error !== undefined) out.error = r.error;
      if ("revert" in r && r.revert !== undefined) out.revert = r.revert;
      return out;
    });
    const failed = results.find((r) => r.error !== undefined || r.revert !== undefined);
    return failed
      ? {
          ok: false,
          results,
          error: `${failed.txHash}: ${failed.error ?? "reverted"} ${failed.revert ?? ""}`.trim(),
        }
      : { ok: true, results };
  }

  /**
   * Sends the bundle for exactly `targetBlock` to every builder that is not backing off. A builder that
   * refuses or is unreachable is reported in `builders`, not thrown: the caller re-sends next block anyway.
   */
  async send(
    signedTxs: readonly Hex[],
    targetBlock: bigint,
    options: BundleSendOptions = {},
  ): Promise<BundleSendResult> {
    // Every builder not backing off; if all are, every one (a bundle must still go somewhere). A builder
    // probed after a back-off is not waited for while a healthy one exists: a hanging builder must not hold
    // up the operator loop; its outcome still updates its health.
    const all = this.builders.map((_, i) => i);
    const ready = all.filter((i) => this.health.available(i));
    const targets = ready.length > 0 ? ready : all;
    const healthyNow = new Set(
      this.health
        .view()
        .filter((b) => b.healthy)
        .map((b) => b.index),
    );
    const awaited = targets.filter((i) => healthyNow.has(i));
    const sent = targets.map(async (index) => {
      const { url } = this.builders[index];
      try {
        const res = await this.ask(index, "send", (p) =>
          p.sendRawBundle([...signedTxs], Number(targetBlock), options),
        );
        if ("error" in res) return { url, ok: false, error: res.error.message };
        return { url, ok: true, bundleHash: res.bundleHash as Hex };
      } catch (err) {
        return { url, ok: false, error: (err as Error).message };
      }
    });
    const waitIdx = awaited.length > 0 ? awaited : targets;
    const waitFor = waitIdx.map((index) => sent[targets.indexOf(index)]);
    // Once one builder took the bundle, a slow one gets `sendGraceMs` more, then answers in the background
    // (its outcome still updates its health): a hanging builder must not stall the next block's work.
    const graceMs = this.options.sendGraceMs ?? 500;
    const answers: (Awaited<(typeof sent)[number]> | undefined)[] = waitFor.map(() => undefined);
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      waitFor.forEach((p, i) => {
        p.then((o) => {
          answers[i] = o;
          if (answers.every((a) => a !== undefined)) {
            clearTimeout(timer);
            resolve();
          } else if (o.ok && timer === undefined) timer = setTimeout(resolve, graceMs);
        });
      });
    });
    const outcomes = answers.map(
      (o, i) =>
        o ?? {
          url: this.builders[waitIdx[i]].url,
          ok: false,
          error: `no answer within ${graceMs} ms of the first builder's`,
        },
    );
    const bundleHash = outcomes.find((o) => "bundleHash" in o)?.bundleHash ?? bundleHashOf(signedTxs);
    return {
      bundleHash,
      builders: outcomes.map(({ url, ok, error }) => (error ? { url, ok, error } : { url, ok })),
    };
  }

  /** Releases the node connection (stops any polling). */
  close(): void {
    this.node.destroy();
  }
}
