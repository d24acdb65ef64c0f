import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ORDER_TYPES, type Order, randomSalt, veilDomain } from "../../client/order/order.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { devnetRelayOptions, type RelayProcess, spawnRelay } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "./devnet.js";

/** A devnet with a relay child process, for the relay suites. */
export type RelayDevnet = {
  devnet: Devnet;
  relay: RelayProcess;
  url: string;
  dataDir: string;
  client: PublicClient;
  logs: string[];
  /** Resolves on the first relay output line (from now on) matching `re`; `then` runs synchronously on it. */
  waitForLog(re: RegExp, then?: () => void, timeoutMs?: number): Promise<string>;
  /** With `driveBlocksMs`: the test's own block clock (devnet.buildBlock every N ms), pausable. */
  blocks: { pause(): Promise<void>; resume(): void; mine(n: number): Promise<void> };
  /** Stops the relay with `signal` (SIGKILL = crash) and starts it again on the same data dir. */
  restart(signal?: NodeJS.Signals, extraArgs?: string[]): Promise<void>;
  stop(): Promise<void>;
};

/** Relay flags the suites use: short batches, no rate limit unless a test asks for one. */
export const FAST_RELAY_ARGS = ["--batch-interval-ms", "300", "--poll-ms", "40", "--log-level", "warn"];

/**
 * Starts a devnet (builder slot `slotMs`, default 200 ms) and the relay as a child process with the
 * operator key = account 1 and the bundle-auth key = account 2, data dir in a fresh temp dir.
 */
export async function startRelayDevnet(
  opts: { slotMs?: number | null; extraArgs?: string[]; driveBlocksMs?: number } = {},
): Promise<RelayDevnet> {
  const devnet = await startDevnet({
    slotMs: opts.driveBlocksMs ? null : opts.slotMs === undefined ? 200 : opts.slotMs,
  });
  const clock = blockClock(devnet, opts.driveBlocksMs ?? 0);
  const dataDir = mkdtempSync(join(tmpdir(), "veil-relay-test-"));
  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const launch = (extra: string[]) =>
    spawnRelay({
      ...devnetRelayOptions(devnet),
      dataDir,
      extraArgs: [...FAST_RELAY_ARGS, ...(opts.extraArgs ?? []), ...extra],
      onLine: (l) => {
        logs.push(l);
        for (const f of listeners) f(l);
      },
    });
  let relay: RelayProcess;
  try {
    relay = await launch([]);
  } catch (err) {
    await devnet.stop();
    throw err;
  }
  const env: RelayDevnet = {
    devnet,
    blocks: clock,
    relay,
    url: relay.url,
    dataDir,
    logs,
    waitForLog(re, then, timeoutMs = 60_000) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(f);
          reject(new Error(`no relay log line matched ${re} in time`));
        }, timeoutMs);
        const f = (line: string) => {
          if (!re.test(line)) return;
          then?.();
          listeners.delete(f);
          clearTimeout(timer);
          resolve(line);
        };
        listeners.add(f);
      });
    },
    client: createPublicClient({ transport: http(devnet.rpcUrl) }),
    async restart(signal = "SIGTERM", extraArgs = []) {
      await env.relay.stop(signal);
      env.relay = await launch(extraArgs);
      env.url = env.relay.url;
    },
    async stop() {
      await clock.pause();
      await env.relay.stop("SIGTERM").catch(() => undefined);
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** A block clock driven by the test (devnet.buildBlock every `ms`), so a test can stop time. */
function blockClock(devnet: Devnet, ms: number): RelayDevnet["blocks"] {
  let running = ms > 0;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (!running) return;
    current = devnet
      .buildBlock()
      .catch(() => undefined)
      .then(() => {
        if (running) setTimeout(tick, ms);
      });
  };
  if (running) setTimeout(tick, ms);
  return {
    async pause() {
      running = false;
      await current;
    },
    resume() {
      if (running || ms === 0) return;
      running = true;
      tick();
    },
    async mine(n: number) {
      for (let i = 0; i < n; i++) await devnet.buildBlock();
    },
  };
}

/** The devnet key of a labelled account. */
export function keyOf(devnet: Devnet, label: string): Hex {
  return devnetAccount(devnet, label).privateKey;
}

/**
 * Approves the settlement contract for every demo token from `label` (public txs, mined by the builder).
 * Sent through the builder's public RPC with explicit nonces: during a build the builder briefly takes
 * public txs out of anvil's pool, so a "pending" nonce read straight from anvil could repeat a nonce.
 */
