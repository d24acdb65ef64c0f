/**
 * Test harness of the wallet endpoint: a real devnet (anvil + local builder, blocks only on demand), the real
 * `rpcRoutes(createRpcContext(deps))` served over real HTTP by @hono/node-server on a free port, a real BundleSubmitter, a real
 * SQLite file, and the real block watcher. `driveBlocks` builds blocks in the background like a slot clock,
 * and looks at anvil's public pending pool between blocks, recording every hash it ever saw there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";
import pino from "pino";
import type { Hex } from "viem";
import { BundleSubmitter } from "../../relay/bundles/bundleSubmitter.js";
import {
  createPrivateTxWatcher,
  createRpcContext,
  type RpcContext,
  type RpcDeps,
  rpcRoutes,
} from "../../relay/rpc/rpcRoutes.js";
import { SqlitePrivateTxStore } from "../../relay/store/privateTxStore.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import type { Devnet } from "../helpers/devnet.js";

export type RpcServer = {
  /** Base URL of the server, e.g. http://127.0.0.1:PORT (the RPC is at `${url}/rpc`). */
  url: string;
  rpcUrl: string;
  deps: RpcDeps;
  /** The one context built from `deps`, shared by the routes and the watcher (and tests' extra watchers). */
  rpc: RpcContext;
  dbPath: string;
  /** Stops the watcher and the HTTP server (keeps the db file unless `keepDb`). */
  stop(opts?: { keepDb?: boolean }): Promise<void>;
};

/** Starts the routes for `devnet` on a free port. */
export async function startRpcServer(devnet: Devnet, overrides: Partial<RpcDeps> = {}, dbPath?: string) {
  const dir = dbPath ? undefined : mkdtempSync(join(tmpdir(), "veil-rpc-"));
  const file = dbPath ?? join(dir!, "relay.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  const authKey = devnetAccount(devnet, "relay-auth").privateKey;
  const submitter = await BundleSubmitter.create({
    rpcUrl: devnet.rpcUrl,
    builderUrls: [devnet.builderUrl],
    authKey,
    chainId: devnet.chainId,
  });
  const deps: RpcDeps = {
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    submitter,
    privateTxs: new SqlitePrivateTxStore(db),
    logger: pino({ level: process.env.VEIL_TEST_LOG ?? "silent" }),
    pollIntervalMs: 40,
    ...overrides,
  };
  const rpc = createRpcContext(deps);
  const app = new Hono();
  app.route("/", rpcRoutes(rpc));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const watcher = createPrivateTxWatcher(rpc);
  watcher.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    rpcUrl: `${url}/rpc`,
    deps,
    rpc,
    dbPath: file,
    async stop(opts: { keepDb?: boolean } = {}) {
      await watcher.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      submitter.close();
      db.close();
      if (dir && !opts.keepDb) rmSync(dir, { recursive: true, force: true });
    },
  } satisfies RpcServer;
}

/** Hashes of every tx seen in anvil's public pending pool (txpool_content) between blocks. */
export async function publicPoolHashes(devnet: Devnet): Promise<Hex[]> {
  const res = await fetch(devnet.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "txpool_content", params: [] }),
  });
  const { result } = (await res.json()) as {
    result: Record<"pending" | "queued", Record<string, Record<string, { hash: Hex }>>>;
  };
  const hashes: Hex[] = [];
  for (const kind of ["pending", "queued"] as const)
    for (const byNonce of Object.values(result[kind] ?? {}))
      for (const tx of Object.values(byNonce)) hashes.push(tx.hash.toLowerCase() as Hex);
  return hashes;
}

/** A background slot clock: checks the public pool, builds a block, sleeps; until stopped. */
export function driveBlocks(devnet: Devnet, intervalMs = 150) {
  const seenInPublicPool = new Set<Hex>();
  let running = true;
  let blocks = 0;
  const loop = (async () => {
    while (running) {
      for (const h of await publicPoolHashes(devnet)) seenInPublicPool.add(h);
      await devnet.buildBlock();
      blocks++;
      for (const h of await publicPoolHashes(devnet)) seenInPublicPool.add(h);
      await sleep(intervalMs);
    }
  })();
  return {
    seenInPublicPool,
    get blocks() {
      return blocks;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Raw JSON-RPC POST; returns HTTP status and parsed body. */
export async function postRpc(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** GET /tx/:hash. */
export async function txStatus(server: { url: string }, hash: Hex) {
  const res = await fetch(`${server.url}/tx/${hash}`);
  return (await res.json()) as {
    status: string;
    includedBlockNumber: number | null;
    simError: string;
    revertReason: string;
    maxBlockNumber: number;
    isRevert: boolean;
    replacedBy: Hex | null;
    fastMode: boolean;
  };
}

/** Polls GET /tx/:hash until `status` (or throws after `timeoutMs`). */
export async function waitForStatus(server: { url: string }, hash: Hex, status: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await txStatus(server, hash);
    if (s.status === status) return s;
    if (Date.now() > deadline)
      throw new Error(`tx ${hash} still ${s.status} (${s.simError}), wanted ${status}`);
    await sleep(30);
  }
}

/**
 * Resolves once the relay has sent `hash`'s bundle for `block` or later (its own record, written after the
 * builder answered), or once the tx is no longer PENDING: an event to wait on instead of a fixed sleep.
 */
export async function bundleSentFor(server: RpcServer, hash: Hex, block: number, timeoutMs = 20_000) {
  const { store } = server.rpc;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tx = await store.get(hash);
    if (tx?.status !== "PENDING" || tx.lastSentBlock >= block) return;
    if (Date.now() > deadline)
      throw new Error(`the relay sent no bundle of ${hash} for block ${block} (last ${tx.lastSentBlock})`);
    await sleep(20);
  }
}

/** Resolves once no bundle send or withdrawal of `hash` is in flight between the relay and its builders. */
export async function bundleTrafficSettled(server: RpcServer, hash: Hex): Promise<void> {
  const { inFlight } = server.rpc;
  for (let p = inFlight.get(hash.toLowerCase()); p; p = inFlight.get(hash.toLowerCase())) await p;
}
