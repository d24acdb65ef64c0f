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
