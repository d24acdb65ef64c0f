import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Address } from "viem";
import { UpstreamRpcError } from "../jsonRpc.js";
import type { BlockBuilder, BuilderLog } from "./blockBuilder.js";
import { BUILDER_ADMIN_METHODS, type BuilderSettings } from "./builderAdmin.js";
import { BuilderRpcError } from "./builderErrors.js";
import type { BundlePool } from "./bundlePool.js";
import { FLASHBOTS_METHODS } from "./flashbotsMethods.js";
import { verifyFlashbotsSignature } from "./flashbotsSignature.js";

/** Largest request body accepted. Flashbots caps bundles at 300 kB of txs; anything far above is refused. */
export const MAX_BODY_BYTES = 512 * 1024;

/**
 * Methods that add to anvil's pool: forwarded outside a block's seal so they never land inside a bundle. Pool
 * reads too: mid-seal, bundle txs sit in anvil's pool for a moment, and the public view must never show them.
 */
const POOL_WRITES = new Set([
  "eth_sendRawTransaction",
  "eth_sendTransaction",
  "txpool_content",
  "txpool_inspect",
  "txpool_status",
]);

/** The pending block is built from anvil's pool, which holds bundle txs for a moment mid-build. */
function readsPendingBlock(r: RpcRequest): boolean {
  const pendingTag = Array.isArray(r.params) && r.params[0] === "pending";
  return (
    pendingTag && (r.method === "eth_getBlockByNumber" || r.method === "eth_getBlockTransactionCountByNumber")
  );
}

type RpcRequest = { jsonrpc?: string; id?: unknown; method?: unknown; params?: unknown };
type RpcResponse = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: unknown };

export type BuilderServerDeps = {
  anvilUrl: string;
  chainId: number;
  pool: BundlePool;
  blocks: BlockBuilder;
  log: BuilderLog;
  /** What the admin methods (builderAdmin.ts) change; absent: they answer METHOD_NOT_FOUND via anvil. */
  settings?: BuilderSettings;
};

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining (the client gets its answer only after sending), but stop buffering.
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
}

function errorResponse(id: unknown, err: unknown, log: BuilderLog): RpcResponse {
  if (err instanceof BuilderRpcError) return { jsonrpc: "2.0", id, error: err.toJson() };
  if (err instanceof UpstreamRpcError) {
    return { jsonrpc: "2.0", id, error: { code: err.code, message: err.message, data: err.data } };
  }
  const message = err instanceof Error ? err.message : String(err);
  log(`builder: internal error: ${message}`);
  const upstreamDown = err instanceof TypeError && /fetch failed/.test(message);
  const e = upstreamDown
    ? new BuilderRpcError("UPSTREAM_UNAVAILABLE", "anvil is not reachable")
    : new BuilderRpcError("INTERNAL_ERROR", `internal error: ${message}`);
  return { jsonrpc: "2.0", id, error: e.toJson() };
}

async function proxy(anvilUrl: string, request: RpcRequest): Promise<RpcResponse> {
  const res = await fetch(anvilUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...request, jsonrpc: "2.0" }),
  });
  return (await res.json()) as RpcResponse;
}

/**
 * The builder's HTTP front: one URL that speaks the Flashbots relay methods (signed with
 * X-Flashbots-Signature) and passes every other JSON-RPC method, single or batched, through to anvil.
 * Every answer is HTTP 200 with a JSON-RPC body, errors included: the Flashbots client throws on non-2xx.
 *
 * @example const server = createBuilderServer(deps); server.listen(0, "127.0.0.1");
 */
export function createBuilderServer(deps: BuilderServerDeps): Server {
  const handleOne = async (request: unknown, signer: () => Promise<Address>): Promise<RpcResponse> => {
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      return errorResponse(
        null,
        new BuilderRpcError("INVALID_REQUEST", "expected a JSON-RPC request object"),
        deps.log,
      );
    }
    const r = request as RpcRequest;
    const id = r.id ?? null;
    try {
      if (typeof r.method !== "string") throw new BuilderRpcError("INVALID_REQUEST", "missing method name");
      const admin = BUILDER_ADMIN_METHODS[r.method];
      if (admin && deps.settings) return { jsonrpc: "2.0", id, result: admin(r.params, deps.settings) };
      const handler = FLASHBOTS_METHODS[r.method];
      if (handler) {
        const result = (async () => {
          const ctx = {
            anvilUrl: deps.anvilUrl,
            chainId: deps.chainId,
            pool: deps.pool,
            signer: await signer(),
            outsideSeal: <T>(fn: () => Promise<T>) => deps.blocks.exclusive(fn),
          };
          return handler(r.params, ctx);
        })();
        // A bundle received before a block's cut-off counts as in time, however long its checks take.
        if (r.method === "eth_sendBundle") deps.blocks.arrival(result);
        return { jsonrpc: "2.0", id, result: await result };
      }
      const forward = () => proxy(deps.anvilUrl, r);
      const outsideSeal = POOL_WRITES.has(r.method) || readsPendingBlock(r);
      const response = outsideSeal ? await deps.blocks.exclusive(forward) : await forward();
      return { ...response, id };
    } catch (err) {
      return errorResponse(id, err, deps.log);
    }
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    if (req.method !== "POST") {
      return errorResponse(null, new BuilderRpcError("INVALID_REQUEST", "send JSON-RPC with POST"), deps.log);
    }
    const body = await readBody(req);
    if (body === null) {
      const message = `request body exceeds ${MAX_BODY_BYTES} bytes (bundles are limited to 300000 bytes of txs)`;
      return errorResponse(null, new BuilderRpcError("BODY_TOO_LARGE", message), deps.log);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return errorResponse(
        null,
        new BuilderRpcError("PARSE_ERROR", "request body is not valid JSON"),
        deps.log,
      );
    }
    const header = req.headers["x-flashbots-signature"];
    let verified: Promise<Address> | undefined;
    // Verified once per HTTP request, only when a Flashbots method needs it (plain eth_* calls need none).
    const signer = () => {
      verified ??= verifyFlashbotsSignature(Array.isArray(header) ? header[0] : header, body);
      return verified;
    };
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) {
        return errorResponse(null, new BuilderRpcError("INVALID_REQUEST", "empty batch"), deps.log);
      }
      return Promise.all(parsed.map((r) => handleOne(r, signer)));
    }
    return handleOne(parsed, signer);
  };

  return createServer((req, res) => {
    handle(req)
      .catch((err) => errorResponse(null, err, deps.log))
      .then((payload) => {
        const text = JSON.stringify(payload);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      });
  });
}
