import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqliteStore.js";
import type { OrderRecord, OrderState } from "./store.js";

const TRADER = "0x00000000000000000000000000000000000000aa" as Address;
const DAY_MS = 86_400_000;

describe("pruneFinal (retention)", () => {
  let dir: string;
  let store: ReturnType<typeof openSqliteStore>;
  let seq = 0;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "veil-prune-"));
    store = openSqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const order = async (state: OrderState, batchId: number | null): Promise<Hex> => {
    const id = keccak256(toHex(`order-${seq++}`));
    const rec: OrderRecord = {
      id,
      mode: "commit",
      trader: TRADER,
      state,
      batchId,
      leafIndex: null,
      commitBy: 100n,
      order: null,
      signature: null,
      salt: null,
      digest: null,
      reason: state === "unfilled" ? "NOT_REVEALED" : null,
      error: null,
      fill: null,
      expiredBatches: 0,
      createdAt: 0,
      updatedAt: 0,
    };
    expect(await store.insertOrder(rec)).toBe(true);
    return id;
  };
  /** Makes every row look `ageMs` old. */
  const age = (ageMs: number) => {
    const t = Date.now() - ageMs;
    store.db.prepare("UPDATE orders SET updated_at = ?, created_at = ?").run(t, t);
    store.db.prepare("UPDATE batches SET created_at = ?, settled_at = ?, closed_at = ?").run(t, t, t);
    store.db.prepare("UPDATE rpc_private_txs SET updated_at_ms = ?").run(t);
  };
  const privateTx = async (status: "PENDING" | "CANCELLED") => {
    const txs = store.privateTxs;
    const hash = keccak256(toHex(`tx-${seq++}`));
    await txs.insert({
      hash,
      from: TRADER,
      nonce: seq,
      raw: "0x01",
      to: null,
      value: 0n,
      gas: 21_000n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      data: "0x",
      chainId: 1,
      type: "eip1559",
      maxBlockNumber: 10,
      submittedBlock: 1,
      canRevert: false,
      fast: false,
    } as never);
    if (status === "CANCELLED") await txs.markCancelled(hash, null);
    return hash;
  };

  it("should delete final orders, batches, attempts and private txs past the retention age, and nothing live", async () => {
    const settled = await store.createBatch();
    await store.updateBatch(settled.id, { state: "settled" });
    await store.addAttempt({
      batchId: settled.id,
      kind: "settle",
      txHash: keccak256("0x01"),
      nonce: 1,
      targetBlock: 5n,
      bundleHash: null,
      error: null,
    });
    const filled = await order("filled", settled.id);
    const open = await store.createBatch();
    const cancelledInOpen = await order("cancelled", open.id); // final, but its batch is live: kept
    const pending = await order("pending", open.id);
    const doneTx = await privateTx("CANCELLED");
    const liveTx = await privateTx("PENDING");
    await store.addMiss(TRADER, 0);

    age(8 * DAY_MS);
    const counts = await store.pruneFinal(Date.now() - 7 * DAY_MS);
    expect(counts).toEqual({ orders: 1, batches: 1, attempts: 1, privateTxs: 1, misses: 1 });
    expect(await store.getOrder(filled)).toBeNull();
    expect(await store.getBatch(settled.id)).toBeNull();
    expect(await store.attempts(settled.id, "settle")).toEqual([]);
    expect(await store.getOrder(cancelledInOpen)).not.toBeNull();
    expect(await store.getOrder(pending)).not.toBeNull();
    expect(await store.getBatch(open.id)).not.toBeNull();
    const txs = store.privateTxs;
    expect(await txs.get(doneTx)).toBeUndefined();
    expect((await txs.get(liveTx))?.status).toBe("PENDING");
  });

  it("should keep final rows younger than the retention age", async () => {
    const b = await store.createBatch();
    await store.updateBatch(b.id, { state: "expired" });
    const id = await order("unfilled", b.id);
    age(6 * DAY_MS);
    expect((await store.pruneFinal(Date.now() - 7 * DAY_MS)).orders).toBe(0);
    expect(await store.getOrder(id)).not.toBeNull();
  });

  it("should stop the file growing under steady load (freed pages are reused)", async () => {
    const pages: number[] = [];
    for (let round = 0; round < 6; round++) {
      const b = await store.createBatch();
      await store.updateBatch(b.id, { state: "settled" });
      await store.transaction(async () => {
        for (let i = 0; i < 2_000; i++) await order("filled", b.id);
      });
      age(8 * DAY_MS);
      await store.pruneFinal(Date.now() - 7 * DAY_MS);
      store.db.pragma("wal_checkpoint(TRUNCATE)");
      pages.push(store.db.pragma("page_count", { simple: true }) as number);
    }
    // once the age indexes exist (round 2) the file holds one round at most: later rounds reuse its pages
    expect(pages[5], JSON.stringify(pages)).toBeLessThanOrEqual(pages[2]);
  });

  it("should keep the per-state order counts (the veil_orders gauge) equal to a full scan through inserts, moves and prunes", async () => {
    const scan = () =>
      Object.fromEntries(
        (
          store.db.prepare("SELECT state, COUNT(*) AS n FROM orders GROUP BY state").all() as {
            state: string;
            n: number;
          }[]
        ).map((r) => [r.state, r.n]),
      );
    const b = await store.createBatch();
    const ids: Hex[] = [];
    for (let i = 0; i < 20; i++) ids.push(await order("pending", b.id));
    for (const id of ids.slice(0, 8)) await store.updateOrderIf(id, ["pending"], { state: "committed" });
    for (const id of ids.slice(0, 3)) await store.updateOrder(id, { state: "filled" });
    expect(await store.countOrdersByState()).toEqual(scan());
    expect(await store.countOrdersByState()).toEqual({ pending: 12, committed: 5, filled: 3 });
    await store.updateBatch(b.id, { state: "settled" });
    age(8 * DAY_MS);
    await store.pruneFinal(Date.now() - 7 * DAY_MS);
    expect(await store.countOrdersByState()).toEqual(scan());
    expect(await store.countOrdersByState()).toEqual({ pending: 12, committed: 5 });
  });
});
