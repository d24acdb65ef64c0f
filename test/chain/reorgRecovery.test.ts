import Database from "better-sqlite3";
import { type Address, type Hex, parseEther, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import { hashOrder, orderLeaf } from "../../client/order/order.js";
import { signedOrderToJson } from "../../client/wire/orderWire.js";
import { rpcCall } from "../../scripts/devnet/jsonRpc.js";
import {
  api,
  approveAll,
  commitByFromNow,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

// THREATS.md, "The chain": a reorg of a recent block (commit, settle, private tx) or a node that lost its state
// must never leave the relay reporting a fill, a commit or an inclusion that is not on the canonical chain. Each
// test makes the relay see something land, then takes it away with evm_revert (the builder then builds other
// blocks at those heights: a reorg to any RPC client) and checks the relay ends where the chain is. Before
// issue 14 the relay kept "filled" / "committed" / INCLUDED forever after the first receipt.

let env: RelayDevnet;
let settlement: Address;

beforeAll(async () => {
  env = await startRelayDevnet({
    driveBlocksMs: 250,
    extraArgs: ["--confirmations", "3", "--log-level", "info"],
  });
  settlement = env.devnet.contracts.settlement;
  await Promise.all([approveAll(env.devnet, "trader1"), approveAll(env.devnet, "trader2")]);
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

async function waitFor<T>(what: string, f: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Trade events on the canonical chain for an order digest. */
async function tradesOf(digest: Hex) {
  const logs = await env.client.getLogs({ address: settlement, fromBlock: 0n, toBlock: "latest" });
  return parseEventLogs({ abi: veilSettlementAbi, eventName: "Trade", logs }).filter(
    (t) => (t.args.orderDigest as Hex).toLowerCase() === digest.toLowerCase(),
  );
}

async function chainBatch(id: bigint) {
  const r = (await env.client.readContract({
    address: settlement,
    abi: veilSettlementAbi,
    functionName: "batches",
    args: [id],
  } as never)) as readonly [Hex, number, bigint, boolean, Address];
  return { root: r[0], settled: r[3] };
}

/** Reverts the chain to `snapshot` with the block clock stopped; the builder then builds new blocks there. */
async function reorgTo(snapshot: Hex): Promise<void> {
  await env.blocks.pause();
  await env.devnet.revert(snapshot);
  env.blocks.resume();
}

/** The relay's answer must match the canonical chain: filled <=> exactly one Trade, in the fill's tx. */
async function expectMatchesChain(view: any, digest: Hex): Promise<void> {
  const trades = await tradesOf(digest);
  if (view.state === "filled") {
    expect(trades.map((t) => t.transactionHash.toLowerCase())).toEqual([view.fill.txHash.toLowerCase()]);
    const receipt = await env.client.getTransactionReceipt({ hash: view.fill.txHash });
    expect(receipt.blockNumber.toString()).toBe(view.fill.blockNumber);
  } else expect(trades).toEqual([]);
}

/**
 * Polls until the relay calls the order final with the confirmations it waits for AND the canonical chain
 * agrees (filled <=> exactly one Trade, in the fill's tx); returns that view, or fails with the last one.
 */
async function finalAsOnChain(leaf: Hex, digest: Hex, timeoutMs = 90_000): Promise<any> {
  let last: any = null;
  try {
    return await waitFor(
      "a final state that matches the chain",
      async () => {
        last = (await api(env.url, `/v1/orders/${leaf}`)).body;
        if (!["filled", "unfilled"].includes(last.state)) return null;
        if ((last.confirmations ?? 0) < 3) return null;
        const trades = await tradesOf(digest);
        const tx = last.fill?.txHash?.toLowerCase();
        const agrees =
          last.state === "filled"
            ? trades.length === 1 && trades[0].transactionHash.toLowerCase() === tx
            : trades.length === 0;
        return agrees ? last : null;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last view ${JSON.stringify(last)}`);
  }
}

/** A commit-mode order of `label`: commitment sent now, the signed order kept for the reveal. */
async function commitOrder(label: string, opts: { commitBy?: bigint } = {}) {
  const { WETH, USDC } = env.devnet.contracts.tokens;
  const s = await signOrder(env.devnet, label, {
    sell: WETH,
    buy: USDC,
    sellAmount: parseEther("0.2"),
    minBuyAmount: parseUnits("1", 6),
    commitBy: opts.commitBy,
  });
  const digest = hashOrder(s.order, env.devnet.chainId, settlement);
  const leaf = orderLeaf(digest, s.salt);
  const account = privateKeyToAccount(keyOf(env.devnet, label));
  const signature = await account.signTypedData(
    commitmentTypedData(env.devnet.chainId, settlement, account.address, leaf),
  );
  const res = await api(env.url, "/v1/commitments", {
    body: { leaf, trader: account.address, signature, commitBy: s.order.commitBy.toString() },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { s, digest, leaf, trader: account.address };
}

/**
 * A commit-mode order whose commitBy is 10 blocks ahead (the relay accepts head + 3 .. head + 14), committed
 * with the block clock stopped: blocks are built one at a time, each once the relay has seen the last and had
 * time to act, until the batch is on chain. With the clock running (a block every 250 ms) a relay slowed by a
 * loaded CI machine once let the deadline pass (COMMIT_DEADLINE_PASSED), and the test was about something else.
 */
async function commitNearDeadline(label: string) {
  await env.blocks.pause();
  try {
    const order = await commitOrder(label, { commitBy: await commitByFromNow(env.devnet, 10n) });
    for (let built = 0; built < 10; built++) {
      const view = await waitFor(
        "the relay to commit the batch or wait for a block",
        async () => {
          const v = (await api(env.url, `/v1/orders/${order.leaf}`)).body;
          return v.chainBatchId !== null ? v : null;
        },
        2_000,
      ).catch(() => null);
      if (view) return { ...order, committed: view };
      await env.blocks.mine(1);
      const head = await env.client.getBlockNumber({ cacheTime: 0 });
      await waitFor("the relay to see the block", async () => {
        return BigInt((await api(env.url, "/healthz")).body.head) >= head;
      });
    }
    throw new Error(`order ${order.leaf} was not committed within 10 blocks`);
  } finally {
    env.blocks.resume();
  }
}

async function reveal(s: Parameters<typeof signedOrderToJson>[0]) {
  const res = await api(env.url, "/v1/reveals", { body: signedOrderToJson(s) });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

function missesOf(trader: Address): number {
  const db = new Database(`${env.dataDir}/relay.sqlite`, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT count FROM trader_misses WHERE trader = ?").get(trader) as
      | { count: number }
      | undefined;
    return row?.count ?? 0;
  } finally {
    db.close();
  }
}

describe("reorgs: nothing is final on the first receipt", () => {
  it("should re-settle an order whose settle was reorged out after it was reported filled", async () => {
    const { s, digest, leaf } = await commitOrder("trader1");
    const committed = await waitForOrder(env, leaf, (o) => o.chainBatchId !== null);
    const snapshot = await env.devnet.snapshot(); // after the commit, before the settle
    await reveal(s);
    const filled = await waitForOrder(env, leaf, (o) => o.state === "filled", 90_000);
    expect(filled.confirmations).toBeGreaterThanOrEqual(3);
    expect((await chainBatch(BigInt(committed.chainBatchId))).settled).toBe(true);

    await reorgTo(snapshot);
    expect(await tradesOf(digest)).toEqual([]); // the settle is gone from the chain
    expect((await chainBatch(BigInt(committed.chainBatchId))).settled).toBe(false);

    // The relay notices, moves the order back (not final) and settles it again on the new chain.
    const again = await finalAsOnChain(leaf, digest);
    expect(again.state).toBe("filled");
    await expectMatchesChain(again, digest);
    expect(env.logs.some((l) => l.includes("settle reorged out"))).toBe(true);
  });

  it("should keep an order not final while its settle lacks confirmations, and re-settle it when that settle is reorged out", async () => {
    const { s, digest, leaf } = await commitOrder("trader2");
    const committed = await waitForOrder(env, leaf, (o) => o.chainBatchId !== null);
    const snapshot = await env.devnet.snapshot(); // after the commit, before the settle
    await env.blocks.pause(); // from here the test builds each block itself
    try {
      await reveal(s);
      const chainBatchId = BigInt(committed.chainBatchId);
      await waitFor("the settle to land", async () => {
        if ((await chainBatch(chainBatchId)).settled) return true;
        await env.blocks.mine(1);
        await new Promise((r) => setTimeout(r, 150));
        return false;
      });
      // Landed with 1 confirmation of the 3 the relay waits for: not final, and the view says so.
      const landed = await waitForOrder(env, leaf, (o) => o.confirmations === 1, 10_000);
      expect({ state: landed.state, fill: landed.fill }).toEqual({ state: "revealed", fill: null });
      await env.devnet.revert(snapshot);
    } finally {
      env.blocks.resume();
    }
    const final = await finalAsOnChain(leaf, digest);
    expect(final.state).toBe("filled");
    expect(env.logs.filter((l) => l.includes("settle reorged out")).length).toBeGreaterThanOrEqual(2);
  });

  it("should re-commit a batch whose commit was reorged out, the same root, without charging a miss", async () => {
    const snapshot = await env.devnet.snapshot(); // before the commit
    const { s, digest, leaf, trader, committed: first } = await commitNearDeadline("trader2");
    await reorgTo(snapshot);
    expect((await chainBatch(BigInt(first.chainBatchId))).root).not.toBe(first.root);

    // Re-committed on the new chain with the same root, and the order is committed again.
    const second = await waitForOrder(
      env,
      leaf,
      (o) => o.chainBatchId !== null && o.commitTxHash !== null,
      60_000,
    );
    await waitFor("the re-commit to be canonical", async () => {
      const v = (await api(env.url, `/v1/orders/${leaf}`)).body;
      if (!v.chainBatchId) return false;
      return (await chainBatch(BigInt(v.chainBatchId))).root === v.root;
    });
    expect(second.root).toBe(first.root);
    await reveal(s);
    const final = await finalAsOnChain(leaf, digest);
    expect({ state: final.state, reason: final.reason }).toEqual({ state: "filled", reason: null });
    expect(missesOf(trader)).toBe(0);
    expect(env.logs.some((l) => l.includes("commit reorged out"))).toBe(true);
  });

  it("should send an INCLUDED private tx again when its block is reorged out, and see it included again", async () => {
    const wallet = privateKeyToAccount(keyOf(env.devnet, "wallet"));
    const snapshot = await env.devnet.snapshot();
    const nonce = await env.client.getTransactionCount({ address: wallet.address, blockTag: "latest" });
    const raw = await wallet.signTransaction({
      chainId: env.devnet.chainId,
      type: "eip1559",
      nonce,
      to: privateKeyToAccount(keyOf(env.devnet, "searcher")).address,
      value: parseEther("0.01"),
      gas: 21_000n,
      maxFeePerGas: parseUnits("50", 9),
      maxPriorityFeePerGas: parseUnits("1", 9),
    });
    const sent = await rpcCall<Hex>(`${env.url}/rpc`, "eth_sendRawTransaction", [raw]);
    const status = async () => (await api(env.url, `/tx/${sent}`)).body;
    const included = await waitFor("INCLUDED", async () => {
      const s = await status();
      return s.status === "INCLUDED" ? s : null;
    });
    await reorgTo(snapshot);
    expect(await env.client.getTransactionReceipt({ hash: sent }).catch(() => null)).toBeNull();

    let last: unknown = null;
    const again = await waitFor(
      "INCLUDED again, on the canonical chain",
      async () => {
        const s = await status();
        last = s;
        if (s.status !== "INCLUDED") return null;
        const receipt = await env.client.getTransactionReceipt({ hash: sent }).catch(() => null);
        return receipt && Number(receipt.blockNumber) === s.includedBlockNumber ? s : null;
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${JSON.stringify(last)}`);
    });
    expect(again.confirmations).toBeGreaterThanOrEqual(1);
    expect(included.includedBlockNumber).toBeGreaterThan(0);
    expect(env.logs.some((l) => l.includes("private tx reorged out"))).toBe(true);
  });

  it("should detect a node that lost its state (head far back) and end every order as the chain says", async () => {
    const snapshot = await env.devnet.snapshot();
    await env.blocks.mine(20);
    // The relay must have seen those blocks before it can accept a commitBy counted from them.
    const mined = await env.client.getBlockNumber({ cacheTime: 0 });
    await waitFor("the relay to see the mined blocks", async () => {
      return BigInt((await api(env.url, "/healthz")).body.head) >= mined;
    });
    const { s, digest, leaf } = await commitNearDeadline("trader1");
    await reveal(s);
    await waitForOrder(env, leaf, (o) => o.state === "filled", 90_000);
    const before = (await api(env.url, "/healthz")).body.node.resets;

    await reorgTo(snapshot); // 25+ blocks gone, as after a node restarted from an old state dump
    await waitFor(
      "the relay to notice",
      async () => (await api(env.url, "/healthz")).body.node.resets > before,
    );
    const final = await finalAsOnChain(leaf, digest);
    await expectMatchesChain(final, digest);
    expect(env.logs.some((l) => l.includes("node lost state"))).toBe(true);
  });

  it("should report a node on another chain with a 503 from /healthz, and recover when it is back", async () => {
    expect((await api(env.url, "/healthz")).status).toBe(200);
    const chainId = env.devnet.chainId;
    await rpcCall(env.devnet.rpcUrl, "anvil_setChainId", [chainId + 1]);
    try {
      const bad = await waitFor(
        "a 503",
        async () => {
          const r = await api(env.url, "/healthz");
          return r.status === 503 ? r : null;
        },
        30_000,
      );
      expect(bad.body.ok).toBe(false);
      expect(bad.body.problems).toContain("node is on another chain");
      expect(JSON.stringify(bad.body)).not.toMatch(/0x[0-9a-f]{40}/i); // aggregates only
    } finally {
      await rpcCall(env.devnet.rpcUrl, "anvil_setChainId", [chainId]);
    }
    await waitFor("a 200 again", async () => (await api(env.url, "/healthz")).status === 200, 30_000);
  });
});