export async function approveAll(devnet: Devnet, label: string): Promise<void> {
  const account = privateKeyToAccount(keyOf(devnet, label));
  const chain = defineChain({
    id: devnet.chainId,
    name: "devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [devnet.builderUrl] } },
  });
  const wallet = createWalletClient({ account, chain, transport: http(devnet.builderUrl) });
  const client = createPublicClient({ transport: http(devnet.builderUrl), pollingInterval: 50 });
  let nonce = await client.getTransactionCount({ address: account.address, blockTag: "latest" });
  const hashes: Hex[] = [];
  for (const token of Object.values(devnet.contracts.tokens))
    hashes.push(
      await wallet.writeContract({
        address: token,
        abi: erc20Abi,
        functionName: "approve",
        args: [devnet.contracts.settlement, maxUint256],
        nonce: nonce++,
      }),
    );
  for (const hash of hashes) await client.waitForTransactionReceipt({ hash, timeout: 90_000 });
}

let nonceCounter = BigInt(Date.now() % 1_000_000) * 1000n;

/**
 * Blocks ahead of the head for a test order's `commitBy` (order v2): inside every suite's accepted range
 * (the relay takes head + 3 up to head + expiry - revealWindow - 4, i.e. 8 with `--reveal-window 8`), as
 * large as that allows: 200 ms test slots on a loaded machine leave little time to commit.
 */
export const TEST_COMMIT_LEAD_BLOCKS = 8n;

/** `commitBy` for an order signed now: the devnet's head + {@link TEST_COMMIT_LEAD_BLOCKS}. */
export async function commitByFromNow(devnet: Devnet, lead = TEST_COMMIT_LEAD_BLOCKS): Promise<bigint> {
  const head = await createPublicClient({ transport: http(devnet.rpcUrl) }).getBlockNumber({ cacheTime: 0 });
  return head + lead;
}

/**
 * Signs an order from `label` with viem (fresh nonce, salt, a validity of 10 minutes and a `commitBy` of
 * {@link commitByFromNow} by default).
 */
export async function signOrder(
  devnet: Devnet,
  label: string,
  o: {
    sell: Address;
    buy: Address;
    sellAmount: bigint;
    minBuyAmount: bigint;
    nonce?: bigint;
    validTo?: bigint;
    commitBy?: bigint;
    /** The signed fee in the sell token (order v3); default 0 (suites run with `--fee-policy off`). */
    feeAmount?: bigint;
  },
  domain: { chainId?: number; settlement?: Address } = {},
): Promise<{ order: Order; signature: Hex; salt: Hex }> {
  const account = privateKeyToAccount(keyOf(devnet, label));
  const order: Order = {
    trader: account.address,
    sellToken: o.sell,
    buyToken: o.buy,
    sellAmount: o.sellAmount,
    minBuyAmount: o.minBuyAmount,
    nonce: o.nonce ?? nonceCounter++,
    validTo: o.validTo ?? BigInt(Math.floor(Date.now() / 1000) + 600),
    commitBy: o.commitBy ?? (await commitByFromNow(devnet)),
    feeAmount: o.feeAmount ?? 0n,
  };
  const signature = await account.signTypedData({
    domain: veilDomain(domain.chainId ?? devnet.chainId, domain.settlement ?? devnet.contracts.settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  return { order, signature, salt: randomSalt() };
}

/** A JSON request to the relay; returns status and parsed body. */
export async function api(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body !== undefined || init.rawBody !== undefined ? "POST" : "GET"),
    headers: { "content-type": "application/json" },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

const FINAL = ["filled", "unfilled", "failed", "cancelled"];

/** Polls `GET /v1/orders/:id` until `until(order)` holds (default: a final state). */
export async function waitForOrder(
  env: { url: string },
  id: Hex,
  until: (o: any) => boolean = (o) => FINAL.includes(o.state),
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any = null;
  while (Date.now() < deadline) {
    const r = await api(env.url, `/v1/orders/${id}`).catch(() => null);
    if (r?.status === 200) {
      last = r.body;
      if (until(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${id} did not reach the expected state in time; last: ${JSON.stringify(last)}`);
}

/** ERC-20 balance of an account. */
export function balanceOf(client: PublicClient, token: Address, owner: Address): Promise<bigint> {
  return client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}
