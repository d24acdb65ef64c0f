import { createWalletClient, erc20Abi, type Hex, http, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { verifyMerkleProof } from "../../client/merkle/merkleTree.js";
import { cancelTypedData } from "../../client/order/offchainMessages.js";
import { hashOrder, orderLeaf } from "../../client/order/order.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import {
  api,
  approveAll,
  balanceOf,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

describe("relay, sealed orders end to end", () => {
  let env: RelayDevnet;
  let info: Record<string, any>;

  const operatorTxsSeenInPool: string[] = [];
  let poolChecks = 0;
  let watching = true;
  const sseEvents: { event: string; data: any }[] = [];
  const sseAbort = new AbortController();

  /**
   * Looks at the public pending pool (through the devnet's public RPC, as a searcher would) many times per
   * block for any tx sent by the operator.
   */
  async function watchPool(): Promise<void> {
    const operator = devnetAccount(env.devnet, "operator").address.toLowerCase();
    while (watching) {
      const pool = await fetch(env.devnet.builderUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "txpool_content", params: [] }),
      })
        .then((r) => r.json() as Promise<{ result?: Record<string, Record<string, unknown>> }>)
        .catch(() => null);
      if (pool?.result) {
        poolChecks++;
        for (const section of ["pending", "queued"])
          for (const from of Object.keys(pool.result[section] ?? {}))
            if (from.toLowerCase() === operator) operatorTxsSeenInPool.push(from);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  async function readSse(): Promise<void> {
    const res = await fetch(`${env.url}/v1/events`, { signal: sseAbort.signal });
    const reader = res.body!.getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += new TextDecoder().decode(value);
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const chunk = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: ?(.*)$/m.exec(chunk)?.[1];
        const data = /^data: ?(.*)$/m.exec(chunk)?.[1];
        if (event && data) sseEvents.push({ event, data: JSON.parse(data) });
        i = buf.indexOf("\n\n");
      }
    }
  }

  beforeAll(async () => {
    env = await startRelayDevnet({ extraArgs: ["--batch-interval-ms", "1500"] });
    info = (await api(env.url, "/v1/info")).body;
    void watchPool();
    readSse().catch(() => undefined);
    for (const t of ["trader1", "trader2", "trader3", "trader4"]) await approveAll(env.devnet, t);
  });
  afterAll(async () => {
    watching = false;
    sseAbort.abort();
    await env?.stop();
  });

  const submit = async (signed: Awaited<ReturnType<typeof signOrder>>) => {
    const res = await api(env.url, "/v1/orders", {
      body: { ciphertext: sealOrder(info.eciesPublicKey, signed) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: Hex; state: string; batchId: number };
  };

  it("should serve the relay's info", () => {
    expect(info.chainId).toBe(31337);
    expect(info.settlement).toBe(env.devnet.contracts.settlement);
    expect(info.eciesPublicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(info.revealDelayBlocks).toBe(2);
    expect(info.expiryBlocks).toBe(20);
    expect(info.tokens.WETH).toBe(env.devnet.contracts.tokens.WETH);
  });

  it("should cross two opposite traders at one price and pay what the Trade events say", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const [t1, t2] = [keyOf(env.devnet, "trader1"), keyOf(env.devnet, "trader2")].map(
      (k) => privateKeyToAccount(k).address,
    );
    // balances first: an order's commitBy (order v2) counts blocks from its signing to its commit
    const before = {
      aUsdc: await balanceOf(env.client, USDC, t1),
      aWeth: await balanceOf(env.client, WETH, t1),
      bWeth: await balanceOf(env.client, WETH, t2),
      bUsdc: await balanceOf(env.client, USDC, t2),
    };
    const [a, b] = await Promise.all([
      signOrder(env.devnet, "trader1", {
        sell: WETH,
        buy: USDC,
        sellAmount: parseEther("1"),
        minBuyAmount: parseUnits("2900", 6),
      }),
      signOrder(env.devnet, "trader2", {
        sell: USDC,
        buy: WETH,
        sellAmount: parseUnits("3000", 6),
        minBuyAmount: parseEther("0.95"),
      }),
    ]);
    const [ra, rb] = await Promise.all([submit(a), submit(b)]);
    expect(rb.batchId).toBe(ra.batchId);
    expect(ra.id).toBe(orderLeaf(hashOrder(a.order, 31337, env.devnet.contracts.settlement), a.salt));
    expect(ra.state).toBe("pending");
    const fa = await waitForOrder(env, ra.id);
    const fb = await waitForOrder(env, rb.id);
    expect(fa.state).toBe("filled");
    expect(fb.state).toBe("filled");
    expect(fa.fill.txHash).toBe(fb.fill.txHash);
    // One uniform price: a's USDC per WETH equals b's.
    const aRate = (BigInt(fa.fill.buyAmount) * 10n ** 18n) / BigInt(fa.fill.sellAmount);
    expect(BigInt(fa.fill.buyAmount)).toBeGreaterThanOrEqual(parseUnits("2900", 6));
    expect(BigInt(fb.fill.buyAmount)).toBeGreaterThanOrEqual(parseEther("0.95"));
    expect(aRate).toBeGreaterThan(0n);
    expect(await balanceOf(env.client, USDC, a.order.trader)).toBe(before.aUsdc + BigInt(fa.fill.buyAmount));
    expect(await balanceOf(env.client, WETH, a.order.trader)).toBe(before.aWeth - parseEther("1"));
    expect(await balanceOf(env.client, WETH, b.order.trader)).toBe(before.bWeth + BigInt(fb.fill.buyAmount));
    expect(await balanceOf(env.client, USDC, b.order.trader)).toBe(before.bUsdc - parseUnits("3000", 6));

    // The proof served by the relay verifies against the root stored on chain.
    const [root] = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "batches",
      args: [BigInt(fa.chainBatchId)],
    });
    expect(fa.root).toBe(root);
    expect(verifyMerkleProof(fa.id, fa.proof, root)).toBe(true);
    const batch = (await api(env.url, `/v1/batches/${fa.batchId}`)).body;
    expect(batch.state).toBe("settled");
    expect(batch.settleTxHash).toBe(fa.fill.txHash);
    expect(batch.orderIds).toContain(ra.id);
  });

  it("should clear a one-sided batch against the Uniswap V2 pool", async () => {
    const { WETH, DAI } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader3", {
      sell: DAI,
      buy: WETH,
      sellAmount: parseEther("3000"),
      minBuyAmount: parseEther("0.9"),
    });
    const pair = env.devnet.contracts.uniswapV2.pairs["WETH/DAI"];
    const pairWethBefore = await balanceOf(env.client, WETH, pair);
    const wethBefore = await balanceOf(env.client, WETH, a.order.trader);
    const r = await submit(a);
    const f = await waitForOrder(env, r.id);
    expect(f.state).toBe("filled");
    const got = BigInt(f.fill.buyAmount);
    expect(got).toBeGreaterThanOrEqual(parseEther("0.9"));
    expect(await balanceOf(env.client, WETH, a.order.trader)).toBe(wethBefore + got);
    // The WETH came out of the pool: it lost at least what the trader received.
    expect(pairWethBefore - (await balanceOf(env.client, WETH, pair))).toBeGreaterThanOrEqual(got);
  });

  it("should leave an order whose limit cannot be met unfilled with LIMIT_NOT_MET and move no tokens", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader4", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("1"),
      minBuyAmount: parseUnits("10000", 6),
    });
    const before = await balanceOf(env.client, WETH, a.order.trader);
    const r = await submit(a);
    const f = await waitForOrder(env, r.id);
    expect(f.state).toBe("unfilled");
    expect(f.reason).toBe("LIMIT_NOT_MET");
    expect(f.fill).toBeNull();
    expect(await balanceOf(env.client, WETH, a.order.trader)).toBe(before);
  });

  it("should never settle a cancelled order, and refuse a cancel once the batch is closed", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const account = privateKeyToAccount(keyOf(env.devnet, "trader1"));
    const { chainId } = env.devnet;
    const settlement = env.devnet.contracts.settlement;
    // Batches close on a wall-clock interval, so a cancel can lose the race against the close; the relay must
    // then refuse it with CANCEL_TOO_LATE (that order may settle), and the test tries again with a fresh order.
    // The cancel is signed before the order is sent (the id is the order's leaf) to keep the window small.
    let a: Awaited<ReturnType<typeof signOrder>> | undefined;
    let r: { id: Hex } | undefined;
    for (let attempt = 0; attempt < 5 && r === undefined; attempt++) {
      const candidate = await signOrder(env.devnet, "trader1", {
        sell: WETH,
        buy: USDC,
        sellAmount: parseEther("0.5"),
        minBuyAmount: parseUnits("1000", 6),
      });
      const id = orderLeaf(hashOrder(candidate.order, chainId, settlement), candidate.salt);
      const signature = await account.signTypedData(
        cancelTypedData(chainId, settlement, account.address, id),
      );
      const sent = await submit(candidate);
      expect(sent.id).toBe(id);
      const del = await api(env.url, `/v1/orders/${id}`, { method: "DELETE", body: { signature } });
      if (del.status === 409 && del.body.error.code === "CANCEL_TOO_LATE") continue;
      expect(del.status, JSON.stringify(del.body)).toBe(200);
      expect(del.body.state).toBe("cancelled");
      a = candidate;
      r = sent;
    }
    if (a === undefined || r === undefined)
      throw new Error("a cancel sent right after its order lost the batch-interval race 5 times in a row");
    // A control order from the same trader in the next batch settles; the cancelled one never does.
    const b = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.25"),
      minBuyAmount: parseUnits("500", 6),
    });
    const rb = await submit(b);
    const fb = await waitForOrder(env, rb.id);
    expect(fb.state).toBe("filled");
    const fa = (await api(env.url, `/v1/orders/${r.id}`)).body;
    expect(fa.state).toBe("cancelled");
    expect(fa.reason).toBe("CANCELLED");
    expect(fa.fill).toBeNull();
    const used = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "isNonceUsed",
      args: [a.order.trader, a.order.nonce],
    });
    expect(used).toBe(false);
    const late = await api(env.url, `/v1/orders/${rb.id}`, {
      method: "DELETE",
      body: {
        signature: await account.signTypedData(
          cancelTypedData(chainId, env.devnet.contracts.settlement, account.address, rb.id),
        ),
      },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CANCEL_TOO_LATE");
  });

  it("should drop an order whose allowance was revoked after intake, with the reason, and fill the rest", async () => {
    const { WETH, DAI } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader2", {
      sell: DAI,
      buy: WETH,
      sellAmount: parseEther("300"),
      minBuyAmount: parseEther("0.09"),
    });
    const b = await signOrder(env.devnet, "trader3", {
      sell: DAI,
      buy: WETH,
      sellAmount: parseEther("300"),
      minBuyAmount: parseEther("0.09"),
    });
    const [ra, rb] = await Promise.all([submit(a), submit(b)]);
    const account = privateKeyToAccount(keyOf(env.devnet, "trader2"));
    const wallet = createWalletClient({ account, transport: http(env.devnet.rpcUrl) });
    const hash = await wallet.writeContract({
      chain: null,
      address: DAI,
      abi: erc20Abi,
      functionName: "approve",
      args: [env.devnet.contracts.settlement, 0n],
    });
    await env.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    const fa = await waitForOrder(env, ra.id);
    const fb = await waitForOrder(env, rb.id);
    expect(fa.state).toBe("unfilled");
    expect(fa.reason).toBe("INSUFFICIENT_ALLOWANCE");
    expect(fb.state).toBe("filled");
  });

  it("should never put a relay transaction in the public pending pool", async () => {
    // The builder's own record, complete for every block it built: which of the block's txs came from the
    // public pool. Every operator tx that landed (each commit and settle of this suite) must be a bundle tx.
    const landed = await Promise.all(
      (["BatchCommitted", "BatchSettled"] as const).map((eventName) =>
        env.client.getContractEvents({
          address: env.devnet.contracts.settlement,
          abi: veilSettlementAbi,
          eventName,
          fromBlock: 0n,
        }),
      ),
    );
    const operatorTxs = landed
      .flat()
      .map((l) => ({ hash: l.transactionHash.toLowerCase(), block: l.blockNumber }));
    expect(operatorTxs.length, "the suite landed commits and settles").toBeGreaterThanOrEqual(4);
    const reports = env.devnet.buildReports();
    for (const tx of operatorTxs) {
      const report = reports.find((r) => r.number === tx.block);
      expect(report, `the builder recorded block ${tx.block}`).toBeDefined();
      expect(report!.publicTxs.map((h) => h.toLowerCase())).not.toContain(tx.hash);
    }
    // And, as a searcher would see it, the public pending pool sampled many times per block.
    expect(poolChecks).toBeGreaterThan(20);
    expect(operatorTxsSeenInPool).toEqual([]);
  });

  it("should stream batch changes (never an order) on the unfiltered SSE stream and count them in /metrics", async () => {
    // the unfiltered stream is public: batch events only (THREATS.md); an order's own changes stream on
    // ?order=<id> (covered by the client suites and test/relay/apiSnooper.test.ts)
    expect(sseEvents.some((e) => e.event === "order")).toBe(false);
    expect(sseEvents.some((e) => e.event === "batch" && e.data.state === "settled")).toBe(true);
    const metrics = await (await fetch(`${env.url}/metrics`)).text();
    expect(metrics).toMatch(/veil_orders\{state="filled"\} [1-9]/);
    expect(metrics).toMatch(/veil_bundle_attempts_total\{kind="settle",outcome="included"\} [1-9]/);
    expect(metrics).toMatch(/veil_batch_latency_seconds_count [1-9]/);
  });
});
