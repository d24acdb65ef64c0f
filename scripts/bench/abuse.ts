/**
 * `npm run bench -- abuse [--requests N]`: the worst free request of each endpoint, sent N times (default
 * 1,000 for commitments, N/2 for the others) one at a time to a real relay on a real devnet, from fresh keys
 * where keys matter. For each: the answers, the relay's CPU per request (all its threads, from /proc over the
 * phase: a mean, the kernel counts in 10 ms ticks), the wall latency p50/p99 (with one request in flight,
 * an upper bound of the relay's main-thread CPU for it), and node calls per request (a counting JSON-RPC
 * proxy sits between the relay and anvil; the idle rate of the relay's own polling is subtracted). Then the
 * operator's ETH balance before and after (0 = no operator gas for any of it). Writes bench/results/abuse.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import { ORDER_TYPES, type Order, randomSalt, veilDomain } from "../../client/order/order.js";
import { orderToJson } from "../../client/wire/orderWire.js";
import { loadForgeArtifact } from "../devnet/artifacts.js";
import { ensureContractsBuilt } from "../devnet/buildContracts.js";
import { devnetAccount } from "../devnet/devnetAccounts.js";
import { devnetRelayOptions, spawnRelay } from "../devnet/spawnRelay.js";
import { startDevnet } from "../devnet/startDevnet.js";

const OUT = "bench/results/abuse.json";
const TICK_MS = 10; // Linux USER_HZ = 100
/** Requests prepared (signed, sealed) at a time, then sent: short enough for their commitBy to stay valid. */
const CHUNK = 50;

function flag(args: string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i].includes("=") ? args[i].split("=")[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** CPU time of a process (user + system, all threads), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14, 15)
}

/** A JSON-RPC proxy to `target` that counts the calls it forwards (each entry of a batch counts). */
async function countingProxy(target: string): Promise<{ url: string; calls: () => number; server: Server }> {
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const parsed = JSON.parse(body);
        calls += Array.isArray(parsed) ? parsed.length : 1;
      } catch {
        calls += 1;
      }
      try {
        const up = await fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        res.writeHead(up.status, { "content-type": "application/json" });
        res.end(await up.text());
      } catch {
        res.writeHead(502);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, server };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
};

type Phase = {
  endpoint: string;
  request: string;
  requests: number;
  statuses: Record<string, number>;
  relayCpuMsPerRequest: number;
  latencyMsP50: number;
  latencyMsP99: number;
  nodeCallsPerRequest: number;
};

