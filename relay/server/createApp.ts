import type { IncomingMessage } from "node:http";
import { Http2ServerRequest } from "node:http2";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { MIN_COMMIT_LEAD_BLOCKS, maxCommitLeadBlocks } from "../batch/commitTiming.js";
import { healthReport } from "../chain/chainHealth.js";
import { ABUSE_DEFAULTS } from "../config.js";
import { feeQuoterOf } from "../economics/feeQuoter.js";
import { httpAnswer } from "../errors/errorAnswers.js";
import { RelayError } from "../errors/relayError.js";
import type { BatchEvent, OrderEvent } from "../events/relayEvents.js";
import type { IntakeService } from "../intake/intakeService.js";
import { createClientKey, trustedProxyList } from "../limits/clientKey.js";
import { INTAKE_MAX_IN_FLIGHT, IntakeAdmission } from "../limits/intakeAdmission.js";
import { rateLimit } from "../limits/rateLimit.js";
import type { RelayContext } from "../relayContext.js";
import type { LeafProofs } from "../store/leafProofs.js";
import { EventStreamSlots, serveEventStream } from "./eventStream.js";
import { OPENAPI_DOCUMENT } from "./openApiDocument.js";
import { OrderViews } from "./orderViews.js";
import {
  batchLimitParam,
  batchOffsetParam,
  cancelBody,
  commitmentBody,
  MAX_BODY_BYTES,
  MAX_ORDER_IDS_PAGE,
  orderIdParam,
  quoteQuery,
  revealBody,
  sealedOrderBody,
} from "./requestSchemas.js";

/** Parses with zod; a failure is BAD_REQUEST listing each bad field. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new RelayError(
      "BAD_REQUEST",
      `invalid request: ${r.error.issues.map((i) => i.message).join("; ")}`,
      {
        details: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    );
  return r.data;
}

/**
 * The node request behind `c` (HTTP/1 under @hono/node-server), or null (app.request in tests, HTTP/2).
 * Reading headers and body from it directly skips the web Request + ReadableStream that node-server builds
 * the moment `c.req.raw.body` or `c.req.json()` is touched, which cost about a tenth of the relay's CPU per
 * order under load (see relay/rpc/readRequestBody.ts for the same fix on the RPC proxy).
 */
function nodeIncoming(c: Context): IncomingMessage | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming instanceof Http2ServerRequest || typeof incoming.on !== "function") return null;
  return incoming;
}

/** True when the body is framed by Content-Length alone (what hono's bodyLimit checks without reading). */
function hasPlainLength(incoming: IncomingMessage): boolean {
  return (
    incoming.headers["content-length"] !== undefined && incoming.headers["transfer-encoding"] === undefined
  );
}

function readIncoming(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => {
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString("utf8");
      // like Request.json(): UTF-8 decode drops a leading byte order mark
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    incoming.once("error", reject);
  });
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    const incoming = nodeIncoming(c);
    if (incoming && !incoming.readableDidRead && hasPlainLength(incoming))
      return JSON.parse(await readIncoming(incoming));
    return await c.req.json();
  } catch (cause) {
    throw new RelayError("BAD_REQUEST", "the request body must be JSON", { cause });
  }
}

export { MAX_ORDER_IDS_PAGE };

/** `?offset=` (default 0) and `?limit=` (default and at most {@link MAX_ORDER_IDS_PAGE}), by their schemas. */
function pageQuery(offset: string | undefined, limit: string | undefined): { offset: number; limit: number } {
  const l = limit === undefined ? 0 : Number(parse(batchLimitParam, limit));
  return {
    offset: offset === undefined ? 0 : Number(parse(batchOffsetParam, offset)),
    limit: l === 0 ? MAX_ORDER_IDS_PAGE : l,
  };
}

/** `/healthz` calls the head stale after this many block times without a new one (at least the minimum). */
const STALE_HEAD_BLOCKS = 10;
const STALE_HEAD_MIN_MS = 30_000;

/**
 * Builds the relay's HTTP app: the pinned REST API under /v1, SSE events, health and Prometheus metrics,
 * and the wallet JSON-RPC routes when given. Every error becomes `{error: {code, message, details?}}` with
 * its status; bad input is always a 4xx, and only a bug can produce a (logged) 500.
 * @example const app = createApp(ctx, intake, { rpc: rpcRoutes(createRpcContext(deps)) })
 */
