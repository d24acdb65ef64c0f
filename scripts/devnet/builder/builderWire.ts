import { z } from "zod";
import { BuilderRpcError } from "./builderErrors.js";

/** Flashbots limits (docs): at most 100 transactions and 300,000 bytes of them per bundle. */
export const MAX_BUNDLE_TXS = 100;
export const MAX_BUNDLE_BYTES = 300_000;

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex hash");
/** Block numbers arrive as hex strings (Flashbots) or, from some clients, JSON numbers: accept both. */
const blockNumber = z.union([
  z.string().regex(/^0x[0-9a-fA-F]+$/, "expected a hex block number such as 0x1a"),
  z.number().int().nonnegative(),
]);
const seconds = z.number().int().nonnegative().optional();

const sendBundleParams = z.object({
  txs: z.array(z.unknown()),
  blockNumber,
  minTimestamp: seconds,
  maxTimestamp: seconds,
  revertingTxHashes: z.array(hex32).optional(),
  replacementUuid: z.string().min(1).max(100).optional(),
  builders: z.array(z.string()).optional(),
});

const callBundleParams = z.object({
  txs: z.array(z.unknown()),
  blockNumber,
  stateBlockNumber: z.union([blockNumber, z.enum(["latest", "pending"])]).optional(),
  timestamp: seconds,
  coinbase: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
});

const cancelBundleParams = z.object({ replacementUuid: z.string().min(1) });
const bundleStatsParams = z.object({ bundleHash: hex32, blockNumber });

export type SendBundleParams = Omit<z.infer<typeof sendBundleParams>, "blockNumber"> & {
  blockNumber: bigint;
};
export type CallBundleParams = Omit<z.infer<typeof callBundleParams>, "blockNumber" | "stateBlockNumber"> & {
  blockNumber: bigint;
  stateBlockNumber?: bigint | "latest";
};

function parseFirst<T>(schema: z.ZodType<T>, params: unknown, method: string): T {
  if (!Array.isArray(params) || params.length < 1) {
    throw new BuilderRpcError("INVALID_PARAMS", `${method}: params must be an array with one object`);
  }
  const result = schema.safeParse(params[0]);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "params[0]";
    throw new BuilderRpcError("INVALID_PARAMS", `${method}: ${where}: ${issue.message}`);
  }
  return result.data;
}

function toBlock(value: string | number): bigint {
  return typeof value === "number" ? BigInt(value) : BigInt(value);
}

function checkTxs(txs: unknown[], method: string): void {
  if (txs.length === 0) {
    throw new BuilderRpcError(
      "INVALID_PARAMS",
      `${method}: empty bundle: txs must hold at least one signed transaction`,
    );
  }
  if (txs.length > MAX_BUNDLE_TXS) {
    throw new BuilderRpcError(
      "BUNDLE_TOO_LARGE",
      `${method}: ${txs.length} txs, at most ${MAX_BUNDLE_TXS} allowed`,
    );
  }
  const bytes = txs.reduce<number>((n, t) => n + (typeof t === "string" ? (t.length - 2) / 2 : 0), 0);
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new BuilderRpcError(
      "BUNDLE_TOO_LARGE",
      `${method}: ${bytes} bytes of txs, at most ${MAX_BUNDLE_BYTES}`,
    );
  }
}

/** Wire -> typed params of eth_sendBundle (shape checks only; txs are decoded by the caller). */
export function parseSendBundleParams(params: unknown): SendBundleParams {
  const p = parseFirst(sendBundleParams, params, "eth_sendBundle");
  checkTxs(p.txs, "eth_sendBundle");
  const block = toBlock(p.blockNumber);
  if (block === 0n) throw new BuilderRpcError("INVALID_PARAMS", "eth_sendBundle: blockNumber must not be 0");
  if (p.minTimestamp && p.maxTimestamp && p.minTimestamp > p.maxTimestamp) {
    throw new BuilderRpcError("INVALID_PARAMS", "eth_sendBundle: minTimestamp is after maxTimestamp");
  }
  return { ...p, blockNumber: block };
}

/** Wire -> typed params of eth_callBundle. */
export function parseCallBundleParams(params: unknown): CallBundleParams {
  const p = parseFirst(callBundleParams, params, "eth_callBundle");
  checkTxs(p.txs, "eth_callBundle");
  const state = p.stateBlockNumber;
  const stateBlockNumber =
    state === undefined || state === "latest" || state === "pending" ? "latest" : toBlock(state);
  return { ...p, blockNumber: toBlock(p.blockNumber), stateBlockNumber };
}

/** Wire -> replacementUuid of eth_cancelBundle. */
export function parseCancelBundleParams(params: unknown): string {
  return parseFirst(cancelBundleParams, params, "eth_cancelBundle").replacementUuid;
}

/** Wire -> {bundleHash, blockNumber} of flashbots_getBundleStats(V2). */
export function parseBundleStatsParams(params: unknown): { bundleHash: `0x${string}`; blockNumber: bigint } {
  const p = parseFirst(bundleStatsParams, params, "flashbots_getBundleStatsV2");
  return { bundleHash: p.bundleHash.toLowerCase() as `0x${string}`, blockNumber: toBlock(p.blockNumber) };
}