export async function run(args: string[]): Promise<void> {
  const n = flag(args, "requests", 1000);
  await ensureContractsBuilt(["GasBurner1271"]);
  const devnet = await startDevnet({ slotMs: 500, quiet: true });
  const proxy = await countingProxy(devnet.rpcUrl);
  const dataDir = mkdtempSync(join(tmpdir(), "veil-bench-abuse-"));
  const client = createPublicClient({ transport: http(devnet.rpcUrl) });
  try {
    const relay = await spawnRelay({
      ...devnetRelayOptions(devnet),
      rpcUrl: proxy.url,
      dataDir,
      // one client IP sends everything: lift the general per-IP limit so requests reach the handlers (the
      // tighter budgets of issue 13, e.g. failed contract signatures, stay on)
      extraArgs: ["--rate-limit", "0", "--log-level", "warn", "--batch-interval-ms", "300"],
    });
    try {
      const info = (await (await fetch(`${relay.url}/v1/info`)).json()) as { eciesPublicKey: Hex };
      const operator = devnetAccount(devnet, "operator").address;
      const operatorBefore = await client.getBalance({ address: operator });
      const { WETH, USDC } = devnet.contracts.tokens;
      const head = async () => client.getBlockNumber({ cacheTime: 0 });

      // the relay's own polling, per ms, to subtract
      const idle0 = proxy.calls();
      const idleT0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      const idleRate = (proxy.calls() - idle0) / (performance.now() - idleT0);

      const phases: Phase[] = [];
      const phase = async (
        endpoint: string,
        request: string,
        count: number,
        make: (i: number) => Promise<{ method: string; path: string; body?: unknown }>,
      ) => {
        // prepared in chunks right before they are sent (commitBy counts from the head), measured while sent
        const statuses: Record<string, number> = {};
        const latencies: number[] = [];
        let cpu = 0;
        let calls = 0;
        for (let done = 0; done < count; ) {
          const prepared = [];
          for (let i = done; i < Math.min(count, done + CHUNK); i++) prepared.push(await make(i));
          const calls0 = proxy.calls();
          const cpu0 = cpuMs(relay.pid);
          const t0 = performance.now();
          for (const r of prepared) {
            const s = performance.now();
            const res = await fetch(`${relay.url}${r.path}`, {
              method: r.method,
              headers: { "content-type": "application/json" },
              body: r.body === undefined ? undefined : JSON.stringify(r.body),
            });
            const text = await res.text();
            latencies.push(performance.now() - s);
            let code = String(res.status);
            try {
              const j = JSON.parse(text) as { error?: { code?: string | number } };
              if (j.error?.code !== undefined) code += ` ${j.error.code}`;
            } catch {
              // not JSON (metrics text)
            }
            statuses[code] = (statuses[code] ?? 0) + 1;
          }
          const ms = performance.now() - t0;
          cpu += cpuMs(relay.pid) - cpu0;
          calls += Math.max(0, proxy.calls() - calls0 - idleRate * ms);
          done += prepared.length;
        }
        const p: Phase = {
          endpoint,
          request,
          requests: count,
          statuses,
          relayCpuMsPerRequest: Math.round((cpu / count) * 100) / 100,
          latencyMsP50: pct(latencies, 50),
          latencyMsP99: pct(latencies, 99),
          nodeCallsPerRequest: Math.round((calls / count) * 100) / 100,
        };
        phases.push(p);
        console.log(
          `${endpoint.padEnd(24)} ${request.padEnd(46)} cpu ${String(p.relayCpuMsPerRequest).padStart(5)} ms  p50 ${p.latencyMsP50} p99 ${p.latencyMsP99} ms  node ${p.nodeCallsPerRequest}/req  ${JSON.stringify(statuses)}`,
        );
      };

      const fresh = () => privateKeyToAccount(generatePrivateKey());
      let commitBy = (await head()) + 8n;
      await phase("POST /v1/commitments", "fresh key, valid signature, holds nothing", n, async (i) => {
        if (i % CHUNK === 0) commitBy = (await head()) + 8n;
        const a = fresh();
        const leaf = randomSalt();
        const signature = await a.signTypedData(
          commitmentTypedData(devnet.chainId, devnet.contracts.settlement, a.address, leaf),
        );
        return {
          method: "POST",
          path: "/v1/commitments",
          body: { leaf, trader: a.address, signature, commitBy: commitBy.toString() },
        };
      });

      const freshOrder = async (
        trader: Address,
        sign: boolean,
      ): Promise<{ order: Order; signature: Hex; salt: Hex }> => {
        const order: Order = {
          trader,
          sellToken: WETH,
          buyToken: USDC,
          sellAmount: parseEther("1"),
          minBuyAmount: 1n,
          nonce: BigInt(Math.floor(Math.random() * 2 ** 48)),
          validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
          commitBy: (await head()) + 8n,
        };
        const signature = sign
          ? await privateKeyToAccount(generatePrivateKey()).signTypedData({
              domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
              types: ORDER_TYPES,
              primaryType: "Order",
              message: order,
            })
          : ("0x01" as Hex);
        return { order, signature, salt: randomSalt() };
      };
      const half = Math.max(1, Math.floor(n / 2));
      await phase("POST /v1/orders", "sealed, fresh key, valid signature, unfunded", half, async () => {
        const a = fresh();
        const signed = await freshOrder(a.address, false);
        const signature = await a.signTypedData({
          domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
          types: ORDER_TYPES,
          primaryType: "Order",
          message: signed.order,
        });
        return {
          method: "POST",
          path: "/v1/orders",
          body: { ciphertext: sealOrder(info.eciesPublicKey, { ...signed, signature }) },
        };
      });

      // a contract wallet whose isValidSignature burns all the gas it is given
      const deployer = privateKeyToAccount(devnetAccount(devnet, "wallet").privateKey);
      const chain = defineChain({
        id: devnet.chainId,
        name: "devnet",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [devnet.builderUrl] } },
      });
      const w = createWalletClient({ account: deployer, chain, transport: http(devnet.builderUrl) });
      const hash = await w.sendTransaction({ data: loadForgeArtifact("GasBurner1271").bytecode });
      const burner = (await client.waitForTransactionReceipt({ hash, timeout: 60_000 })).contractAddress!;
      await phase("POST /v1/orders", "sealed, gas-burning EIP-1271 wallet", half, async () => ({
        method: "POST",
        path: "/v1/orders",
        body: { ciphertext: sealOrder(info.eciesPublicKey, await freshOrder(burner, false)) },
      }));
      await phase("POST /v1/reveals", "gas-burning wallet's order, no commitment", half, async () => {
        const s = await freshOrder(burner, false);
        return {
          method: "POST",
          path: "/v1/reveals",
          body: { order: orderToJson(s.order), signature: s.signature, salt: s.salt },
        };
      });
      await phase("DELETE /v1/orders/:id", "unknown id, any signature", half, async () => ({
        method: "DELETE",
        path: `/v1/orders/${randomSalt()}`,
        body: { signature: `0x${"11".repeat(65)}` },
      }));
      await phase("GET /v1/orders/:id", "unknown id", half, async () => ({
        method: "GET",
        path: `/v1/orders/${randomSalt()}`,
      }));
      await phase("GET /v1/batches/:id", "batch 1", half, async () => ({
        method: "GET",
        path: "/v1/batches/1",
      }));
      await phase("GET /metrics", "scrape", half, async () => ({ method: "GET", path: "/metrics" }));
      await phase("GET /healthz", "probe", half, async () => ({ method: "GET", path: "/healthz" }));

      const baseFee = (await client.getBlock()).baseFeePerGas ?? 1n;
      const to = devnetAccount(devnet, "trader1").address;
      await phase("POST /rpc", "eth_sendRawTransaction, dust key, fee < base fee", half, async (i) => {
        const raw = await fresh().signTransaction({
          type: "eip1559",
          chainId: devnet.chainId,
          to,
          value: 1n,
          nonce: i % 32,
          gas: 21_000n,
          maxFeePerGas: baseFee / 2n,
          maxPriorityFeePerGas: 1n,
        });
        return {
          method: "POST",
          path: "/rpc",
          body: { jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] },
        };
      });

      // several batch intervals and blocks later: did the operator send anything?
      await new Promise((r) => setTimeout(r, 3000));
      const operatorAfter = await client.getBalance({ address: operator });
      const operatorGasWei = (operatorBefore - operatorAfter).toString();
      const result = {
        requestsPerPhase: { commitments: n, others: half },
        phases,
        operatorGasWei,
        idleNodeCallsPerSecond: Math.round(idleRate * 1000 * 10) / 10,
        note: "relayCpuMsPerRequest is a mean over the phase from /proc ticks (10 ms resolution), all relay threads; latencyMsP99 bounds one request's wall time with one in flight; node calls are net of the relay's idle polling",
      };
      console.log(`operator gas spent over all phases: ${operatorGasWei} wei`);
      mkdirSync("bench/results", { recursive: true });
      writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`wrote ${OUT}`);
    } finally {
      await relay.stop("SIGTERM");
    }
  } finally {
    proxy.server.close();
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
