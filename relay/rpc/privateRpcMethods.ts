/**
 * The JSON-RPC methods the wallet endpoint answers itself instead of proxying: every send method (each goes
 * through the private path: plain, Flashbots-style, EIP-7966 Sync and conditional), the cancel, the reads that
 * must reflect privately pending txs (pending nonce, tx by hash) and a range-capped eth_getLogs. Params are
 * validated here (zod), one schema per method.
 */
import { type Address, type Hex, isAddress, isHex } from "viem";
import { z } from "zod";
import { admitPrivateTx } from "./admitPrivateTx.js";
import { cancelPrivateTx } from "./cancelPrivateTx.js";
import { cappedGetLogs } from "./cappedGetLogs.js";
import { conditionalMaxBlock, conditionalOptionsSchema } from "./conditionalOptions.js";
import { positionalParams } from "./jsonRpcEnvelope.js";
import { pendingTxJson } from "./privateTxWire.js";
import type { RpcContext } from "./rpcContext.js";
import { InvalidParamsError } from "./rpcErrors.js";
import { syncTimeoutMs, waitForPrivateReceipt } from "./waitForPrivateReceipt.js";

/** Per-request facts a method may need beyond its params. */
export type RequestInfo = {
  /** `?canRevert=true` on the RPC URL: eth_sendRawTransaction txs may land even if they revert. */
  canRevert: boolean;
  /** Signer of the body's X-Flashbots-Signature, verified lazily (only eth_cancelPrivateTransaction asks). */
  signer: () => Promise<Address>;
};

type Handler = (ctx: RpcContext, params: unknown[], info: RequestInfo) => Promise<unknown>;

const quantity = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^0x[0-9a-fA-F]{1,16}$/, "hex quantity")
    .transform((s) => Number(BigInt(s))),
]);

const preferencesSchema = z
  .object({
    fast: z.boolean().optional(),
    canRevert: z.boolean().optional(),
    privacy: z
      .object({ hints: z.array(z.string()).optional(), builders: z.array(z.string()).optional() })
      .optional(),
    validity: z.unknown().optional(),
  })
  .optional();

const sendPrivateSchema = z.tuple([
  z.object({ tx: z.string(), maxBlockNumber: quantity.optional(), preferences: preferencesSchema }),
]);

const sendPrivateRawSchema = z.union([z.tuple([z.string()]), z.tuple([z.string(), preferencesSchema])]);

function parse<T>(schema: z.ZodType<T>, params: unknown[], usage: string): T {
  const res = schema.safeParse(params);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue.path.length > 0 ? ` at params.${issue.path.join(".")}` : "";
    throw new InvalidParamsError(`invalid params${where}: ${issue.message}; expected ${usage}`);
  }
  return res.data;
}

/** Methods handled locally, by name. */
export const PRIVATE_RPC_METHODS: Record<string, Handler> = {
  eth_sendRawTransaction: async (ctx, params, info) => {
    if (params.length !== 1) throw new InvalidParamsError("expected params [rawSignedTransaction]");
    return admitPrivateTx(ctx, params[0], { canRevert: info.canRevert });
  },

  eth_sendPrivateRawTransaction: async (ctx, params) => {
    const [raw, prefs] = parse(sendPrivateRawSchema, params, "[rawTx, preferences?]");
    return admitPrivateTx(ctx, raw, { canRevert: prefs?.canRevert, fast: prefs?.fast });
  },

  eth_sendPrivateTransaction: async (ctx, params) => {
    const [{ tx, maxBlockNumber, preferences }] = parse(
      sendPrivateSchema,
      params,
      "[{ tx, maxBlockNumber?: hex or number, preferences?: { fast?, canRevert?, privacy? } }]",
    );
    return admitPrivateTx(ctx, tx, {
      maxBlockNumber,
      canRevert: preferences?.canRevert,
      fast: preferences?.fast,
    });
  },

  // EIP-7966 (viem's sendTransactionSync): private admission, then the receipt once included, or code 4.
  eth_sendRawTransactionSync: async (ctx, params, info) => {
    if (params.length !== 1 && params.length !== 2)
      throw new InvalidParamsError("expected params [rawSignedTransaction, timeoutMs?]");
    const hash = await admitPrivateTx(ctx, params[0], { canRevert: info.canRevert });
    return waitForPrivateReceipt(ctx, hash, syncTimeoutMs(params[1]));
  },

  eth_sendRawTransactionConditional: async (ctx, params, info) => {
    const [raw, options] = parse(
      z.union([z.tuple([z.string()]), z.tuple([z.string(), conditionalOptionsSchema])]),
      params,
      "[rawTx, { blockNumberMin?, blockNumberMax? }]",
    );
    const head = Number(BigInt(await ctx.node.call<Hex>("eth_blockNumber")));
    const maxBlockNumber = options ? conditionalMaxBlock(options, head) : undefined;
    return admitPrivateTx(ctx, raw, { maxBlockNumber, canRevert: info.canRevert });
  },

  eth_getLogs: (ctx, params) => cappedGetLogs(ctx, params),

  eth_cancelPrivateTransaction: async (ctx, params, info) =>
    cancelPrivateTx(ctx, params, await info.signer()),

  eth_getTransactionCount: async (ctx, params) => {
    const [address, tag] = params;
    const nodeCount = await ctx.node.call<Hex>("eth_getTransactionCount", params);
    if (tag !== "pending" || typeof address !== "string" || !isAddress(address, { strict: false }))
      return nodeCount;
    const maxPending = await ctx.store.maxPendingNonce(address as Address);
    if (maxPending === null) return nodeCount;
    const count = Math.max(Number(BigInt(nodeCount)), maxPending + 1);
    return `0x${count.toString(16)}`;
  },

  eth_getTransactionByHash: async (ctx, params) => {
    const [hash] = params;
    if (typeof hash === "string" && isHex(hash) && hash.length === 66) {
      const tx = await ctx.store.get(hash as Hex);
      if (tx?.status === "PENDING") return pendingTxJson(tx);
    }
    return ctx.node.call("eth_getTransactionByHash", params);
  },
};

/** Runs a locally handled method (caller checked `method in PRIVATE_RPC_METHODS`). */
export function handlePrivateMethod(
  ctx: RpcContext,
  method: string,
  params: unknown,
  info: RequestInfo,
): Promise<unknown> {
  return PRIVATE_RPC_METHODS[method](ctx, positionalParams(params), info);
}
