/**
 * The JSON-RPC 2.0 envelope, in one place: parsing a request body (single or batch) into validated entries,
 * and building the response members. Params are left as `unknown` here; each method validates its own.
 */
import { type RpcErrorJson, rpcErrorOf } from "../errors/errorAnswers.js";
import { InvalidRequestError, ParseError, type RpcError } from "./rpcErrors.js";

export type JsonRpcId = string | number | null;

/** A request entry that passed envelope validation. `notification` = no `id` member (no answer expected). */
export type JsonRpcRequest = {
  id: JsonRpcId;
  method: string;
  params: unknown;
  notification: boolean;
};

/** One entry of a body: either a valid request or the error to answer it with. */
export type ParsedEntry =
  | { ok: true; request: JsonRpcRequest }
  | { ok: false; id: JsonRpcId; error: RpcError };

export type ParsedBody = { batch: false; entry: ParsedEntry } | { batch: true; entries: ParsedEntry[] };

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: RpcErrorJson };

/** Largest batch a client may send in one body. */
export const MAX_BATCH_ENTRIES = 100;

/**
 * Parses a request body. Throws ParseError (not JSON) or InvalidRequestError (empty or oversized batch, or a
 * JSON value that is neither an object nor an array); malformed entries of a batch become error entries so the
 * good ones in the same batch are still answered.
 */
export function parseRpcBody(text: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ParseError(`request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (Array.isArray(json)) {
    if (json.length === 0) throw new InvalidRequestError("empty batch: send at least one request object");
    if (json.length > MAX_BATCH_ENTRIES)
      throw new InvalidRequestError(`batch too large: ${json.length} entries, at most ${MAX_BATCH_ENTRIES}`);
    return { batch: true, entries: json.map(parseEntry) };
  }
  if (json === null || typeof json !== "object")
    throw new InvalidRequestError("request must be a JSON-RPC 2.0 object or a non-empty array of them");
  return { batch: false, entry: parseEntry(json) };
}

function parseEntry(value: unknown): ParsedEntry {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return {
      ok: false,
      id: null,
      error: new InvalidRequestError("batch entry must be a JSON-RPC 2.0 object"),
    };
  const obj = value as Record<string, unknown>;
  const rawId = obj.id;
  const idValid =
    rawId === undefined || rawId === null || typeof rawId === "string" || typeof rawId === "number";
  const id: JsonRpcId = idValid && rawId !== undefined ? (rawId as JsonRpcId) : null;
  if (!idValid) return fail(id, "id must be a string, a number or null");
  if (obj.jsonrpc !== undefined && obj.jsonrpc !== "2.0") return fail(id, 'jsonrpc must be "2.0"');
  if (typeof obj.method !== "string" || obj.method.length === 0)
    return fail(id, "method must be a non-empty string");
  const params = obj.params;
  if (params !== undefined && (params === null || typeof params !== "object"))
    return fail(id, "params must be an array or an object");
  return {
    ok: true,
    request: { id, method: obj.method, params: params ?? [], notification: rawId === undefined },
  };
}

function fail(id: JsonRpcId, message: string): ParsedEntry {
  return { ok: false, id, error: new InvalidRequestError(`invalid JSON-RPC request: ${message}`) };
}

/** A success member. */
export function rpcResult(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

/** An error member, mapped by relay/errors/errorAnswers.ts: anything unknown leaks no detail. */
export function rpcFailure(id: JsonRpcId, error: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: rpcErrorOf(error) };
}

/** Positional params as an array (objects are not accepted by the eth_ methods Veil handles itself). */
export function positionalParams(params: unknown): unknown[] {
  return Array.isArray(params) ? params : [params];
}
