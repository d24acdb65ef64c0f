import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  parseEther,
  parseTransaction,
  parseUnits,
  toFunctionSelector,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { ORDER_TYPES, type Order, randomSalt, veilDomain } from "../../client/order/order.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { loadConfig } from "../../relay/config.js";
import { IntakeService } from "../../relay/intake/intakeService.js";
import { type RunningRelay, startRelay } from "../../relay/startRelay.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { devnetRelayOptions } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { approveAll } from "../helpers/relayHarness.js";

// A settle tx that lands but reverts is not a settled batch (issue 20, mutant R9: any receipt counted as
// landed). The relay runs in this process; its only builder URL is a small proxy in front of the devnet's
// builder that passes everything through but keeps the relay's settle bundles back while told to, so the
// test can land the relay's own signed settle tx itself, after the chain changed under it, and see it revert.

const SETTLE = toFunctionSelector(
  veilSettlementAbi.find((x) => x.type === "function" && x.name === "settle")!,
);

/** Passes JSON-RPC through to `target`, except settle bundles while `hold` is set (recorded, acked, dropped). */
async function settleHoldingProxy(target: string) {
  const held: Hex[] = [];
  const state = { hold: true };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const msg = JSON.parse(body) as { id: number; method: string; params: { txs?: Hex[] }[] };
      const settles = (msg.method === "eth_sendBundle" ? (msg.params[0]?.txs ?? []) : []).filter((raw) =>
        parseTransaction(raw).data?.startsWith(SETTLE),
      );
      if (state.hold && settles.length > 0) {
        for (const raw of settles) if (!held.includes(raw)) held.push(raw);
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: { bundleHash: keccak256(toHex(body)) } }),
        );
        return;
      }
      const headers: Record<string, string> = { "content-type": "application/json" };
      const sig = req.headers["x-flashbots-signature"];
      if (typeof sig === "string") headers["x-flashbots-signature"] = sig;
      const upstream = await fetch(target, { method: "POST", headers, body });
      res.statusCode = upstream.status;
      res.setHeader("content-type", "application/json");
      res.end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, held, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let devnet: Devnet;
let relay: RunningRelay;
let proxy: Awaited<ReturnType<typeof settleHoldingProxy>>;
let dataDir: string;

beforeAll(async () => {
  devnet = await startDevnet({ slotMs: null });
  const approvals = Promise.all(["trader1", "trader2"].map((t) => approveAll(devnet, t)));
  let done = false;
  void approvals.finally(() => {
    done = true;
  });
  while (!done) await devnet.buildBlock();
  await approvals;
  proxy = await settleHoldingProxy(devnet.builderUrl);
  dataDir = mkdtempSync(join(tmpdir(), "veil-settle-reverted-"));
  const o = devnetRelayOptions(devnet);
  const config = loadConfig(
    [
      ...["--rpc-url", o.rpcUrl, "--builder-url", proxy.url, "--settlement", o.settlement],
      ...["--pools", o.pools.join(","), "--data-dir", dataDir, "--port", "0", "--rate-limit", "0"],
      ...["--batch-interval-ms", "3600000", "--poll-ms", "20"],
    ],
    {
      VEIL_OPERATOR_KEY: o.operatorKey,
      VEIL_AUTH_KEY: o.authKey,
      VEIL_FEE_POLICY: process.env.VEIL_FEE_POLICY,
    },
  );
  relay = await startRelay(config, pino({ level: "silent" }));
});

