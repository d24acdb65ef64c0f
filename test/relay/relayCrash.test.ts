import { type Hex, parseEther, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { hashOrder } from "../../client/order/order.js";
import {
  api,
  approveAll,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

/**
 * The relay is SIGKILLed at the three dangerous moments of a batch; after a restart on the same data dir
 * every accepted order must reach a final state, and the chain must show each filled order traded exactly
 * once and each batch root committed at most once.
 */
describe("relay crash safety (SIGKILL and restart)", () => {
  let env: RelayDevnet;
  let pub: Hex;
  const all: { id: Hex; digest: Hex }[] = [];

  beforeAll(async () => {
    // The test drives the blocks, so it can stop the chain while the relay is down: a restart on this busy
    // machine can take longer than the 20-block settle window would at a fixed slot time.
    env = await startRelayDevnet({
      driveBlocksMs: 400,
      extraArgs: ["--batch-interval-ms", "1500", "--reveal-window", "5", "--log-level", "debug"],
    });
    pub = (await api(env.url, "/v1/info")).body.eciesPublicKey;
    for (const t of ["trader1", "trader2"]) await approveAll(env.devnet, t);
  });
  afterAll(async () => {
    await env?.stop();
  });

  /** Two crossing orders, submitted together. */
  const submitPair = async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const orders = [
      await signOrder(env.devnet, "trader1", {
        sell: WETH,
        buy: USDC,
        sellAmount: parseEther("0.5"),
        minBuyAmount: parseUnits("1400", 6),
      }),
      await signOrder(env.devnet, "trader2", {
        sell: USDC,
        buy: WETH,
        sellAmount: parseUnits("1500", 6),
        minBuyAmount: parseEther("0.45"),
      }),
    ];
    const res = await Promise.all(
      orders.map((o) => api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(pub, o) } })),
    );
    for (const r of res) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = res.map((r) => r.body.id as Hex);
    orders.forEach((o, i) => {
      all.push({
        id: ids[i],
        digest: hashOrder(o.order, env.devnet.chainId, env.devnet.contracts.settlement),
      });
    });
    return ids;
  };

  const expectFilledOnce = async (ids: Hex[]) => {
    for (const id of ids) await waitForOrder(env, id);
    const trades = await env.client.getContractEvents({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      eventName: "Trade",
      fromBlock: 0n,
    });
    for (const id of ids) {
      const o = await waitForOrder(env, id);
      expect(o.state, JSON.stringify(o)).toBe("filled");
      const digest = all.find((x) => x.id === id)!.digest;
      const mine = trades.filter(
        (t) => (t.args.orderDigest as string).toLowerCase() === digest.toLowerCase(),
      );
      expect(mine).toHaveLength(1);
      expect(mine[0].transactionHash).toBe(o.fill.txHash);
      expect(mine[0].args.buyAmount?.toString()).toBe(o.fill.buyAmount);
    }
  };

  /** SIGKILL now, keep the chain still (optionally mine `blocks` while down), restart, resume blocks. */
  const crash = async (blocksWhileDown = 0) => {
    await env.blocks.pause();
    await env.restart("SIGKILL");
    await env.blocks.mine(blocksWhileDown);
    env.blocks.resume();
  };

  it("should settle orders accepted just before a SIGKILL (before their batch committed)", async () => {
    const ids = await submitPair();
    await crash();
    await expectFilledOnce(ids);
  });

  it("should settle a batch committed just before a SIGKILL inside its settle window", async () => {
    const ids = await submitPair();
    const committed = await waitForOrder(env, ids[0], (o) => o.state === "committed");
    await crash();
    await expectFilledOnce(ids);
    const after = (await api(env.url, `/v1/orders/${ids[0]}`)).body;
    expect(after.batchId).toBe(committed.batchId);
    expect((await api(env.url, `/v1/batches/${committed.batchId}`)).body.state).toBe("settled");
  });

  it("should not settle twice when killed right after sending the settle bundle", async () => {
    const sent = env.waitForLog(/"settle:\d+".*"msg":"bundle sent"/, () =>
      process.kill(env.relay.pid, "SIGKILL"),
    );
    const ids = await submitPair();
    await sent;
    await crash();
    await expectFilledOnce(ids);
  });

  it("should expire a batch whose window passed while down, and never move its orders past their commitBy", async () => {
    const ids = await submitPair();
    const committed = await waitForOrder(env, ids[0], (o) => o.state === "committed");
    await crash(21);
    for (const id of ids) {
      // order v2: 21 blocks later their commitBy has passed, so no later batch could execute them
      const o = await waitForOrder(env, id);
      expect(o.state, JSON.stringify(o)).toBe("unfilled");
      expect(o.reason).toBe("COMMIT_DEADLINE_PASSED");
      expect(o.batchId).toBe(committed.batchId);
    }
    expect((await api(env.url, `/v1/batches/${committed.batchId}`)).body.state).toBe("expired");
    const trades = await env.client.getContractEvents({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      eventName: "Trade",
      fromBlock: 0n,
    });
    const digests = all.filter((x) => ids.includes(x.id)).map((x) => x.digest.toLowerCase());
    expect(trades.filter((t) => digests.includes((t.args.orderDigest as string).toLowerCase()))).toEqual([]);
  });

  it("should map every relay batch to at most one on-chain batch", async () => {
    const commits = await env.client.getContractEvents({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      eventName: "BatchCommitted",
      fromBlock: 0n,
    });
    const chainIds: string[] = [];
    for (let id = 1; ; id++) {
      const r = await api(env.url, `/v1/batches/${id}`);
      if (r.status === 404) break;
      if (r.body.chainBatchId !== null) chainIds.push(r.body.chainBatchId);
    }
    // one batch per test above (the expired batch's orders end at their commitBy instead of a 5th batch)
    expect(chainIds.length).toBeGreaterThanOrEqual(4);
    expect(new Set(chainIds).size).toBe(chainIds.length);
    expect(commits.map((c) => c.args.batchId?.toString()).sort()).toEqual([...chainIds].sort());
  });

  /** Polls the relay until `ok` holds of it, failing (not silently going on) when it never does. */
  const waitForRelay = async (what: string, ok: () => Promise<boolean>, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`relay never reached: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const relayHead = async () => BigInt((await api(env.url, "/healthz")).body.head);

  it("should log a chain head that went back (revert) once, follow the chain down and act on its new blocks", async () => {
    await env.blocks.pause();
    const snap = await env.devnet.snapshot();
    await env.blocks.mine(3);
    const highest = await env.client.getBlockNumber({ cacheTime: 0 });
    // the relay has seen the highest head before the chain goes back
    await waitForRelay(`head ${highest}`, async () => (await relayHead()) >= highest);
    const warned = env.waitForLog(/chain reorganised/, undefined, 10_000);
    await env.devnet.revert(snap);
    const line = await warned;
    expect(JSON.parse(line).previousHead).toBe(highest.toString());
    const before = env.logs.filter((l) => l.includes("chain reorganised")).length;
    // Issue 14: nothing is final on the first receipt, so the relay follows the chain down (what landed in
    // the dropped blocks is re-checked) instead of waiting for it to pass the highest head seen. Many polls
    // (every 40 ms) of the shorter chain: still one line.
    const chainBehind = await env.client.getBlockNumber({ cacheTime: 0 });
    expect(chainBehind).toBeLessThan(highest);
    await waitForRelay(`head ${chainBehind}`, async () => (await relayHead()) === chainBehind);
    await new Promise((r) => setTimeout(r, 500));
    expect(await relayHead()).toBe(chainBehind);
    expect(await env.client.getBlockNumber({ cacheTime: 0 })).toBe(chainBehind);
    expect(env.logs.filter((l) => l.includes("chain reorganised")).length).toBe(before);
    await env.blocks.mine(4);
    const past = await env.client.getBlockNumber({ cacheTime: 0 });
    await waitForRelay(`head ${past}`, async () => (await relayHead()) >= past);
    expect((await api(env.url, "/healthz")).body.head).toBe(past.toString());
    env.blocks.resume();
  });
});
