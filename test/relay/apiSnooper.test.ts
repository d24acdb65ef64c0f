import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Hex, numberToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVeilClient, type VeilClient } from "../../client/createVeilClient.js";
import type { Order } from "../../client/order/order.js";
import { approveAll, keyOf, type RelayDevnet, startRelayDevnet } from "../helpers/relayHarness.js";

// The API snooper of THREATS.md, as a test: while one trader's sealed and commit orders are live, it reads
// every public surface of the relay over and over (REST, the unfiltered SSE stream, /healthz, /metrics,
// /v1/info, the OpenAPI document, /tx, the wallet RPC's pool view), enumerates batch ids and follows every
// id it sees. Nothing about the orders (trader, tokens, amounts, limit) may show before they are final.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX_CLI = join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/cli.mjs");
const FINAL = new Set(["filled", "unfilled", "failed", "cancelled"]);
const HASH = /0x[0-9a-fA-F]{64}/g;
/**
 * The snooper is another client than the trader: it polls as fast as the rate limit allows, and on one shared
 * 127.0.0.1 bucket the trader's own requests got 429 (a CI failure). The relay trusts 127.0.0.1 as a proxy
 * (`--trusted-proxy`), and the snooper comes "through" it from its own address, so each has its own bucket, as
 * two strangers on the internet would.
 */
const SNOOPER_HEADERS = { "x-forwarded-for": "203.0.113.66" };

/** One answer the snooper got: where from, the text, and (for order views and events) the order's state. */
type Observation = { surface: string; text: string; orderState?: string; at: number };

