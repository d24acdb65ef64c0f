import { type Address, type Hex, hexToBigInt } from "viem";
import { bundleHash } from "../../../relay/bundles/bundleHash.js";
import { rpcCall } from "../jsonRpc.js";
import { BuilderRpcError } from "./builderErrors.js";
import {
  parseBundleStatsParams,
  parseCallBundleParams,
  parseCancelBundleParams,
  parseSendBundleParams,
} from "./builderWire.js";
import type { BundlePool, StoredBundle } from "./bundlePool.js";
import { callBundle } from "./callBundle.js";
import { decodeRawTx } from "./decodeRawTx.js";

export type FlashbotsContext = {
  anvilUrl: string;
  chainId: number;
  pool: BundlePool;
  signer: Address;
  /**
   * Runs outside a block's seal: a bundle is either in time for the block being built (added before its
   * cut-off, so the build still takes it) or refused as past.
   */
  outsideSeal: <T>(fn: () => Promise<T>) => Promise<T>;
};
type Handler = (params: unknown, ctx: FlashbotsContext) => Promise<unknown>;

/** Name shown as the builder in bundle stats. */
const BUILDER_PUBKEY = "veil-local-builder";

async function sendBundle(params: unknown, ctx: FlashbotsContext): Promise<{ bundleHash: Hex }> {
  const p = parseSendBundleParams(params);
  const txs = await Promise.all(p.txs.map((raw, i) => decodeRawTx(raw, ctx.chainId, i)));
  const hash = bundleHash(txs.map((t) => t.hash));
  await ctx.outsideSeal(async () => {
    const next = hexToBigInt(await rpcCall<Hex>(ctx.anvilUrl, "eth_blockNumber")) + 1n;
    if (p.blockNumber < next) {
      throw new BuilderRpcError(
        "BLOCK_IN_PAST",
        `eth_sendBundle: blockNumber ${p.blockNumber} is in the past: the next block is ${next}`,
      );
    }
    ctx.pool.add({
      hash,
      txs,
      blockNumber: p.blockNumber,
      minTimestamp: p.minTimestamp ?? 0,
      maxTimestamp: p.maxTimestamp ?? 0,
      revertingTxHashes: new Set((p.revertingTxHashes ?? []).map((h) => h.toLowerCase() as Hex)),
      replacementUuid: p.replacementUuid,
      signer: ctx.signer,
      receivedAt: new Date(),
      status: "pending",
    });
  });
  return { bundleHash: hash };
}

async function cancelBundle(params: unknown, ctx: FlashbotsContext): Promise<Hex[]> {
  return ctx.pool.cancel(parseCancelBundleParams(params), ctx.signer).map((b) => b.hash);
}

function stamp(at: Date | undefined): { pubkey: string; timestamp: string }[] {
  return at ? [{ pubkey: BUILDER_PUBKEY, timestamp: at.toISOString() }] : [];
}

function ownBundle(params: unknown, ctx: FlashbotsContext): StoredBundle | undefined {
  const { bundleHash: hash, blockNumber } = parseBundleStatsParams(params);
  const bundle = ctx.pool.find(hash, blockNumber);
  // Stats are private to the submitter, as on Flashbots: another signer sees an unknown bundle.
  return bundle && bundle.signer === ctx.signer ? bundle : undefined;
}

async function bundleStatsV2(params: unknown, ctx: FlashbotsContext): Promise<Record<string, unknown>> {
  const b = ownBundle(params, ctx);
  if (!b) return { isSimulated: false };
  return {
    isHighPriority: true,
    isSimulated: b.simulatedAt !== undefined,
    simulatedAt: b.simulatedAt?.toISOString(),
    receivedAt: b.receivedAt.toISOString(),
    consideredByBuildersAt: stamp(b.consideredAt),
    sealedByBuildersAt: stamp(b.sealedAt),
    // Not in the Flashbots shape; handy when debugging against the local builder.
    status: b.status,
    error: b.error,
  };
}

async function bundleStats(params: unknown, ctx: FlashbotsContext): Promise<Record<string, unknown>> {
  const b = ownBundle(params, ctx);
  if (!b) return { isSimulated: false };
  return {
    isSimulated: b.simulatedAt !== undefined,
    isSentToMiners: b.consideredAt !== undefined,
    isHighPriority: true,
    simulatedAt: b.simulatedAt?.toISOString(),
    submittedAt: b.receivedAt.toISOString(),
    sentToMinersAt: b.consideredAt?.toISOString(),
    consideredByBuildersAt: stamp(b.consideredAt),
    sealedByBuildersAt: stamp(b.sealedAt),
  };
}

/** The Flashbots methods the local builder answers itself; every other method is proxied to anvil. */
export const FLASHBOTS_METHODS: Record<string, Handler> = {
  eth_sendBundle: sendBundle,
  eth_callBundle: (params, ctx) => callBundle(ctx.anvilUrl, ctx.chainId, parseCallBundleParams(params)),
  eth_cancelBundle: cancelBundle,
  flashbots_getBundleStatsV2: bundleStatsV2,
  flashbots_getBundleStats: bundleStats,
};
