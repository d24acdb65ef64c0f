import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import type { z } from "zod";
import { RelayError, toRelayError } from "../errors/relayError.js";
import type { BatchEvent, OrderEvent } from "../events/relayEvents.js";
import type { IntakeService } from "../intake/intakeService.js";
import type { RelayContext } from "../relayContext.js";
import { OPENAPI_DOCUMENT } from "./openApiDocument.js";
import { OrderViews } from "./orderViews.js";
import { rateLimit } from "./rateLimit.js";
import {
  cancelBody,
  commitmentBody,
  MAX_BODY_BYTES,
  orderIdParam,
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

async function jsonBody(req: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await req.json();
  } catch (cause) {
    throw new RelayError("BAD_REQUEST", "the request body must be JSON", { cause });
  }
}

/**
 * Builds the relay's HTTP app: the pinned REST API under /v1, SSE events, health and Prometheus metrics,
 * and the wallet JSON-RPC routes when given. Every error becomes `{error: {code, message, details?}}` with
 * its status; bad input is always a 4xx, and only a bug can produce a (logged) 500.
 * @example const app = createApp(ctx, intake, { rpc: rpcRoutes(deps) })
 */
export function createApp(ctx: RelayContext, intake: IntakeService, extra: { rpc?: Hono } = {}): Hono {
  const app = new Hono();
  const views = new OrderViews(ctx.store);
  const count = (endpoint: string, result: string) => ctx.metrics.intake.inc({ endpoint, result });

  app.onError((err, c) => {
    const e = toRelayError(err);
    if (e.status >= 500) ctx.logger.error({ err, path: c.req.path }, "request failed");
    const path = c.req.routePath ?? c.req.path;
    if (c.req.method !== "GET") count(`${c.req.method} ${path}`, e.code);
    return c.json(e.toBody(), e.status as 400);
  });
  app.notFound((c) =>
    c.json(new RelayError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`).toBody(), 404),
  );

  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new RelayError("BODY_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use("/v1/*", rateLimit({ ratePerSecond: ctx.config.rateLimit, burst: ctx.config.rateLimitBurst }));

  app.get("/healthz", (c) =>
    c.json({ ok: true, head: ctx.head.block.toString(), openBatch: ctx.openBatch.currentId }),
  );
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
      tokens,
      pools: ctx.pools.pools.map((p) => ({ pair: p.pair, token0: p.token0, token1: p.token1 })),
    });
  });

  app.post("/v1/orders", async (c) => {
    const body = parse(sealedOrderBody, await jsonBody(c.req));
    const res = await intake.submitSealed(body.ciphertext);
    count("POST /v1/orders", "ok");
    return c.json(res, 201);
  });

  app.post("/v1/commitments", async (c) => {
    const body = parse(commitmentBody, await jsonBody(c.req));
    const res = await intake.submitCommitment(body.leaf, body.trader, body.signature);
    count("POST /v1/commitments", "ok");
    return c.json(res, 201);
  });

  app.post("/v1/reveals", async (c) => {
    const body = parse(revealBody, await jsonBody(c.req));
    const res = await intake.reveal(body);
    count("POST /v1/reveals", "ok");
    return c.json({ id: res.id, state: res.state }, 200);
  });

  app.delete("/v1/orders/:id", async (c) => {
    const id = parse(orderIdParam, c.req.param("id"));
    const body = parse(cancelBody, await jsonBody(c.req));
    const res = await intake.cancel(id, body.signature);
    count("DELETE /v1/orders/:id", "ok");
    return c.json({ id: res.id, state: res.state }, 200);
  });

  app.get("/v1/orders/:id", (c) => {
    const id = parse(orderIdParam, c.req.param("id"));
    const o = ctx.store.getOrder(id);
    if (!o) throw new RelayError("NOT_FOUND", `no order ${id}`);
    return c.json(views.order(o));
  });

  app.get("/v1/batches/:id", (c) => {
    const raw = c.req.param("id");
    if (!/^[1-9][0-9]{0,15}$/.test(raw))
      throw new RelayError("BAD_REQUEST", "batch id must be a positive integer");
    const b = ctx.store.getBatch(Number(raw));
    if (!b) throw new RelayError("NOT_FOUND", `no batch ${raw}`);
    return c.json(views.batch(b));
  });

  app.get("/v1/events", (c) => {
    const filter = c.req.query("order")?.toLowerCase();
    if (filter !== undefined) parse(orderIdParam, filter);
    return streamSSE(c, async (stream) => {
      let id = 0;
      const queue: { kind: string; data: OrderEvent | BatchEvent }[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = ctx.events.subscribe((kind, data) => {
        if (filter && (kind !== "order" || (data as OrderEvent).id.toLowerCase() !== filter)) return;
        queue.push({ kind, data });
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ head: ctx.head.block.toString() }) });
      while (!stream.aborted && !stream.closed) {
        const next = queue.shift();
        if (next) {
          await stream.writeSSE({ event: next.kind, data: JSON.stringify(next.data), id: String(++id) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000);
        });
        wake = null;
        if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
      }
      unsubscribe();
    });
  });

  if (extra.rpc) app.route("/", extra.rpc);
  return app;
}
