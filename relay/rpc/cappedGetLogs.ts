/**
 * eth_getLogs with a capped block range: one free request must not make the node scan the whole chain. A
 * filter by `blockHash` is one block and goes through; otherwise fromBlock/toBlock (tags resolved against the
 * head; both default to "latest", as on a node) may span at most MAX_LOG_BLOCK_RANGE blocks.
 */
import type { Hex } from "viem";
import type { RpcContext } from "./rpcContext.js";
import { InvalidParamsError } from "./rpcErrors.js";

/** Most blocks one eth_getLogs may cover (dapps page longer histories). */
export const MAX_LOG_BLOCK_RANGE = 2_000;

const TAGS_AT_HEAD = new Set(["latest", "safe", "finalized", "pending"]);

/**
 * Checks the filter's range, then asks the node.
 * @throws InvalidParamsError for a malformed filter or a range over the cap
 * @example await cappedGetLogs(ctx, [{ fromBlock: "0x10", toBlock: "0x20", address }])
 */
export async function cappedGetLogs(ctx: RpcContext, params: unknown[]): Promise<unknown> {
  const filter = params[0];
  if (params.length !== 1 || filter === null || typeof filter !== "object" || Array.isArray(filter))
    throw new InvalidParamsError("expected params [filter object]");
  const f = filter as { blockHash?: unknown; fromBlock?: unknown; toBlock?: unknown };
  if (f.blockHash !== undefined) {
    if (f.fromBlock !== undefined || f.toBlock !== undefined)
      throw new InvalidParamsError("a filter with blockHash cannot also have fromBlock or toBlock");
    return ctx.node.call("eth_getLogs", params);
  }
  let head: number | undefined;
  const resolve = async (tag: unknown, field: string): Promise<number> => {
    const value = tag ?? "latest";
    if (value === "earliest") return 0;
    if (typeof value === "string" && TAGS_AT_HEAD.has(value)) {
      head ??= Number(BigInt(await ctx.node.call<Hex>("eth_blockNumber")));
      return head;
    }
    if (typeof value === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(value)) return Number(BigInt(value));
    throw new InvalidParamsError(`${field} must be a hex block number or a block tag`);
  };
  const from = await resolve(f.fromBlock, "fromBlock");
  const to = await resolve(f.toBlock, "toBlock");
  if (to >= from && to - from + 1 > MAX_LOG_BLOCK_RANGE)
    throw new InvalidParamsError(
      `eth_getLogs block range too large: ${to - from + 1} blocks (${from} to ${to}), at most ${MAX_LOG_BLOCK_RANGE}; split the query`,
    );
  return ctx.node.call("eth_getLogs", params);
}