class Snooper {
  readonly seen: Observation[] = [];
  readonly ids = new Set<string>();
  sweeps = 0;
  batchesSeen = 0;
  private running = true;
  private readonly aborts: AbortController[] = [];
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  start(): void {
    this.stream("sse:unfiltered", `${this.url}/v1/events`);
    this.loop = (async () => {
      while (this.running) {
        await this.sweep().catch(() => undefined);
        this.sweeps++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const a of this.aborts) a.abort();
  }

  private note(surface: string, text: string, orderState?: string): void {
    this.seen.push({ surface, text, orderState, at: Date.now() });
    for (const m of text.match(HASH) ?? []) {
      const id = m.toLowerCase();
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      this.stream(`sse:order:${id}`, `${this.url}/v1/events?order=${id}`);
    }
  }

  private async get(surface: string, path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}${path}`, { headers: SNOOPER_HEADERS });
    const text = await res.text();
    let state: string | undefined;
    try {
      state = JSON.parse(text)?.state;
    } catch {
      // not JSON (metrics)
    }
    this.note(surface, text, surface.startsWith("order:") ? state : undefined);
    return { status: res.status, text };
  }

  private async rpc(method: string, params: unknown[]): Promise<void> {
    const res = await fetch(`${this.url}/rpc`, {
      method: "POST",
      headers: { ...SNOOPER_HEADERS, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    this.note(`rpc:${method}`, await res.text());
  }

  private async sweep(): Promise<void> {
    await Promise.all([
      this.get("healthz", "/healthz"),
      this.get("metrics", "/metrics"),
      this.get("info", "/v1/info"),
      this.get("openapi", "/v1/openapi.json"),
      this.rpc("txpool_content", []),
      this.rpc("txpool_inspect", []),
    ]);
    // enumerate batch ids until two misses past the last one found
    let misses = 0;
    for (let id = 1; misses < 2; id++) {
      const r = await this.get(`batch:${id}`, `/v1/batches/${id}`);
      if (r.status === 200) {
        misses = 0;
        if (id > this.batchesSeen) this.batchesSeen = id;
      } else misses++;
    }
    for (const id of [...this.ids]) {
      await this.get(`order:${id}`, `/v1/orders/${id}`);
      await this.get(`tx:${id}`, `/tx/${id}`);
    }
  }

  /** Reads an SSE stream for as long as the snooper runs; each event is one observation. */
  private stream(surface: string, url: string): void {
    const abort = new AbortController();
    this.aborts.push(abort);
    void (async () => {
      const res = await fetch(url, { headers: SNOOPER_HEADERS, signal: abort.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          let state: string | undefined;
          try {
            state = data ? JSON.parse(data)?.state : undefined;
          } catch {
            // keep-alive or non-JSON
          }
          this.note(surface, block, surface.startsWith("sse:order:") ? state : undefined);
        }
      }
    })().catch(() => undefined);
  }
}

/** The needles of one order: each as it could appear in JSON or hex-encoded calldata. */
function needles(o: Order): { label: string; value: string }[] {
  const hex = (v: bigint) => numberToHex(v).slice(2);
  return [
    { label: "trader", value: o.trader.slice(2).toLowerCase() },
    { label: "sellToken", value: o.sellToken.slice(2).toLowerCase() },
    { label: "buyToken", value: o.buyToken.slice(2).toLowerCase() },
    { label: "sellAmount", value: o.sellAmount.toString() },
    { label: "sellAmount(hex)", value: hex(o.sellAmount) },
    { label: "minBuyAmount", value: o.minBuyAmount.toString() },
    { label: "minBuyAmount(hex)", value: hex(o.minBuyAmount) },
  ];
}

/** Static documents carry the relay's configured tokens by design; they must simply never change. */
const STATIC = new Set(["info", "openapi"]);
const isToken = (label: string) => label === "sellToken" || label === "buyToken";

describe("sealed means sealed: the API snooper learns nothing before an order is final", () => {
  let env: RelayDevnet;
  let veil: VeilClient;
  let snooper: Snooper;
  const orders: { id: Hex; order: Order; mode: string; signature: Hex; salt: Hex }[] = [];
  let preCommitSweeps = 0;

  beforeAll(async () => {
    env = await startRelayDevnet({
      driveBlocksMs: 250,
      extraArgs: [
        "--batch-interval-ms",
        "800",
        "--reveal-window",
        "6",
        "--log-level",
        "debug",
        "--trusted-proxy",
        "127.0.0.1",
      ],
    });
    await approveAll(env.devnet, "trader1");
    const account = privateKeyToAccount(keyOf(env.devnet, "trader1"));
    veil = createVeilClient({
      relayUrl: env.url,
      rpcUrl: env.devnet.rpcUrl,
      account,
      pollingIntervalMs: 100,
    });
    snooper = new Snooper(env.url);
    snooper.start();

    // No block while the orders are pending: the batch closes and its commit bundle waits for a block, so the
    // snooper gets many sweeps in every pre-commit state (open, closing, committing).
    await env.blocks.pause();
    const sealedOrder = await veil.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.271828182845904523",
      minBuyAmount: "314.159265",
    });
    const commitOrder = await veil.buildOrder({
      sellToken: "USDC",
      buyToken: "WETH",
      sellAmount: "777.123457",
      minBuyAmount: "0.0123456789",
    });
    const closed = env.waitForLog(/batch closed/);
    const sealed = await veil.submitSealed({ order: sealedOrder });
    orders.push({
      id: sealed.id,
      order: sealedOrder,
      mode: "sealed",
      signature: sealed.signature,
      salt: sealed.salt,
    });
    const committed = veil.submitCommitted({ order: commitOrder, timeoutMs: 120_000 });
    await closed;
    const from = snooper.sweeps;
    while (snooper.sweeps < from + 10) await new Promise((r) => setTimeout(r, 50));
    preCommitSweeps = snooper.sweeps;
    env.blocks.resume();
    const c = await committed;
    orders.push({ id: c.id, order: commitOrder, mode: "commit", signature: c.signature, salt: c.salt });
    for (const o of orders) {
      const done = await veil.waitForSettlement({ id: o.id, order: o.order, timeoutMs: 120_000 });
      expect(done.state, `${o.mode} order ${o.id}: ${done.reason}`).toBe("filled");
    }
    // a few more sweeps after the end, so the snooper follows the ids the settled batch now lists
    const after = snooper.sweeps;
    while (snooper.sweeps < after + 3) await new Promise((r) => setTimeout(r, 50));
    await snooper.stop();
  }, 300_000);

  afterAll(async () => {
    await snooper?.stop();
    await env?.stop();
  });

  it("reads every surface, before the commit and after", () => {
    expect(preCommitSweeps).toBeGreaterThanOrEqual(10);
    expect(snooper.batchesSeen).toBeGreaterThanOrEqual(1);
    const surfaces = new Set(snooper.seen.map((o) => o.surface.split(":")[0]));
    for (const s of ["healthz", "metrics", "info", "openapi", "batch", "order", "tx", "sse", "rpc"])
      expect(surfaces, s).toContain(s);
    // once settled, the batch lists the order ids and the snooper follows them: the test can see a leak
    for (const o of orders) expect(snooper.ids, `${o.mode} id followed`).toContain(o.id.toLowerCase());
  });

  it("finds no trader, token, amount or limit of a live order anywhere", () => {
    const leaks: string[] = [];
    for (const obs of snooper.seen) {
      const text = obs.text.toLowerCase();
      for (const o of orders)
        for (const n of needles(o.order)) {
          if (!text.includes(n.value)) continue;
          if (isToken(n.label) && STATIC.has(obs.surface)) continue;
          // an order's own view (GET or its event stream) may carry everything once it says it is final
          if (obs.orderState !== undefined && FINAL.has(obs.orderState)) continue;
          leaks.push(
            `${obs.surface} (state ${obs.orderState ?? "-"}) shows ${o.mode} ${n.label}: ${obs.text.slice(0, 300)}`,
          );
        }
    }
    expect(leaks.slice(0, 5)).toEqual([]);
  });

  it("sees the configured tokens only in static documents that never change with orders", () => {
    const stable = (o: Observation) => {
      if (o.surface === "openapi") return o.text;
      const { tokens, pools } = JSON.parse(o.text); // info: the token map and pools are config
      return JSON.stringify({ tokens, pools });
    };
    for (const s of STATIC) {
      // A sweep refused by the rate limit (the snooper polls as fast as it allows) saw no document at all.
      const answered = snooper.seen.filter((o) => o.surface === s && !o.text.startsWith('{"error":'));
      expect(answered.length, s).toBeGreaterThan(0);
      const texts = new Set(answered.map(stable));
      expect(texts.size, s).toBe(1);
    }
  });

  it("gives the trader its fill through the client and the CLI", async () => {
    for (const o of orders) {
      const status = await veil.getOrder({ id: o.id });
      expect(status.state).toBe("filled");
      const inclusion = await veil.verifyInclusion({ id: o.id, status });
      expect(inclusion.leafCount).toBeGreaterThanOrEqual(1);
      const cli = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(
          process.execPath,
          [
            TSX_CLI,
            "client/cli/veil.ts",
            "status",
            o.id,
            "--wait",
            "--json",
            "--relay",
            env.url,
            "--rpc",
            env.devnet.rpcUrl,
          ],
          { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => done({ code, out, err }));
      });
      expect(cli.code, cli.err).toBe(0);
      const json = JSON.parse(cli.out);
      expect(json.state).toBe("filled");
      expect(json.verifiedFill?.buyAmount).toBeDefined();
      expect(BigInt(json.verifiedFill.buyAmount)).toBeGreaterThanOrEqual(o.order.minBuyAmount);
      expect(json.inclusion?.root).toMatch(/^0x[0-9a-f]{64}$/);
    }
  }, 120_000);

  it("keeps keys, signatures, salts and plaintext orders out of the relay's logs", () => {
    const logs = env.logs.join("\n").toLowerCase();
    expect(env.logs.length).toBeGreaterThan(5); // debug level: the order's whole life was logged
    const eciesKey = readFileSync(join(env.dataDir, "ecies.key"), "utf8").trim().replace(/^0x/, "");
    const secrets = [
      { label: "ECIES key", value: eciesKey.toLowerCase() },
      { label: "operator key", value: keyOf(env.devnet, "operator").slice(2).toLowerCase() },
      { label: "relay-auth key", value: keyOf(env.devnet, "relay-auth").slice(2).toLowerCase() },
    ];
    for (const o of orders) {
      for (const n of needles(o.order)) secrets.push({ label: `${o.mode} ${n.label}`, value: n.value });
      secrets.push({ label: `${o.mode} signature`, value: o.signature.slice(2).toLowerCase() });
      secrets.push({ label: `${o.mode} salt`, value: o.salt.slice(2).toLowerCase() });
    }
    const found = secrets.filter((s) => logs.includes(s.value)).map((s) => s.label);
    expect(found).toEqual([]);
  });

  it("keeps the data dir 0700 and its files 0600", () => {
    expect(statSync(env.dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(env.dataDir);
    expect(files).toContain("relay.sqlite");
    for (const f of files)
      expect(`${f} ${(statSync(join(env.dataDir, f)).mode & 0o777).toString(8)}`).toBe(`${f} 600`);
  });
});
