import Database from "better-sqlite3";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import { type NewPrivateTx, SqlitePrivateTxStore } from "./privateTxStore.js";

const sender = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const tx = (nonce: number, hash: string): NewPrivateTx => ({
  hash: `0x${hash.repeat(64).slice(0, 64)}` as Hex,
  raw: "0x02",
  from: sender,
  to: null,
  nonce,
  value: 10n ** 30n,
  gas: 21_000n,
  maxFeePerGas: 2n,
  maxPriorityFeePerGas: 1n,
  data: "0x",
  chainId: 31337,
  type: "eip1559",
  maxBlockNumber: 100,
  submittedBlock: 75,
  canRevert: false,
  fast: true,
});

describe("PrivateTxStore", () => {
  it("should create its table idempotently and keep big quantities exactly", async () => {
    const db = new Database(":memory:");
    new SqlitePrivateTxStore(db);
    const store = new SqlitePrivateTxStore(db);
    await store.insert(tx(4, "a"));
    expect(await store.get(tx(4, "a").hash)).toMatchObject({
      status: "PENDING",
      from: sender.toLowerCase(),
      value: 10n ** 30n,
      fast: true,
      lastSentBlock: 0,
    });
  });

  it("should move PENDING to exactly one final state and ignore later transitions", async () => {
    const store = new SqlitePrivateTxStore(new Database(":memory:"));
    const a = tx(1, "a");
    await store.insert(a);
    await store.markSent(a.hash, 76);
    await store.markSent(a.hash, 75);
    expect((await store.get(a.hash))?.lastSentBlock).toBe(76);
    expect(await store.markIncluded(a.hash, 77, false)).toBe(true);
    expect(await store.markFailed(a.hash, "SimErrorNotIncluded")).toBe(false);
    expect(await store.markCancelled(a.hash)).toBe(false);
    expect(await store.get(a.hash)).toMatchObject({ status: "INCLUDED", includedBlock: 77, simError: null });
  });

  it("should list a sender's pending txs by nonce and forget final ones for the pending nonce", async () => {
    const store = new SqlitePrivateTxStore(new Database(":memory:"));
    await store.insert(tx(6, "c"));
    await store.insert(tx(5, "b"));
    expect((await store.pendingBySender(sender)).map((t) => t.nonce)).toEqual([5, 6]);
    expect(await store.maxPendingNonce(sender)).toBe(6);
    await store.markFailed(tx(6, "c").hash, "SimErrorFeeCapTooLow");
    expect(await store.maxPendingNonce(sender)).toBe(5);
    await store.markCancelled(tx(5, "b").hash, tx(6, "c").hash);
    expect(await store.maxPendingNonce(sender)).toBeNull();
    expect((await store.get(tx(5, "b").hash))?.replacedBy).toBe(tx(6, "c").hash);
  });
});
