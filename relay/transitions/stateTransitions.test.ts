import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Order } from "../../client/order/order.js";
import { OpenBatch } from "../batch/openBatch.js";
import { MAX_TRADES_PER_SETTLE } from "../batch/settlePlanner.js";
import { type OrderEvent, RelayEvents } from "../events/relayEvents.js";
import { createRelayMetrics } from "../metrics/relayMetrics.js";
import { openSqliteStore } from "../store/sqliteStore.js";
import type { BatchRecord, OrderMode, OrderRecord, OrderState } from "../store/store.js";
import { freezeBatch } from "./batchTransitions.js";
import { rollBackCommit } from "./reorgTransitions.js";
import {
  applySettlePlan,
  closeReveals,
  dropOffender,
  expireBatch,
  markCommitted,
} from "./settleTransitions.js";
import { commitThenEmit, type TransitionContext } from "./transitionContext.js";

// The state transitions on a real SQLite store (a file in a temp dir, as the relay opens it), no chain: each
// is a compare-and-set that refuses a stale move, emits only what it committed, and requeues one way.

const TRADER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const HEAD = 1_000n;
const TX = `0x${"ab".repeat(32)}` as Hex;

let dir: string;
let ctx: TransitionContext;
let events: { kind: "order" | "batch"; data: unknown }[];
let seq = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "veil-transitions-"));
  const store = openSqliteStore(dir);
  ctx = {
    store,
    events: new RelayEvents(),
    logger: pino({ level: "silent" }),
    metrics: createRelayMetrics(store),
    openBatch: await OpenBatch.open(store, 10_000),
    head: { block: HEAD, timestamp: BigInt(Math.floor(Date.now() / 1000)), baseFee: 1n, blockTimeMs: 1000 },
    confirmations: 2,
    revealWindow: 3n,
  };
  events = [];
  ctx.events.subscribe((kind, data) => events.push({ kind, data }));
});