export function createApp(
  ctx: RelayContext,
  intake: IntakeService,
  extra: { rpc?: Hono; proofs?: LeafProofs; role?: () => "leader" | "follower" } = {},
): Hono {
  const app = new Hono();
  const views = new OrderViews(ctx.store, ctx, extra.proofs);
  const count = (endpoint: string, result: string) => ctx.metrics.intake.inc({ endpoint, result });

  app.onError((err, c) => {
    const { error, status, body } = httpAnswer(err);
    if (status >= 500) ctx.logger.error({ err, path: c.req.path }, "request failed");
    const path = c.req.routePath ?? c.req.path;
    if (c.req.method !== "GET") count(`${c.req.method} ${path}`, error.code);
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    const { status, body } = httpAnswer(
      new RelayError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`),
    );
    return c.json(body, status as 404);
  });

  const tooLarge = () => {
    throw new RelayError("BODY_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  };
  const honoBodyLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  app.use("/v1/*", (c, next) => {
    // Same decisions as hono's bodyLimit, from the node request's headers when there is one (hono's reads
    // `c.req.raw.body`, which builds a web stream per request); chunked bodies still go through hono's.
    const incoming = nodeIncoming(c);
    if (incoming) {
      if (c.req.method === "GET" || c.req.method === "HEAD") return next();
      if (hasPlainLength(incoming))
        return Number.parseInt(incoming.headers["content-length"] || "0", 10) > MAX_BODY_BYTES
          ? tooLarge()
          : next();
    }
    return honoBodyLimit(c, next);
  });
  // Every endpoint is rate limited per client before its body is read (THREATS.md cost budget), /healthz,
  // /metrics and /tx included; /rpc counts its own per-IP budget per JSON-RPC call (a batch costs its size).
  const clientKey = createClientKey(trustedProxyList(ctx.config.trustedProxies ?? []));
  const streamSlots = new EventStreamSlots({
    maxSubscribers: ctx.config.sseMaxSubscribers ?? ABUSE_DEFAULTS.sseMaxSubscribers,
    maxPerClient: ctx.config.sseMaxPerClient ?? ABUSE_DEFAULTS.sseMaxPerClient,
    queueMax: ctx.config.sseQueueMax ?? ABUSE_DEFAULTS.sseQueueMax,
  });
  const limited = rateLimit({
    ratePerSecond: ctx.config.rateLimit,
    burst: ctx.config.rateLimitBurst,
    clientKey,
  });
  /** The client's rate-limit key (IP, IPv6 /64, or the trusted proxy's client), for per-client budgets. */
  const clientOf = (c: Context): string => {
    let remote: string | undefined;
    try {
      remote = getConnInfo(c).remote.address;
    } catch {
      // not running on node-server (app.request in tests): one shared key
    }
    return clientKey(remote, c.req.header("x-forwarded-for"));
  };
  app.use("*", (c, next) => (c.req.path === "/rpc" ? next() : limited(c, next)));
  const admission = new IntakeAdmission(ctx.config.intakeMaxInFlight ?? INTAKE_MAX_IN_FLIGHT);

  // Aggregates only (THREATS.md): node reachable and on its chain, head fresh, builders healthy. 503 when the
  // relay cannot do its job now, so a load balancer or an operator's alert sees it.
  app.get("/healthz", (c) => {
    const report = healthReport({
      health: ctx.chainHealth,
      head: ctx.head.block,
      builders: ctx.submitter.builderHealth(),
      staleHeadMs: Math.max(STALE_HEAD_MIN_MS, ctx.head.blockTimeMs * STALE_HEAD_BLOCKS),
      pollMs: ctx.config.pollMs,
      confirmations: ctx.confirmations,
    });
    // several instances (issue 18): which one leads, and its process, for a load balancer or an operator
    return c.json({ ...report, role: extra.role?.() ?? "leader", pid: process.pid }, report.ok ? 200 : 503);
  });
  app.get("/metrics", async (c) =>
    c.text(await ctx.metrics.registry.metrics(), 200, { "content-type": ctx.metrics.registry.contentType }),
  );

  app.get("/v1/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));

  app.get("/v1/info", (c) => {
    const tokens: Record<string, string> = {};
    for (const [symbol, address] of ctx.tokenSymbols) tokens[symbol] = address;
    return c.json({
      chainId: ctx.chainId,
      settlement: ctx.settlement,
      eciesPublicKey: ctx.eciesKey.publicKey,
      batchIntervalMs: ctx.config.batchIntervalMs,
      maxBatchSize: ctx.config.maxBatchSize,
      revealDelayBlocks: Number(ctx.revealDelay),
      expiryBlocks: Number(ctx.expiry),
      revealWindowBlocks: Number(ctx.revealWindow),
      maxValiditySeconds: ctx.config.maxValiditySeconds,
      missLimit: ctx.config.missLimit,
      // Order v2: an order's commitBy must be head + [min, max] blocks; blockTimeMs (measured) turns the
      // batch interval into blocks, so a client can pick one the relay will commit in time.
      minCommitLeadBlocks: Number(MIN_COMMIT_LEAD_BLOCKS),
      maxCommitLeadBlocks: Number(maxCommitLeadBlocks(ctx)),
      blockTimeMs: Math.round(ctx.head.blockTimeMs),
      tokens,
      pools: ctx.pools.pools.map((p) => ({ pair: p.pair, token0: p.token0, token1: p.token1 })),
    });
  });

  // Issue 17: the fee to sign and the pool's current price net of it (rate limited like every endpoint).
  app.get("/v1/quote", async (c) => {
    const q = parse(quoteQuery, {
      sellToken: c.req.query("sellToken"),
      buyToken: c.req.query("buyToken"),
      sellAmount: c.req.query("sellAmount"),
    });
    const quoter = feeQuoterOf(ctx);
    const quote = await quoter.quote(
      quoter.token(q.sellToken),
      quoter.token(q.buyToken),
      BigInt(q.sellAmount),
    );
    return c.json({
      sellToken: quote.sellToken,
      buyToken: quote.buyToken,
      sellAmount: quote.sellAmount.toString(),
      buyAmount: quote.buyAmount.toString(),
      feeAmount: quote.feeAmount.toString(),
      validTo: quote.validTo.toString(),
      minFee: quote.minFee.toString(),
      gas: quote.gas.toString(),
      gasPriceWei: quote.gasPriceWei.toString(),
      costWei: quote.costWei.toString(),
      marginBps: quote.marginBps,
      block: quote.block.toString(),
    });
  });

  app.post("/v1/orders", async (c) => {
    const body = parse(sealedOrderBody, await jsonBody(c));
    const res = await admission.run(c, () => intake.submitSealed(body.ciphertext, clientOf(c)));
    count("POST /v1/orders", "ok");
    return c.json(res, 201);
  });

  app.post("/v1/commitments", async (c) => {
    const body = parse(commitmentBody, await jsonBody(c));
    const res = await admission.run(c, () =>
      intake.submitCommitment(body.leaf, body.trader, body.signature, body.commitBy, clientOf(c)),
    );
    count("POST /v1/commitments", "ok");
    return c.json(res, 201);
  });

  app.post("/v1/reveals", async (c) => {
    const body = parse(revealBody, await jsonBody(c));
    const res = await intake.reveal(body, clientOf(c));
    count("POST /v1/reveals", "ok");
    return c.json({ id: res.id, state: res.state }, 200);
  });

  app.delete("/v1/orders/:id", async (c) => {
    const id = parse(orderIdParam, c.req.param("id"));
    const body = parse(cancelBody, await jsonBody(c));
    const res = await intake.cancel(id, body.signature);
    count("DELETE /v1/orders/:id", "ok");
    return c.json({ id: res.id, state: res.state }, 200);
  });

  app.get("/v1/orders/:id", async (c) => {
    const id = parse(orderIdParam, c.req.param("id"));
    const o = await ctx.store.getOrder(id);
    if (!o) throw new RelayError("NOT_FOUND", `no order ${id}`);
    return c.json(await views.order(o));
  });

  app.get("/v1/batches/:id", async (c) => {
    const raw = c.req.param("id");
    if (!/^[1-9][0-9]{0,15}$/.test(raw))
      throw new RelayError("BAD_REQUEST", "batch id must be a positive integer");
    const page = pageQuery(c.req.query("offset"), c.req.query("limit"));
    // the leaves of a committed batch are parsed once per root, not per read (issue 13)
    const view = await views.batchById(Number(raw));
    if (!view) throw new RelayError("NOT_FOUND", `no batch ${raw}`);
    // A settled batch of 10k orders listed 690 KB of ids: at most MAX_ORDER_IDS_PAGE per answer (issue 13).
    if (view.orderIds === null) return c.json(view);
    const total = view.orderIds.length;
    const orderIds = view.orderIds.slice(page.offset, page.offset + page.limit);
    const next = page.offset + orderIds.length;
    return c.json({ ...view, orderIds, orderIdsTotal: total, nextOffset: next < total ? next : null });
  });

  // Unfiltered: batch events only. `?order=<id>`: that order's changes, each as `GET /v1/orders/:id` shows
  // it at that moment (the id is the capability; the view applies the disclosure table).
  app.get("/v1/events", (c) => {
    const filter = c.req.query("order")?.toLowerCase();
    if (filter !== undefined) parse(orderIdParam, filter);
    const client = clientOf(c);
    streamSlots.acquire(client); // caps in total and per client (issue 13)
    return serveEventStream(c, {
      events: ctx.events,
      queueMax: ctx.config.sseQueueMax ?? ABUSE_DEFAULTS.sseQueueMax,
      head: () => ctx.head.block,
      onEnd: () => streamSlots.release(client),
      select: (kind, data) => {
        if (filter === undefined) {
          if (kind !== "batch") return null;
          const b = data as BatchEvent;
          return { id: b.id, state: b.state };
        }
        if (kind !== "order" || (data as OrderEvent).id.toLowerCase() !== filter) return null;
        return ctx.store.getOrder((data as OrderEvent).id).then((o) => (o ? views.order(o) : null));
      },
    });
  });

  if (extra.rpc) app.route("/", extra.rpc);
  return app;
}
