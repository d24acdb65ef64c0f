/**
 * The wallet endpoint, Flashbots Protect style: `POST /rpc` (JSON-RPC 2.0, single or batch) and
 * `GET /tx/:hash` (Protect's status API). Transactions sent here go to builders as private bundles, never to a
 * public mempool; the reads on the allow-list (rpcAllowList.ts) are proxied to the node (its answer passed
 * through byte for byte for a single request); every other method gets -32601. Mount it in the relay app and
 * run createPrivateTxWatcher(ctx) next to it, on the same context (createRpcContext).
 */

import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { Hono } from "hono";
import { type Address, type Hex, isHex } from "viem";
import { httpAnswer } from "../errors/errorAnswers.js";
import { RelayError } from "../errors/relayError.js";
import { verifyFlashbotsSignature } from "./flashbotsSignature.js";
import {
  type JsonRpcResponse,
  type ParsedEntry,
  parseRpcBody,
  rpcFailure,
  rpcResult,
} from "./jsonRpcEnvelope.js";
import { UPSTREAM_UNAVAILABLE } from "./nodeClient.js";
import { handlePrivateMethod, PRIVATE_RPC_METHODS, type RequestInfo } from "./privateRpcMethods.js";
import { txStatusJson, unknownTxStatusJson } from "./privateTxWire.js";
import { BODY_TOO_LARGE, readRequestBody } from "./readRequestBody.js";
import { methodRefused, PROXIED_READ_METHODS } from "./rpcAllowList.js";
import type { RpcContext } from "./rpcContext.js";
import { InvalidRequestError, LimitExceededError, NodeUnavailableError, RpcError } from "./rpcErrors.js";

export { createPrivateTxWatcher, type PrivateTxWatcher } from "./privateTxWatcher.js";
export { createRpcContext, type RpcContext, type RpcDeps } from "./rpcContext.js";

const JSON_HEADERS = { "content-type": "application/json" };

/**
 * Builds the routes.
 * @param ctx the endpoint's context (createRpcContext); give the same one to createPrivateTxWatcher.
 * @returns a Hono app with `POST /rpc` and `GET /tx/:hash`, to mount with `app.route("/", rpcRoutes(ctx))`.
 * @example app.route("/", rpcRoutes(createRpcContext({ rpcUrl, chainId, submitter, privateTxs, logger })))
 */
export function rpcRoutes(ctx: RpcContext): Hono {
  const app = new Hono();

  app.post("/rpc", async (c) => {
    try {
      return await handleRpc(ctx, c);
    } catch (err) {
      if (!(err instanceof RpcError)) ctx.logger.error({ err }, "unexpected error in /rpc");
      return c.json(rpcFailure(null, err), 200);
    }
  });

  app.get("/tx/:hash", async (c) => {
    const hash = c.req.param("hash");
    if (!isHex(hash) || hash.length !== 66) {
      const refusal = httpAnswer(
        new RelayError("BAD_REQUEST", "hash must be a 0x-prefixed 32-byte hex string"),
      );
      return c.json(refusal.body, refusal.status as 400);
    }
    const tx = await ctx.store.get(hash.toLowerCase() as Hex);
    if (!tx) return c.json(unknownTxStatusJson(hash.toLowerCase() as Hex));
    // Confirmations of an INCLUDED tx (its block counts 1; a receipt may be newer than the polled head).
    const head = ctx.chain?.head();
    const confirmations =
      tx.includedBlock === null || head === undefined
        ? null
        : Math.max(1, Number(head) - tx.includedBlock + 1);
    return c.json({
      ...txStatusJson(tx),
      confirmations,
      requiredConfirmations: ctx.chain?.confirmations ?? 1,
    });
  });

  return app;
}

async function handleRpc(ctx: RpcContext, c: Context): Promise<Response> {
  const bytes = await readRequestBody(c, ctx.maxBodyBytes);
  if (bytes === BODY_TOO_LARGE)
    return c.json(
      rpcFailure(null, new InvalidRequestError(`request body too large: at most ${ctx.maxBodyBytes} bytes`)),
      413,
    );
  const parsed = parseRpcBody(bytes.toString("utf8"));
  const entries = parsed.batch ? parsed.entries : [parsed.entry];
  if (!ctx.ipLimiter.take(clientIp(ctx, c), entries.length))
    return c.json(
      rpcFailure(null, new LimitExceededError("rate limit exceeded for your IP: retry in a minute")),
      429,
    );

  // Hot path: a single allow-listed read goes to the node as the client's own bytes.
  if (!parsed.batch && parsed.entry.ok && isProxied(parsed.entry.request.method))
    return passThrough(ctx, c, bytes, parsed.entry);

  let signer: Promise<Address> | undefined;
  const info: RequestInfo = {
    canRevert: c.req.query("canRevert") === "true",
    signer: () => {
      signer ??= verifyFlashbotsSignature(c.req.header("x-flashbots-signature"), bytes);
      return signer;
    },
  };
  if (!parsed.batch) return c.json(await answerLocal(ctx, parsed.entry, info));

  const responses: (JsonRpcResponse | undefined)[] = new Array(entries.length);
  const proxied: { index: number; body: unknown }[] = [];
  const local: Promise<void>[] = [];
  entries.forEach((entry, index) => {
    if (entry.ok && isProxied(entry.request.method)) {
      const { method, params } = entry.request;
      proxied.push({ index, body: { jsonrpc: "2.0", id: proxied.length, method, params } });
    } else {
      local.push(
        answerLocal(ctx, entry, info).then((r) => {
          responses[index] = r;
        }),
      );
    }
  });
  await Promise.all([...local, proxyBatch(ctx, entries, proxied, responses)]);
  const out = responses.filter((r, i) => r !== undefined && !isNotification(entries[i]));
  return out.length > 0 ? c.json(out) : c.body(null, 204);
}