afterAll(async () => {
  await relay?.close();
  await proxy?.close();
  await devnet?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const keyOf = (label: string): Hex => devnetAccount(devnet, label).privateKey;

async function sealed(label: string, sell: Hex, buy: Hex, sellAmount: bigint, minBuyAmount: bigint) {
  const account = privateKeyToAccount(keyOf(label));
  const order: Order = {
    trader: account.address,
    sellToken: sell,
    buyToken: buy,
    sellAmount,
    minBuyAmount,
    nonce: BigInt(Date.now()) * 10n + (label === "trader1" ? 1n : 2n),
    validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
    commitBy: relay.ctx.head.block + 6n,
    feeAmount: 0n,
  };
  const signature = await account.signTypedData({
    domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  return sealOrder(relay.ctx.eciesKey.publicKey, { order, signature, salt: randomSalt() });
}

/** Builds one block and waits until the relay has seen it (its operator step runs on that head). */
async function block(): Promise<bigint> {
  const n = await devnet.buildBlock();
  const deadline = Date.now() + 10_000;
  while (relay.ctx.head.block < n) {
    if (Date.now() > deadline) throw new Error(`the relay did not see block ${n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 150)); // give its operator step a moment (a driving pace, not a check)
  return n;
}

describe("a settle that lands reverted", () => {
  it("should not count as settled: the relay re-plans and settles with a tx that succeeded", async () => {
    const { WETH, USDC } = devnet.contracts.tokens;
    const intake = new IntakeService(relay.ctx);
    const a = await intake.submitSealed(
      await sealed("trader1", WETH, USDC, parseEther("0.5"), parseUnits("1000", 6)),
    );
    const b = await intake.submitSealed(
      await sealed("trader2", USDC, WETH, parseUnits("1500", 6), parseEther("0.3")),
    );
    const batchId = await relay.ctx.openBatch.rotate();
    await new Batcher(relay.ctx).closeFull();

    // Commit lands (commit bundles pass the proxy); then the relay's first settle bundle is held back.
    for (let i = 0; i < 15 && proxy.held.length === 0; i++) await block();
    expect(proxy.held.length, "the relay sent a settle bundle").toBeGreaterThan(0);
    const settleRaw = proxy.held[0];
    const settleHash = keccak256(settleRaw);
    expect((await relay.ctx.store.attempts(batchId, "settle")).map((x) => x.txHash)).toContain(settleHash);

    // trader2 revokes the allowance; then the relay's own settle tx lands publicly and reverts.
    const trader2 = privateKeyToAccount(keyOf("trader2"));
    const chain = defineChain({
      id: devnet.chainId,
      name: "devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [devnet.builderUrl] } },
    });
    const wallet = createWalletClient({ account: trader2, chain, transport: http(devnet.builderUrl) });
    const node = createPublicClient({ chain, transport: http(devnet.rpcUrl) });
    const revoke = await wallet.writeContract({
      address: USDC,
      abi: erc20Abi,
      functionName: "approve",
      args: [devnet.contracts.settlement, 0n],
    });
    await block();
    expect((await node.getTransactionReceipt({ hash: revoke })).status).toBe("success");
    await node.request({ method: "eth_sendRawTransaction", params: [settleRaw] });
    await block();
    expect((await node.getTransactionReceipt({ hash: settleHash })).status).toBe("reverted");

    // From now on bundles reach the builder; drive blocks until the batch ends.
    proxy.state.hold = false;
    const final = ["settled", "expired"];
    for (let i = 0; i < 30 && !final.includes((await relay.ctx.store.getBatch(batchId))!.state); i++)
      await block();
    const batch = (await relay.ctx.store.getBatch(batchId))!;
    expect(final, `batch state ${batch.state}`).toContain(batch.state);
    expect(batch.settleTxHash, "a reverted settle was taken for the batch's settlement").not.toBe(settleHash);
    const attempts = await relay.ctx.store.attempts(batchId, "settle");
    expect(attempts.length, "the relay tried again after the reverted settle").toBeGreaterThan(1);
    // trader2 can no longer pay: its order is dropped with a reason; trader1's ends final too, never via the
    // reverted tx.
    for (const id of [a.id, b.id]) {
      const o = (await relay.ctx.store.getOrder(id))!;
      expect(["filled", "unfilled", "failed"]).toContain(o.state);
      expect(o.fill?.txHash).not.toBe(settleHash);
    }
    expect((await relay.ctx.store.getOrder(b.id))!.state).not.toBe("filled");
  });
});
