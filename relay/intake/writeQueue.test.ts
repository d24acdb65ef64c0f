import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqliteStore.js";
import type { OrderRecord } from "../store/store.js";
import { WriteQueue } from "./writeQueue.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const record = (i: number): OrderRecord => ({
  id: `0x${i.toString(16).padStart(64, "0")}` as Hex,
  mode: "commit",
  trader: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  state: "pending",
  batchId: 1,
  commitBy: null,
  leafIndex: null,
  order: null,
  signature: null,
  salt: null,
  digest: null,
  reason: null,
  error: null,
  fill: null,
  expiredBatches: 0,
  createdAt: 1,
  updatedAt: 1,
});

describe("WriteQueue over the SQLite store", () => {
  it("should group writes, resolve each after commit, and keep them across a reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "veil-wq-"));
    dirs.push(dir);
    const store = openSqliteStore(dir);
    const q = new WriteQueue(store);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => q.run(async () => store.insertOrder(record(i)))),
    );
    expect(results.every(Boolean)).toBe(true);
    await store.close();
    const again = openSqliteStore(dir);
    expect(await again.countOrdersByState()).toEqual({ pending: 50 });
    expect((await again.getOrder(record(7).id))?.trader).toBe(record(7).trader);
    await again.close();
  });

  it("should fail one op alone and report a duplicate insert as false", async () => {
    const dir = mkdtempSync(join(tmpdir(), "veil-wq-"));
    dirs.push(dir);
    const store = openSqliteStore(dir);
    const q = new WriteQueue(store);
    const [a, b, c] = await Promise.allSettled([
      q.run(async () => store.insertOrder(record(1))),
      q.run(async () => {
        await store.insertOrder(record(2));
        throw new Error("boom");
      }),
      q.run(async () => store.insertOrder(record(1))),
    ]);
    expect(a).toEqual({ status: "fulfilled", value: true });
    expect(b.status).toBe("rejected");
    expect(c).toEqual({ status: "fulfilled", value: false });
    // The failed op's own write was rolled back with it.
    expect(await store.getOrder(record(2).id)).toBeNull();
    await store.close();
  });
});
