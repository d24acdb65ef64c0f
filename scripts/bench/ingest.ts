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
 * Writes bench/results/ingest.json `{ordersPerSecond, p50Ms, p99Ms, cryptoLimitPerSecond}`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
import { devnetAccounts } from "../devnet/devnetAccounts.js";
import { devnetRelayOptions, spawnRelay } from "../devnet/spawnRelay.js";
import { startDevnet } from "../devnet/startDevnet.js";
import { loadGenerator } from "./_ingestLoad.js";

const GOAL_ORDERS_PER_SECOND = 3_000;
const GOAL_P99_MS = 50;
const DEFAULT_ORDERS = 12_000;
const DEFAULT_CONCURRENCY = 64;
const WARMUP_ORDERS = 1_000;

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

/** Flags: `--orders=N` (default 12000), `--concurrency=N` (default 64), `--crypto-only`. */
export async function run(flags: string[]): Promise<void> {
  const flag = (name: string, def: number) => {
    const f = flags.find((x) => x.startsWith(`--${name}=`));
    return f ? Number(f.split("=")[1]) : def;
  };
  const nOrders = flag("orders", DEFAULT_ORDERS);
  const concurrency = flag("concurrency", DEFAULT_CONCURRENCY);

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
    writeFileSync(join(dir, "ingest.json"), `${JSON.stringify(result, null, 2)}\n`);
  };
  if (flags.includes("--crypto-only")) {
    write();
    return;
  }

  // ---- 2. HTTP intake against a real relay on a real devnet ----------------------------------------
  const devnet = await startDevnet({ slotMs: 1000, quiet: true });
  const dataDir = mkdtempSync(join(tmpdir(), "veil-bench-ingest-"));
  let relay: Awaited<ReturnType<typeof spawnRelay>> | null = null;
  try {
    const key = (label: string) => devnet.accounts.find((a) => a.label === label)!;
    relay = await spawnRelay({
      ...devnetRelayOptions(devnet),
      dataDir,
      // the bench is one client IP: lift the per-IP rate limit; warn-level logs (no line per request)
      extraArgs: ["--rate-limit", "0", "--log-level", "warn"],
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
    const t0 = performance.now();
    const prepared = prepareOrders(
      WARMUP_ORDERS + nOrders,
      benchTraders,
      WETH,
      USDC,
      relayHash,
      info.eciesPublicKey,
      1n << 20n,
      // order v2: the latest commitBy the relay accepts now, so the orders stay acceptable while sent
      (await createPublicClient({ transport: transport(devnet.rpcUrl) }).getBlockNumber()) +
        BigInt(info.maxCommitLeadBlocks),
    );
    console.log(
      `\nprepared ${prepared.ciphertexts.length} sealed orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const bodies = prepared.ciphertexts.map((c) => JSON.stringify({ ciphertext: c }));
    // sanity: the ids the relay answers are the orders' leaves
    const expectLeaf = orderLeaf(relayHash(prepared.orders[0].order), prepared.orders[0].salt);
    const warm = await loadGenerator(relay.url, bodies.slice(0, WARMUP_ORDERS), concurrency);
    if (warm.firstId && warm.firstId !== expectLeaf)
      console.log(`warning: first id ${warm.firstId} != leaf ${expectLeaf}`);
    const timed = await loadGenerator(relay.url, bodies.slice(WARMUP_ORDERS), concurrency);
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
    console.log(`HTTP POST /v1/orders, ${nOrders} orders, ${concurrency} concurrent keep-alive connections`);
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
  } finally {
    await relay?.stop();
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  write();
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
