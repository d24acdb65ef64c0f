import { type Address, getAddress, type Hex } from "viem";
import { FINAL_ORDER_STATES } from "../../../client/relay/relaySchemas.js";

/** An order's content as a public relay surface showed it (decimal strings on the wire). */
export type SnoopedOrder = {
  id: Hex;
  state: string;
  trader: Address;
  sellToken: Address;
  buyToken: Address;
  sellAmount: bigint;
  minBuyAmount: bigint;
};

/** What the snoop has done, for the scenario log: requests by surface, ids followed, orders learned. */
export type SnoopStats = { requests: Record<string, number>; idsFollowed: number; ordersLearned: number };

const FINAL: ReadonlySet<string> = new Set(FINAL_ORDER_STATES);
const BATCH_FINAL = new Set(["settled", "expired"]);
const HASH = /0x[0-9a-fA-F]{64}/g;
/** Batch ids probed past the highest one found, each sweep. */
const BATCH_PROBE = 2;

/**
 * The API snooper's eyes: everything a stranger can read from a Veil relay, once per sweep (the bot sweeps
 * before every block) plus the event streams continuously.
 * Each sweep reads `/healthz`, `/metrics`, `/v1/info`, the OpenAPI document, the wallet RPC's pool view,
 * every batch id (the ones not final yet, and the next ids until they 404), and every id it has ever seen
 * anywhere (`GET /v1/orders/:id`, `GET /tx/:id`, and a `?order=<id>` event stream while it is not final).
 * The unfiltered event stream is followed continuously. Any order view that carries an order's fields
 * while it is still live is "learned". A 429 ends the sweep early (the rate limit is the only brake).
 */
export class RelaySnoop {
  private readonly ids = new Map<string, { final: boolean; stream?: AbortController }>();
  private readonly batches = new Map<number, boolean>();
  private readonly orders = new Map<string, SnoopedOrder>();
  private readonly requests: Record<string, number> = {};
  private readonly unfiltered = new AbortController();
  private maxBatch = 0;
  private started = false;
  private limitedUntil = 0;

  constructor(private readonly relayUrl: string) {}

  /** Orders whose content a surface showed while they were live, by id, with the last state seen. */
  learned(): SnoopedOrder[] {
    return [...this.orders.values()];
  }

  /** The state the snoop last saw for `id` (any surface), or undefined. */
  stateOf(id: Hex): string | undefined {
    return this.orders.get(id.toLowerCase())?.state;
  }

  stats(): SnoopStats {
    return { requests: { ...this.requests }, idsFollowed: this.ids.size, ordersLearned: this.orders.size };
  }

  /** One pass over every surface; starts the unfiltered event stream on the first call. */
  async sweep(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.stream("sse", `${this.relayUrl}/v1/events`, this.unfiltered);
    }
    if (Date.now() < this.limitedUntil) return;
    try {
      await Promise.all([
        this.get("healthz", "/healthz"),
        this.get("metrics", "/metrics"),
        this.get("info", "/v1/info"),
        this.get("openapi", "/v1/openapi.json"),
        this.rpc("txpool_content"),
      ]);
      await this.sweepBatches();
      for (const [id, s] of this.ids) {
        if (s.final) continue;
        await this.get("order", `/v1/orders/${id}`);
        await this.get("tx", `/tx/${id}`);
      }
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err;
      this.limitedUntil = Date.now() + err.retryMs;
    }
  }

  /** Closes every event stream. */
  stop(): void {
    this.unfiltered.abort();
    for (const s of this.ids.values()) s.stream?.abort();
  }

  private async sweepBatches(): Promise<void> {
    const ids = [...this.batches].filter(([, final]) => !final).map(([id]) => id);
    for (let id = this.maxBatch + 1; id <= this.maxBatch + BATCH_PROBE; id++) ids.push(id);
    for (const id of ids) {
      const body = await this.get("batch", `/v1/batches/${id}`);
      if (body === null) continue;
      if (id > this.maxBatch) this.maxBatch = id;
      const state = (body as { state?: string }).state ?? "";
      this.batches.set(id, BATCH_FINAL.has(state));
    }
    // probe further while the newest ids keep answering
    if (ids.length > 0 && this.batches.has(this.maxBatch) && this.maxBatch >= ids[ids.length - 1]!)
      await this.sweepBatches();
  }

  private count(surface: string): void {
    this.requests[surface] = (this.requests[surface] ?? 0) + 1;
  }

  /** GET one surface; learns from its body; null on a 4xx other than 429. */
  private async get(surface: string, path: string): Promise<unknown> {
    this.count(surface);
    const res = await fetch(`${this.relayUrl}${path}`);
    const text = await res.text();
    if (res.status === 429) throw new RateLimited(Number(res.headers.get("retry-after") ?? "1") * 1000);
    this.follow(text);
    if (surface === "order" && res.status === 404) this.forget(path.slice("/v1/orders/".length));
    if (!res.ok) return null;
    try {
      const body = JSON.parse(text);
      if (surface === "order") this.learn(body);
      return body;
    } catch {
      return text;
    }
  }

  private async rpc(method: string): Promise<void> {
    this.count(`rpc:${method}`);
    const res = await fetch(`${this.relayUrl}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
    });
    if (res.status === 429) throw new RateLimited(1000);
    this.follow(await res.text());
  }

  /** Every 32-byte hex string is a possible order id (or tx hash): follow it from now on. */
  private follow(text: string): void {
    for (const m of text.match(HASH) ?? []) {
      const id = m.toLowerCase();
      if (this.ids.has(id)) continue;
      const entry: { final: boolean; stream?: AbortController } = { final: false };
      this.ids.set(id, entry);
      entry.stream = new AbortController();
      this.stream("sse:order", `${this.relayUrl}/v1/events?order=${id}`, entry.stream);
    }
  }

  /** Not an order id (a tx hash, a root): stop asking about it. */
  private forget(id: string): void {
    const known = this.ids.get(id.toLowerCase());
    if (!known) return;
    known.final = true;
    known.stream?.abort();
  }

  /** An order view or event: remember its state; its content if it has any while live. */
  private learn(body: unknown): void {
    const v = body as { id?: string; state?: string; order?: Record<string, string> | null } | null;
    if (!v?.id || !v.state) return;
    const id = v.id.toLowerCase();
    const known = this.ids.get(id);
    if (known && FINAL.has(v.state)) {
      known.final = true;
      known.stream?.abort();
    }
    const prior = this.orders.get(id);
    if (prior) prior.state = v.state;
    const o = v.order;
    if (!prior && o && !FINAL.has(v.state))
      this.orders.set(id, {
        id: id as Hex,
        state: v.state,
        trader: getAddress(o.trader!),
        sellToken: getAddress(o.sellToken!),
        buyToken: getAddress(o.buyToken!),
        sellAmount: BigInt(o.sellAmount!),
        minBuyAmount: BigInt(o.minBuyAmount!),
      });
  }

  private stream(surface: string, url: string, abort: AbortController): void {
    this.count(surface);
    void (async () => {
      const res = await fetch(url, { signal: abort.signal });
      if (!res.ok || !res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          this.follow(block);
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (!data) continue;
          try {
            const json = JSON.parse(data);
            if (/^event: ?order$/m.test(block)) this.learn(json);
          } catch {
            // keep-alive or not JSON
          }
        }
      }
    })().catch(() => undefined);
  }
}

class RateLimited extends Error {
  constructor(readonly retryMs: number) {
    super("rate limited");
  }
}
