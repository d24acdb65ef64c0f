import { type Hex, parseEther, parseGwei } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { PRIORITY_FEE_WEI } from "../../relay/chain/operatorSigner.js";
import type { BelowFloor } from "../../scripts/devnet/builder/blockBuilder.js";
import { rpcCall } from "../../scripts/devnet/jsonRpc.js";
import {
  api,
  approveAll,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

/** The builder's floor while a settle is due: between the relay's second bid (1.25 gwei) and its third. */
const FLOOR_WEI = parseGwei("1.5");
const FINAL = new Set(["filled", "unfilled", "failed", "cancelled"]);

// Issue 17 acceptance, on a real devnet: the local builder refuses bundles paying less than a floor (as a
// builder of a contested block skips a bundle outbid by others), the relay's settle misses, and each new
// attempt bids 25% more (relay/economics/settleBid.ts) until it clears the floor, never above the batch's
// fee revenue per gas. The builder's own build reports are the record of what every missed bundle bid.
describe("settle bids over missed blocks against a builder's floor", () => {
  let env: RelayDevnet;
  let info: { eciesPublicKey: Hex };

  beforeAll(async () => {
    // the test's block clock, so it can stop time while it raises the floor
    env = await startRelayDevnet({
      driveBlocksMs: 400,
      extraArgs: ["--fee-policy", "enforce", "--rate-limit", "0"],
    });
    info = (await api(env.url, "/v1/info")).body;
    await approveAll(env.devnet, "trader1");
  });
  afterAll(async () => {
    await env?.stop();
  });

  const setFloor = (wei: bigint) =>
    rpcCall<string>(env.devnet.builderUrl, "builder_setMinBundleGasPrice", [wei.toString()]);
  /** Every bundle the builder skipped for its bid in blocks after `from`, oldest first. */
  const skippedAfter = (from: bigint): (BelowFloor & { block: bigint })[] =>
    env.devnet
      .buildReports()
      .filter((r) => r.number > from)
      .flatMap((r) => r.belowFloor.map((b) => ({ ...b, block: r.number })));
  const head = () => env.client.getBlockNumber({ cacheTime: 0 });

  /**
   * Sends one WETH -> USDC order signing `feeAmount` with the floor at 0 (the commit bids the standing 1 gwei),
   * and once its batch is committed stops the block clock, sets the floor to {@link FLOOR_WEI} and restarts
   * it: the settle can only be due from the commit block + the reveal delay on, so every settle bundle meets
   * the floor. Returns the order id and the block the floor went up in.
   */
  async function committedUnderFloor(feeAmount: bigint): Promise<{ id: Hex; floorFrom: bigint }> {
    await setFloor(0n);
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const q = (await api(env.url, `/v1/quote?sellToken=WETH&buyToken=USDC&sellAmount=${parseEther("0.05")}`))
      .body;
    expect(feeAmount).toBeGreaterThanOrEqual(BigInt(q.feeAmount));
    const signed = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.05"),
      minBuyAmount: (BigInt(q.buyAmount) * 9_000n) / 10_000n,
      feeAmount,
    });
    const r = await api(env.url, "/v1/orders", {
      body: { ciphertext: sealOrder(info.eciesPublicKey, signed) },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const committed = await waitForOrder(
      env,
      r.body.id,
      (o) => o.state === "committed" || FINAL.has(o.state),
    );
    expect(committed.state).toBe("committed");
    await env.blocks.pause();
    await setFloor(FLOOR_WEI);
    const floorFrom = await head();
    env.blocks.resume();
    return { id: r.body.id, floorFrom };
  }

  it("should miss under the floor at 1 and 1.25 gwei, then land at 1.5625 gwei, within the batch's revenue", async () => {
    // a fee worth 2 gwei per gas of any settle up to 1M gas: the raises are not capped below the floor
    const fee = parseEther("0.002");
    const { id, floorFrom } = await committedUnderFloor(fee);
    const filled = await waitForOrder(env, id, undefined, 120_000);
    expect(filled.state, JSON.stringify(filled)).toBe("filled");
    const settle = await env.client.getTransaction({ hash: filled.fill.txHash });
    const skipped = skippedAfter(floorFrom).filter((b) => b.block < BigInt(filled.fill.blockNumber));
    const bids = skipped.map((b) => b.txs[0].maxPriorityFeePerGas);
    console.log(
      `settle bids per missed block (gwei): ${bids.map((b) => Number(b) / 1e9).join(", ")}; landed at ${Number(settle.maxPriorityFeePerGas) / 1e9} gwei in block ${filled.fill.blockNumber}, gas limit ${settle.gas}, revenue ${fee} wei`,
    );
    // every miss was the builder's floor, and the bid rose 25% per attempt, one attempt (3 blocks) at each
    for (const b of skipped) {
      expect(b.txs).toHaveLength(1);
      expect(b.txs[0].hash).not.toBe(settle.hash);
      expect(b.gasPriceWei).toBeLessThan(FLOOR_WEI);
    }
    expect([...new Set(bids)]).toEqual([PRIORITY_FEE_WEI, (PRIORITY_FEE_WEI * 125n) / 100n]);
    expect(bids.length).toBeGreaterThanOrEqual(2);
    expect(settle.maxPriorityFeePerGas).toBe((PRIORITY_FEE_WEI * 125n * 125n) / 100n / 100n);
    expect(settle.maxPriorityFeePerGas!).toBeGreaterThanOrEqual(FLOOR_WEI);
    expect(settle.maxPriorityFeePerGas! * settle.gas).toBeLessThanOrEqual(fee);
  }, 180_000);

  it("should stop raising at the batch's fee revenue per gas, below the floor, and land there once the floor drops", async () => {
    // the previous settle's gas limit prices a fee whose cap (fee / gas limit) lies between 1.25 and 1.5 gwei
    const last = env.devnet
      .buildReports()
      .filter((r) => r.bundles > 0)
      .at(-1)!;
    const block = await env.client.getBlock({ blockNumber: last.number, includeTransactions: true });
    const gasLimit = block.transactions[0].gas;
    const fee = parseGwei("1.4") * gasLimit;
    const { id, floorFrom } = await committedUnderFloor(fee);
    // wait for one more attempt after the one that reached the cap: 1, 1, 1, 1.25, 1.25, 1.25, cap x 4
    let skipped: ReturnType<typeof skippedAfter> = [];
    for (let i = 0; i < 600; i++) {
      skipped = skippedAfter(floorFrom);
      if (skipped.length >= 10) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const bids = skipped.map((b) => b.txs[0].maxPriorityFeePerGas);
    const cap = fee / skipped[0].txs[0].gas;
    console.log(
      `capped settle bids per missed block (gwei): ${bids.map((b) => Number(b) / 1e9).join(", ")}; cap ${Number(cap) / 1e9} gwei (revenue ${fee} wei / gas limit ${skipped[0].txs[0].gas})`,
    );
    expect(skipped.length).toBeGreaterThanOrEqual(10);
    expect(cap).toBeGreaterThan((PRIORITY_FEE_WEI * 125n) / 100n);
    expect(cap).toBeLessThan(FLOOR_WEI);
    for (const b of skipped) expect(b.txs[0].maxPriorityFeePerGas * b.txs[0].gas).toBeLessThanOrEqual(fee);
    expect([...new Set(bids)]).toEqual([PRIORITY_FEE_WEI, (PRIORITY_FEE_WEI * 125n) / 100n, cap]);
    // the 4th attempt would bid 1.95 gwei uncapped: it stays at the cap
    expect(bids.filter((b) => b === cap).length).toBeGreaterThanOrEqual(4);

    await setFloor(0n);
    const filled = await waitForOrder(env, id, undefined, 120_000);
    expect(filled.state, JSON.stringify(filled)).toBe("filled");
    const settle = await env.client.getTransaction({ hash: filled.fill.txHash });
    expect(settle.maxPriorityFeePerGas).toBe(fee / settle.gas);
    expect(settle.maxPriorityFeePerGas! * settle.gas).toBeLessThanOrEqual(fee);
  }, 180_000);
});