/** Forwarded to the node: on the read allow-list and not answered by Veil itself. */
function isProxied(method: string): boolean {
  return PROXIED_READ_METHODS.has(method) && !Object.hasOwn(PRIVATE_RPC_METHODS, method);
}

function isNotification(entry: ParsedEntry): boolean {
  return entry.ok && entry.request.notification;
}

async function answerLocal(ctx: RpcContext, entry: ParsedEntry, info: RequestInfo): Promise<JsonRpcResponse> {
  if (!entry.ok) return rpcFailure(entry.id, entry.error);
  const { id, method, params } = entry.request;
  if (!Object.hasOwn(PRIVATE_RPC_METHODS, method)) return rpcFailure(id, methodRefused(method));
  try {
    return rpcResult(id, await handlePrivateMethod(ctx, method, params, info));
  } catch (err) {
    if (!(err instanceof RpcError))
      ctx.logger.error({ err, method }, "unexpected error in a private RPC method");
    else if (err instanceof NodeUnavailableError) logUpstream(ctx, err);
    else if (ctx.logger.isLevelEnabled("debug"))
      ctx.logger.debug({ method, code: err.code, msg: err.message }, "rpc call refused");
    return rpcFailure(id, err);
  }
}

/** One proxied request: the client's bytes go to the node and the node's bytes come back untouched. */
async function passThrough(ctx: RpcContext, c: Context, body: Buffer, entry: ParsedEntry): Promise<Response> {
  const id = entry.ok ? entry.request.id : null;
  try {
    const reply = await ctx.node.forward(body);
    if (reply.status !== 200) {
      ctx.logger.warn({ status: reply.status }, "node answered a proxied read with a non-200 status");
      return c.json(rpcFailure(id, new NodeUnavailableError(UPSTREAM_UNAVAILABLE)));
    }
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && !outgoing.headersSent) {
      // Served by @hono/node-server: write the node's bytes straight to the socket (no web Response).
      outgoing.writeHead(200, { "content-type": "application/json", "content-length": reply.body.length });
      outgoing.end(reply.body);
      return RESPONSE_ALREADY_SENT;
    }
    return new Response(reply.body, { status: 200, headers: JSON_HEADERS });
  } catch (err) {
    logUpstream(ctx, err);
    return c.json(rpcFailure(id, err));
  }
}

/** Keeps the node's transport detail (host, port, errno) in the relay's log, never in the wallet's answer. */
function logUpstream(ctx: RpcContext, err: unknown): void {
  const cause = (err as { cause?: unknown })?.cause;
  ctx.logger.warn({ err: cause instanceof Error ? cause.message : String(err) }, "node call failed");
}

/** Proxied entries of a batch go to the node as one batch, re-numbered so duplicate client ids cannot clash. */
async function proxyBatch(
  ctx: RpcContext,
  entries: ParsedEntry[],
  proxied: { index: number; body: unknown }[],
  responses: (JsonRpcResponse | undefined)[],
): Promise<void> {
  if (proxied.length === 0) return;
  const idOf = (i: number) => {
    const e = entries[proxied[i].index];
    return e.ok ? e.request.id : null;
  };
  let answers: { id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } }[];
  try {
    const reply = await ctx.node.forward(JSON.stringify(proxied.map((p) => p.body)));
    const json = JSON.parse(reply.body.toString("utf8"));
    answers = Array.isArray(json) ? json : [];
  } catch (err) {
    logUpstream(ctx, err);
    const failure = err instanceof RpcError ? err : new NodeUnavailableError(UPSTREAM_UNAVAILABLE);
    proxied.forEach((p, i) => {
      responses[p.index] = rpcFailure(idOf(i), failure);
    });
    return;
  }
  for (const a of answers) {
    if (typeof a?.id !== "number" || !proxied[a.id]) continue;
    responses[proxied[a.id].index] = a.error
      ? { jsonrpc: "2.0", id: idOf(a.id), error: a.error }
      : rpcResult(idOf(a.id), a.result ?? null);
  }
  proxied.forEach((p, i) => {
    responses[p.index] ??= rpcFailure(
      idOf(i),
      new NodeUnavailableError("node gave no answer for this entry"),
    );
  });
}

/** The client a request counts against (the relay's rule: a trusted proxy's X-Forwarded-For, else the socket). */
function clientIp(ctx: RpcContext, c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return ctx.clientKey(env?.incoming?.socket?.remoteAddress, c.req.header("x-forwarded-for"));
}