afterEach(async () => {
  await ctx.store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A signed order's plaintext. */
function plaintext(nonce: bigint, commitBy: bigint): Order {
  return {
    trader: TRADER,
    sellToken: "0x0000000000000000000000000000000000000001",
    buyToken: "0x0000000000000000000000000000000000000002",
    sellAmount: 10n ** 18n,
    minBuyAmount: 1n,
    nonce,
    validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
    commitBy,
    feeAmount: 0n,
  };
}

/** Stores an order in `batchId` (sealed orders carry their plaintext; commit-mode ones only once revealed). */
async function order(
  batchId: number,
  opts: { mode?: OrderMode; state?: OrderState; revealed?: boolean; commitBy?: bigint } = {},
): Promise<OrderRecord> {
  const mode = opts.mode ?? "sealed";
  // a commit-mode order is frozen only once its commitBy is near (defersCommitMode); a sealed one at once
  const commitBy = opts.commitBy ?? (mode === "commit" ? HEAD + 3n : HEAD + 10n);
  const nonce = BigInt(seq++);
  const withOrder = mode === "sealed" || opts.revealed === true;
  const rec: OrderRecord = {
    id: keccak256(toHex(`order-${nonce}`)),
    mode,
    trader: TRADER,
    state: opts.state ?? "pending",
    batchId,
    leafIndex: null,
    commitBy,
    order: withOrder ? plaintext(nonce, commitBy) : null,
    signature: withOrder ? TX : null,
    salt: withOrder ? TX : null,
    digest: withOrder ? keccak256(toHex(`digest-${nonce}`)) : null,
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

/** Puts `n` pending orders in the open batch, closes and freezes it, and records its commit. */
async function committedBatch(orders: OrderRecord[]): Promise<number> {
  const id = await ctx.openBatch.rotate();
  await freezeBatch(ctx, { id });
  expect((await ctx.store.getBatch(id))?.state).toBe("committing");
  expect(await markCommitted(ctx, (await ctx.store.getBatch(id))!, BigInt(id), HEAD, TX)).toBe(true);
  for (const o of orders) expect((await ctx.store.getOrder(o.id))?.leafIndex).not.toBeNull();
  return id;
}

const orderEvents = () => events.filter((e) => e.kind === "order").map((e) => e.data as OrderEvent);

describe("state transitions (compare-and-set, events after commit, one requeue) on a real SQLite store", () => {
  it("should refuse a stale transition: the second of two racing moves changes nothing and emits nothing", async () => {
    const open = ctx.openBatch.currentId;
    const o = await order(open);
    const id = await committedBatch([o]);
    const stale = (await ctx.store.getBatch(id))!;
    expect((await ctx.store.getOrder(o.id))?.state).toBe("committed");
    events = [];
    // committing -> committed again (a second receipt of the same commit): refused
    expect(
      await markCommitted(ctx, { ...stale, state: "committing" } as BatchRecord, 7n, HEAD + 1n, TX),
    ).toBe(false);
    expect(await ctx.store.getBatch(id)).toMatchObject({ chainBatchId: BigInt(id), commitBlock: HEAD });
    // the commit reorged out: the batch is committing again, so a close of reveals on the old record fails
    expect(await rollBackCommit(ctx, stale, "test")).toBe(true);
    expect(await closeReveals(ctx, stale)).toBe(false);
    expect((await ctx.store.getBatch(id))?.state).toBe("committing");
    expect((await ctx.store.getOrder(o.id))?.state).toBe("pending");
    // an offender blamed on a plan made before the rollback is not dropped: it is pending now
    expect(await dropOffender(ctx, o.id, "SETTLE_REVERTED", "bisected")).toBe(false);
    expect(await ctx.store.getOrder(o.id)).toMatchObject({ state: "pending", reason: null });
    expect(events.map((e) => (e.data as { state: string }).state)).toEqual(["open", "pending"]);
  });

  it("should emit a transition's events only once its transaction committed, and none when it throws", async () => {
    const reader = new Database(join(dir, "relay.sqlite"), { readonly: true });
    try {
      const seen: string[] = [];
      ctx.events.subscribe((kind, data) => {
        if (kind !== "order") return;
        // another connection sees only committed rows: the state must already be there
        const row = reader.prepare("SELECT state FROM orders WHERE id = ?").get((data as OrderEvent).id) as {
          state: string;
        };
        seen.push(`${(data as OrderEvent).state}=${row.state}`);
      });
      const o = await order(ctx.openBatch.currentId, { mode: "commit" });
      const id = await committedBatch([o]);
      expect(await closeReveals(ctx, (await ctx.store.getBatch(id))!)).toBe(true);
      expect(seen).toEqual(["committed=committed", "unfilled=unfilled"]);
      expect((await ctx.store.misses(TRADER)).count).toBe(1);

      const before = events.length;
      const other = await order(ctx.openBatch.currentId);
      await expect(
        commitThenEmit(ctx, async (out) => {
          await ctx.store.updateOrderIf(other.id, ["pending"], { state: "cancelled", reason: "CANCELLED" });
          out.order({ id: other.id, state: "cancelled", batchId: other.batchId });
          throw new Error("crash inside the write");
        }),
      ).rejects.toThrow("crash inside the write");
      expect(events.length).toBe(before);
      expect((await ctx.store.getOrder(other.id))?.state).toBe("pending");
    } finally {
      reader.close();
    }
  });

  it("should requeue an expired batch's live sealed orders once, then end them BATCH_EXPIRED", async () => {
    const a = await order(ctx.openBatch.currentId);
    const late = await order(ctx.openBatch.currentId, { commitBy: HEAD + 1n });
    const revealed = await order(ctx.openBatch.currentId, { mode: "commit", revealed: true });
    const first = await committedBatch([a, late, revealed]);
    // `late` can no longer be committed in a later batch (a batch closing now commits at HEAD + 2 at best)
    events = [];
    await expireBatch(ctx, (await ctx.store.getBatch(first))!);
    expect((await ctx.store.getBatch(first))?.state).toBe("expired");
    const next = ctx.openBatch.currentId;
    expect(await ctx.store.getOrder(a.id)).toMatchObject({
      state: "pending",
      batchId: next,
      leafIndex: null,
      reason: null,
      expiredBatches: 1,
    });
    expect(await ctx.store.getOrder(late.id)).toMatchObject({
      state: "unfilled",
      reason: "COMMIT_DEADLINE_PASSED",
    });
    expect(await ctx.store.getOrder(revealed.id)).toMatchObject({
      state: "unfilled",
      reason: "BATCH_EXPIRED",
    });
    expect(orderEvents()).toContainEqual({ id: a.id, state: "pending", batchId: next });
    expect(events.at(-1)).toEqual({ kind: "batch", data: { id: first, state: "expired" } });
    // a second expiry of the same record is a stale move: nothing changes
    await expireBatch(ctx, (await ctx.store.getBatch(first))!);
    expect((await ctx.store.getOrder(a.id))?.batchId).toBe(next);

    const second = await committedBatch([a]);
    await expireBatch(ctx, (await ctx.store.getBatch(second))!);
    expect(await ctx.store.getOrder(a.id)).toMatchObject({
      state: "unfilled",
      reason: "BATCH_EXPIRED",
      batchId: second,
    });
  });

  it("should apply a settle plan: dropped end unfilled, deferred requeue, reasons kept, stale entries skipped", async () => {
    const made: OrderRecord[] = [];
    for (let i = 0; i < 5; i++) made.push(await order(ctx.openBatch.currentId));
    const [dropped, deferred, solved, unsolved, moved] = made;
    const id = await committedBatch([dropped, deferred, solved, unsolved, moved]);
    const read = async (o: OrderRecord) => (await ctx.store.getOrder(o.id))!;
    const plannedMoved = await read(moved);
    // between planning and applying, `moved` was dropped by another path
    expect(await dropOffender(ctx, moved.id, "NONCE_USED", null)).toBe(true);
    events = [];
    const plan = await applySettlePlan(ctx, {
      plan: null,
      dropped: [
        { order: await read(dropped), reason: "INSUFFICIENT_BALANCE" },
        { order: plannedMoved, reason: "EXPIRED" },
      ],
      deferred: [await read(deferred)],
      reasons: [
        { order: await read(solved), reason: null },
        { order: await read(unsolved), reason: "LIMIT_NOT_MET" },
      ],
    });
    expect(plan).toBeNull();
    expect(await read(dropped)).toMatchObject({ state: "unfilled", reason: "INSUFFICIENT_BALANCE" });
    expect(await read(deferred)).toMatchObject({
      state: "pending",
      batchId: ctx.openBatch.currentId,
      leafIndex: null,
    });
    expect(await read(solved)).toMatchObject({ state: "committed", reason: null });
    expect(await read(unsolved)).toMatchObject({ state: "committed", reason: "LIMIT_NOT_MET" });
    expect(await read(moved)).toMatchObject({ state: "unfilled", reason: "NONCE_USED" });
    expect(orderEvents().map((e) => [e.id, e.state])).toEqual([
      [deferred.id, "pending"],
      [dropped.id, "unfilled"],
    ]);
    expect((await ctx.store.getBatch(id))?.state).toBe("committed");
  });

  it("should freeze a batch: late orders end, commit-mode orders over one settle's capacity requeue", async () => {
    const open = ctx.openBatch.currentId;
    const late = await order(open, { commitBy: HEAD });
    const commits: OrderRecord[] = [];
    for (let i = 0; i <= MAX_TRADES_PER_SETTLE; i++) commits.push(await order(open, { mode: "commit" }));
    const sealed = await order(open);
    const id = await ctx.openBatch.rotate();
    await freezeBatch(ctx, { id });
    const batch = (await ctx.store.getBatch(id))!;
    expect(batch.state).toBe("committing");
    expect(batch.leaves).toEqual([...commits.slice(0, MAX_TRADES_PER_SETTLE), sealed].map((o) => o.id));
    expect(batch.commitDeadline).toBe(HEAD + 3n);
    expect(await ctx.store.getOrder(late.id)).toMatchObject({
      state: "unfilled",
      reason: "COMMIT_DEADLINE_PASSED",
    });
    const over = commits[MAX_TRADES_PER_SETTLE];
    expect(await ctx.store.getOrder(over.id)).toMatchObject({
      state: "pending",
      batchId: ctx.openBatch.currentId,
    });
    expect((await ctx.store.getOrder(sealed.id))?.leafIndex).toBe(MAX_TRADES_PER_SETTLE);
    // freezing again (a stale call for a batch already frozen and committed) changes nothing
    await markCommitted(ctx, batch, 1n, HEAD, TX);
    await freezeBatch(ctx, { id });
    expect(await ctx.store.getBatch(id)).toMatchObject({ state: "committed", root: batch.root });
  });
});
