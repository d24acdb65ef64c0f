import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Order } from "../../client/order/order.js";
import { MAX_TRADES_PER_SETTLE, planSettle } from "../../relay/batch/settlePlanner.js";
import type { RelayContext } from "../../relay/relayContext.js";
import type { OrderRecord } from "../../relay/store/store.js";
import { freezeBatch } from "../../relay/transitions/batchTransitions.js";
import { applySettlePlan, markCommitted } from "../../relay/transitions/settleTransitions.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";
import { approveAll } from "../helpers/relayHarness.js";

// planSettle is pure: on a real store and a real chain (the in-process relay's SQLite file and devnet pools,
// balances, allowances and nonce bitmaps) it only decides, and applySettlePlan carries the decisions out.

let env: InProcessRelay;
let ctx: RelayContext;
let trader: Address;
let seq = 0;

beforeAll(async () => {
  env = await startInProcessRelay();
  ctx = env.relay.ctx;
  trader = privateKeyToAccount(env.keyOf("trader1")).address;
  // the devnet builds blocks only when asked: build until the approvals landed
  let done = false;
  const approved = approveAll(env.devnet, "trader1").finally(() => {
    done = true;
  });
  while (!done) {
    await new Promise((r) => setTimeout(r, 150));
    await env.devnet.buildBlock();
  }
  await approved;
});

afterAll(async () => {
  await env?.stop();
});

/** Stores a sealed WETH -> USDC order in the open batch (unsigned: the planner checks no signature). */
async function sealed(
  opts: { trader?: Address; validTo?: bigint; minBuy?: bigint } = {},
): Promise<OrderRecord> {
  const nonce = 7_000n + BigInt(seq++);
  const commitBy = ctx.head.block + 10n;
  const order = {
    trader: opts.trader ?? trader,
    sellToken: env.devnet.contracts.tokens.WETH,
    buyToken: env.devnet.contracts.tokens.USDC,
    sellAmount: parseEther("0.001"),
    minBuyAmount: opts.minBuy ?? 1n,
    nonce,
    validTo: opts.validTo ?? BigInt(Math.floor(Date.now() / 1000) + 600),
    commitBy,
    // order v3's fee field (issue 17, being added beside this work): ignored by a store without it
    ...({ feeAmount: 0n } as object),
  } as Order;
  const id = keccak256(toHex(`planner-${nonce}`));
  const rec: OrderRecord = {
    id,
    mode: "sealed",
    trader: order.trader,
    state: "pending",
    batchId: await ctx.openBatch.take(commitBy),
    leafIndex: null,
    commitBy,
    order,
    signature: `0x${"11".repeat(65)}` as Hex,
    salt: keccak256(toHex(`salt-${nonce}`)),
    digest: keccak256(toHex(`digest-${nonce}`)),
    reason: null,
    error: null,
    fill: null,
    expiredBatches: 0,
    createdAt: Date.now(),
    updatedAt: Date.now(),
  };
  expect(await ctx.store.insertOrder(rec)).toBe(true);
  return rec;
}

describe("planSettle (pure) and applySettlePlan on a real store and chain", () => {
  it("should decide drops, deferrals and reasons without writing, then apply them as one transition", async () => {
    const expired = await sealed({ validTo: ctx.head.timestamp });
    const unfunded = await sealed({ trader: privateKeyToAccount(keccak256(toHex("nobody"))).address });
    const greedy = await sealed({ minBuy: 10n ** 30n });
    const fillable: OrderRecord[] = [];
    for (let i = 0; i < MAX_TRADES_PER_SETTLE; i++) fillable.push(await sealed());
    const id = await ctx.openBatch.rotate();
    await freezeBatch(ctx, { id });
    expect(
      await markCommitted(ctx, (await ctx.store.getBatch(id))!, 1n, ctx.head.block, `0x${"ab".repeat(32)}`),
    ).toBe(true);
    const batch = (await ctx.store.getBatch(id))!;
    const before = await ctx.store.ordersInBatch(id);

    const planned = await planSettle(ctx, batch);

    // nothing written: every row exactly as it was
    expect(await ctx.store.ordersInBatch(id)).toEqual(before);
    const kept = fillable.slice(0, MAX_TRADES_PER_SETTLE - 3);
    const over = fillable.slice(MAX_TRADES_PER_SETTLE - 3);
    expect(planned.deferred.map((o) => o.id)).toEqual(over.map((o) => o.id));
    expect(planned.dropped.map((d) => [d.order.id, d.reason])).toEqual([
      [expired.id, "EXPIRED"],
      [unfunded.id, "INSUFFICIENT_BALANCE"],
    ]);
    expect(planned.plan?.tradeIds.sort()).toEqual(kept.map((o) => o.id).sort());
    const reasons = new Map(planned.reasons.map((r) => [r.order.id, r.reason]));
    expect(reasons.get(greedy.id)).toBe("LIMIT_NOT_MET");
    expect(reasons.get(kept[0].id)).toBeNull();

    expect(await applySettlePlan(ctx, planned)).toBe(planned.plan);
    const state = async (o: OrderRecord) => (await ctx.store.getOrder(o.id))!;
    expect(await state(expired)).toMatchObject({ state: "unfilled", reason: "EXPIRED" });
    expect(await state(unfunded)).toMatchObject({ state: "unfilled", reason: "INSUFFICIENT_BALANCE" });
    expect(await state(greedy)).toMatchObject({ state: "committed", reason: "LIMIT_NOT_MET" });
    for (const o of over)
      expect(await state(o)).toMatchObject({
        state: "pending",
        batchId: ctx.openBatch.currentId,
        leafIndex: null,
      });
    expect(await state(kept[0])).toMatchObject({ state: "committed", reason: null });
  });
});
