/** Error returned by an upstream JSON-RPC node (anvil), with its code and message kept intact. */
export class UpstreamRpcError extends Error {
  override name = "UpstreamRpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message}`);
  }
}

let nextId = 1;

/**
 * Minimal JSON-RPC call over HTTP, used by the devnet and the builder to talk to anvil.
 * Kept dependency-free (plain fetch) so the builder's hot path does not pay for a client library.
 *
 * @param url node URL, e.g. http://127.0.0.1:8545
 * @param method JSON-RPC method
 * @param params positional params
 * @returns the `result` field
 * @throws UpstreamRpcError when the node answers with an `error` object
 * @example const hex = await rpcCall<string>(url, "eth_blockNumber", []);
 */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  const body = (await res.json()) as {
    result?: T;
    error?: { code: number; message: string; data?: unknown };
  };
  if (body.error) throw new UpstreamRpcError(method, body.error.code, body.error.message, body.error.data);
  return body.result as T;
}

/** One answer of a JSON-RPC batch: the result, or the node's error for that call alone. */
export type BatchReply<T = unknown> = { ok: true; result: T } | { ok: false; error: UpstreamRpcError };

/**
 * Sends several calls as one JSON-RPC batch (one HTTP round trip) and returns the answers in call order.
 * The builder seals a block with it: anvil adds a batch's transactions to its pool in batch order, so a
 * block's bundle txs go in with one round trip instead of one each.
 *
 * @example const replies = await rpcBatch(url, raws.map((raw) => ["eth_sendRawTransaction", [raw]]));
 */
export async function rpcBatch<T = unknown>(
  url: string,
  calls: readonly (readonly [method: string, params: unknown[]])[],
): Promise<BatchReply<T>[]> {
  if (calls.length === 0) return [];
  const first = nextId;
  nextId += calls.length;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      calls.map(([method, params], i) => ({ jsonrpc: "2.0", id: first + i, method, params })),
    ),
  });
  const body = (await res.json()) as {
    id: number;
    result?: T;
    error?: { code: number; message: string; data?: unknown };
  }[];
  const byId = new Map(body.map((r) => [r.id, r]));
  return calls.map(([method], i) => {
    const r = byId.get(first + i);
    if (!r) return { ok: false, error: new UpstreamRpcError(method, -32603, "no answer in the batch reply") };
    if (r.error)
      return { ok: false, error: new UpstreamRpcError(method, r.error.code, r.error.message, r.error.data) };
    return { ok: true, result: r.result as T };
  });
}
