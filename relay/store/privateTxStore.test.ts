import Database from "better-sqlite3";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import { type NewPrivateTx, PrivateTxStore } from "./privateTxStore.js";

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
  it("should create its table idempotently and keep big quantities exactly", () => {
    const db = new Database(":memory:");
    new PrivateTxStore(db);
    const store = new PrivateTxStore(db);
    store.insert(tx(4, "a"));
    expect(store.get(tx(4, "a").hash)).toMatchObject({
      status: "PENDING",
      from: sender.toLowerCase(),
      value: 10n ** 30n,
      fast: true,
      lastSentBlock: 0,
    });
  });

  it("should move PENDING to exactly one final state and ignore later transitions", () => {
    const store = new PrivateTxStore(new Database(":memory:"));
    const a = tx(1, "a");
    store.insert(a);
    store.markSent(a.hash, 76);
    store.markSent(a.hash, 75);
    expect(store.get(a.hash)?.lastSentBlock).toBe(76);
    expect(store.markIncluded(a.hash, 77, false)).toBe(true);
    expect(store.markFailed(a.hash, "SimErrorNotIncluded")).toBe(false);
    expect(store.markCancelled(a.hash)).toBe(false);
    expect(store.get(a.hash)).toMatchObject({ status: "INCLUDED", includedBlock: 77, simError: null });
  });

  it("should list a sender's pending txs by nonce and forget final ones for the pending nonce", () => {
    const store = new PrivateTxStore(new Database(":memory:"));
    store.insert(tx(6, "c"));
    store.insert(tx(5, "b"));
    expect(store.pendingBySender(sender).map((t) => t.nonce)).toEqual([5, 6]);
    expect(store.maxPendingNonce(sender)).toBe(6);
    store.markFailed(tx(6, "c").hash, "SimErrorFeeCapTooLow");
    expect(store.maxPendingNonce(sender)).toBe(5);
    store.markCancelled(tx(5, "b").hash, tx(6, "c").hash);
    expect(store.maxPendingNonce(sender)).toBeNull();
    expect(store.get(tx(5, "b").hash)?.replacedBy).toBe(tx(6, "c").hash);
  });
});
