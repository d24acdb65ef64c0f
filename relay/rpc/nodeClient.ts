/**
 * The wallet endpoint's lean link to the node: one keep-alive HTTP agent, raw pass-through of request bytes
 * for proxied methods (the node's answer is returned byte for byte, never re-parsed), and a small typed
 * `call` for the reads Veil itself needs. This keeps the proxy overhead to one local hop.
 */
import http from "node:http";
import https from "node:https";
import { NodeUnavailableError, RpcError, type RpcErrorCode } from "./rpcErrors.js";

/** How long a node call may take before the wallet gets a retryable error. */
export const NODE_TIMEOUT_MS = 10_000;

export type NodeReply = { status: number; body: Buffer };

/** JSON-RPC client of one node URL. */
export class NodeClient {
  readonly url: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  /** Where and how every call goes, worked out once (not a URL parse per call: intake reads are per request). */
  readonly #target: http.RequestOptions;
  #nextId = 1;

  constructor(rpcUrl: string) {
    this.url = new URL(rpcUrl);
    const secure = this.url.protocol === "https:";
    this.#agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.#request = secure ? https.request : http.request;
    this.#target = {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
      port: this.url.port || undefined,
      path: `${this.url.pathname}${this.url.search}`,
      auth: this.url.username
        ? `${decodeURIComponent(this.url.username)}:${decodeURIComponent(this.url.password)}`
        : undefined,
      method: "POST",
      agent: this.#agent,
      timeout: NODE_TIMEOUT_MS,
    };
  }

  /** POSTs `body` (a JSON-RPC request or batch, already serialized) and returns the node's raw reply. */
  forward(body: string | Buffer): Promise<NodeReply> {
    return new Promise((resolve, reject) => {
      const req = this.#request(
        {
          ...this.#target,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", (cause) => reject(unavailable(cause)));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${NODE_TIMEOUT_MS} ms`)));
      req.on("error", (cause) => reject(unavailable(cause)));
      req.end(body);
    });
  }

  /**
   * Calls one method and returns its `result`. A JSON-RPC error from the node is rethrown as an RpcError with
   * the node's code and message (so a wallet sees what the node said); transport failures as
   * NodeUnavailableError.
   */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const reply = await this.forward(JSON.stringify({ jsonrpc: "2.0", id: this.#nextId++, method, params }));
    let json: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      json = JSON.parse(reply.body.toString("utf8"));
    } catch (cause) {
      throw new NodeUnavailableError(UPSTREAM_UNAVAILABLE, {
        cause: new Error(`node answered ${method} with HTTP ${reply.status} and no JSON`, { cause }),
      });
    }
    if (json.error)
      throw new RpcError(json.error.code as RpcErrorCode, json.error.message, { data: json.error.data });
    return json.result as T;
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.#agent.destroy();
  }
}

/** A transport failure as wallets see it: generic, without the node's URL, host or port (kept in `cause`). */
function unavailable(cause: unknown): NodeUnavailableError {
  return new NodeUnavailableError(UPSTREAM_UNAVAILABLE, { cause });
}

/** What a wallet is told when the node cannot be reached or answers garbage. */
export const UPSTREAM_UNAVAILABLE = "upstream node unavailable, retry later";
