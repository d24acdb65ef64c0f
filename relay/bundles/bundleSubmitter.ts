import { FlashbotsBundleProvider, type SimulationResponse } from "@flashbots/ethers-provider-bundle";
import { JsonRpcProvider, Wallet } from "ethers";
import { concat, type Hex, keccak256 } from "viem";

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

/** Private bundle submission to every configured builder; see {@link BundleSubmitterOptions}. */
export class BundleSubmitter {
  private constructor(
    private readonly node: JsonRpcProvider,
    private readonly builders: { url: string; provider: FlashbotsBundleProvider }[],
    /** The address that signs the X-Flashbots-Signature header (owns the bundles at the builder). */
    readonly authAddress: string,
  ) {}

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
    return new BundleSubmitter(node, builders, authSigner.address);
  }

  /**
   * Simulates the bundle with `eth_callBundle` on the first builder, on top of the latest state, as the
   * block `targetBlock`.
   */
  async simulate(signedTxs: readonly Hex[], targetBlock: bigint): Promise<BundleSimulation> {
    let response: SimulationResponse;
    try {
      response = await this.builders[0].provider.simulate([...signedTxs], Number(targetBlock), "latest");
    } catch (err) {
      return { ok: false, results: [], error: `eth_callBundle failed: ${(err as Error).message}` };
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
   * Sends the bundle for exactly `targetBlock` to every builder. A builder that refuses or is unreachable
   * is reported in `builders`, not thrown: the caller re-sends next block anyway.
   */
  async send(
    signedTxs: readonly Hex[],
    targetBlock: bigint,
    options: BundleSendOptions = {},
  ): Promise<BundleSendResult> {
    const outcomes = await Promise.all(
      this.builders.map(async ({ url, provider }) => {
        try {
          const res = await provider.sendRawBundle([...signedTxs], Number(targetBlock), options);
          if ("error" in res) return { url, ok: false, error: res.error.message };
          return { url, ok: true, bundleHash: res.bundleHash as Hex };
        } catch (err) {
          return { url, ok: false, error: (err as Error).message };
        }
      }),
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

/** The Flashbots bundle hash: keccak256 of the concatenated tx hashes (FLASHBOTS.md section 7). */
export function bundleHashOf(signedTxs: readonly Hex[]): Hex {
  return keccak256(concat(signedTxs.map((tx) => keccak256(tx))));
}
