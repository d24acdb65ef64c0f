import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, getAddress, type Hex, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMerkleTree, verifyMerkleProof } from "../../client/merkle/merkleTree.js";
import type { Order } from "../../client/order/order.js";
import { openPostgresStore } from "../../relay/store/postgresStore.js";
import type { NewPrivateTx } from "../../relay/store/privateTxStore.js";
import { openSqliteStore } from "../../relay/store/sqliteStore.js";
import type { OrderRecord, Store } from "../../relay/store/store.js";
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from "../../scripts/devnet/embeddedPostgres.js";

// The store contract (issue 18), run on both backends: SQLite (a real file) and PostgreSQL (a real server
// from npm, started here). Every guarantee the relay rests on: a duplicate refused inside the write, the
// compare-and-set transitions (racers: exactly one wins), transactions all-or-nothing (savepoints too),
// writes durable across a reopen, and the same records read back from either backend.

const TRADER = getAddress("0x00000000000000000000000000000000000000aa");
let seq = 0;
const hash = (s: string) => keccak256(toHex(`${s}-${seq++}`));

const order = (nonce: bigint): Order => ({
  trader: TRADER,
  sellToken: getAddress("0x00000000000000000000000000000000000000b1"),
  buyToken: getAddress("0x00000000000000000000000000000000000000b2"),
  sellAmount: 10n ** 30n,
  minBuyAmount: 12345678901234567890n,
  nonce,
  validTo: 1_900_000_000n,
  commitBy: 77n,
  feeAmount: 3n,
});

const record = (batchId: number | null, over: Partial<OrderRecord> = {}): OrderRecord => {
  const o = order(BigInt(seq));
  return {
    id: hash("order"),
    mode: "sealed",
    trader: TRADER,
    state: "pending",
    batchId,
    leafIndex: null,
    commitBy: 77n,
    order: o,
    signature: "0x1234",
    salt: hash("salt"),
    digest: hash("digest"),
    reason: null,
    error: null,
    fill: null,
    expiredBatches: 0,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    ...over,
  };
};

const privateTx = (nonce: number): NewPrivateTx => ({
  hash: hash("tx"),
  raw: "0x02",
  from: TRADER,
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

type Backend = { name: string; open(): Promise<Store>; cleanup(): Promise<void> };

let pgServer: EmbeddedPostgresServer | null = null;
const sqliteDir = mkdtempSync(join(tmpdir(), "veil-store-contract-"));

const backends: Backend[] = [
  {
    name: "sqlite",
    open: async () => openSqliteStore(sqliteDir),
    cleanup: async () => rmSync(sqliteDir, { recursive: true, force: true }),
  },
  {
    name: "postgres",
    open: async () => {
      if (!pgServer) throw new Error("PostgreSQL did not start");
      return openPostgresStore(pgServer.url);
    },
    cleanup: async () => {
      await pgServer?.stop();
    },
  },
];

beforeAll(async () => {
  pgServer = await startEmbeddedPostgres();
}, 120_000);

afterAll(async () => {
  for (const b of backends) await b.cleanup();
});

describe.each(backends)("store contract: $name", (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("should name its backend", () => {
    expect(store.backend).toBe(backend.name);
  });

  it("should read back what it wrote, bigints and order plaintext exact, and refuse a duplicate id", async () => {
    const b = await store.createBatch();
    expect(b).toMatchObject({ state: "open", root: null, leaves: null });
    const r = record(b.id);
    expect(await store.insertOrder(r)).toBe(true);
    expect(await store.insertOrder({ ...r, trader: "0x00000000000000000000000000000000000000bb" })).toBe(
      false,
    );
    const back = await store.getOrder(r.id);
    expect(back).toEqual({ ...r, updatedAt: back?.updatedAt });
    expect(await store.getOrderByDigest(r.digest as Hex)).toMatchObject({ id: r.id });
    expect(await store.ordersInBatch(b.id)).toHaveLength(1);
    expect(await store.getOrder(hash("none"))).toBeNull();
    const fill = { sellAmount: 10n ** 30n, buyAmount: 2n ** 100n, txHash: hash("fill"), blockNumber: 12n };
    await store.updateOrder(r.id, { state: "filled", fill });
    expect((await store.getOrder(r.id))?.fill).toEqual(fill);
  });

  it("should let exactly one of many racing compare-and-set transitions win", async () => {
    const b = await store.createBatch();
    const r = record(b.id);
    await store.insertOrder(r);
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.updateOrderIf(r.id, ["pending"], { state: "cancelled", reason: `racer-${i}` }),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.updateOrderIf(r.id, ["pending"], { state: "committed" })).toBe(false);
    expect(await store.updateOrderIf(r.id, [], { state: "committed" })).toBe(false);
    expect((await store.getOrder(r.id))?.state).toBe("cancelled");

    const batchWins = await Promise.all(
      Array.from({ length: 10 }, () => store.updateBatchIf(b.id, ["open"], { state: "closing" })),
    );
    expect(batchWins.filter(Boolean)).toHaveLength(1);
    expect((await store.getBatch(b.id))?.state).toBe("closing");
  });

  it("should refuse a second live order for one nonce when check and insert run in one transaction", async () => {
    const b = await store.createBatch();
    const nonce = 9_000_000n + BigInt(seq);
    // the intake's acceptOrder pattern, 12 submissions of the same nonce racing (different ids)
    const accepted = await Promise.all(
      Array.from({ length: 12 }, () =>
        store.transaction(async () => {
          const r = record(b.id, { order: order(nonce) });
          if (await store.activeOrderWithNonce(TRADER, nonce)) return false;
          await new Promise((resolve) => setTimeout(resolve, 20)); // a slow intake: the window a racer needs
          return store.insertOrder(r);
        }),
      ),
    );
    expect(accepted.filter(Boolean)).toHaveLength(1);
    const live = await store.activeOrderWithNonce(TRADER, nonce);
    expect(live).not.toBeNull();
    await store.updateOrder(live!.id, { state: "unfilled", reason: "EXPIRED" });
    expect(await store.activeOrderWithNonce(TRADER, nonce)).toBeNull(); // a final order frees the nonce
  });

  it("should roll a transaction back whole when it throws, and a failed savepoint alone", async () => {
    const b = await store.createBatch();
    const a = record(b.id);
    await expect(
      store.transaction(async () => {
        await store.insertOrder(a);
        await store.updateBatch(b.id, { state: "closing" });
        throw new Error("crash inside the write");
      }),
    ).rejects.toThrow("crash inside the write");
    expect(await store.getOrder(a.id)).toBeNull();
    expect((await store.getBatch(b.id))?.state).toBe("open");

    const kept = record(b.id);
    const dropped = record(b.id);
    await store.transaction(async () => {
      await store.insertOrder(kept);
      await store
        .transaction(async () => {
          await store.insertOrder(dropped);
          throw new Error("inner");
        })
        .catch(() => undefined);
    });
    expect(await store.getOrder(kept.id)).not.toBeNull();
    expect(await store.getOrder(dropped.id)).toBeNull();
    expect(store.inTransaction).toBe(false);
  });

  it("should keep batches, attempts, misses and counts", async () => {
    const b = await store.createBatch();
    const leaves = [hash("l"), hash("l"), hash("l")];
    await store.updateBatch(b.id, {
      state: "committed",
      root: buildMerkleTree(leaves).root,
      leaves,
      chainBatchId: 2n ** 70n,
      commitBlock: 1_000n,
      commitTxHash: hash("c"),
      commitDeadline: 1_005n,
    });
    expect(await store.getBatch(b.id)).toMatchObject({
      leaves,
      chainBatchId: 2n ** 70n,
      commitBlock: 1_000n,
    });
    expect(await store.getBatchMeta(b.id)).toMatchObject({ leaves: null, commitDeadline: 1_005n });
    expect((await store.batchesInStates(["committed"])).map((x) => x.id)).toContain(b.id);
    expect((await store.batchesLandedSince(1_000n)).map((x) => x.id)).toContain(b.id);
    expect((await store.batchesLandedSince(1_001n)).map((x) => x.id)).not.toContain(b.id);

    const a = await store.addAttempt({
      batchId: b.id,
      kind: "settle",
      txHash: hash("t"),
      nonce: 3,
      targetBlock: 1_002n,
      bundleHash: null,
      error: null,
    });
    await store.updateAttempt(a.id, { bundleHash: hash("bundle"), error: "late" });
    expect(await store.attempts(b.id, "settle")).toEqual([
      { ...a, bundleHash: expect.any(String), error: "late" },
    ]);
    expect(await store.attempts(b.id, "commit")).toEqual([]);

    const who = `0x${"c".repeat(40)}` as Address;
    await store.addMiss(who, 5);
    await store.addMiss(who, 9);
    expect(await store.misses(who)).toEqual({ count: 2, lastAt: 9 });
    await store.removeMiss(who);
    expect((await store.misses(who)).count).toBe(1);

    const before = await store.countOrdersByState();
    const r = record(b.id);
    await store.insertOrder(r);
    await store.updateOrderIf(r.id, ["pending"], { state: "committed" });
    const after = await store.countOrdersByState();
    expect((after.committed ?? 0) - (before.committed ?? 0)).toBe(1);
    expect(after.pending ?? 0).toBe(before.pending ?? 0);
    expect(await store.openCommitments(TRADER, 5)).toBe(0);
    await store.insertOrder(record(b.id, { mode: "commit", order: null }));
    await store.insertOrder(record(b.id, { mode: "commit", order: null }));
    expect(await store.openCommitments(TRADER, 1)).toBe(1);
  });

  it("should keep private txs with compare-and-set statuses and the sender's pending nonce", async () => {
    const t5 = privateTx(5);
    const t6 = privateTx(6);
    await store.privateTxs.transaction(async () => {
      await store.privateTxs.insert(t5);
      await store.privateTxs.insert(t6);
    });
    expect(await store.privateTxs.maxPendingNonce(TRADER)).toBe(6);
    expect((await store.privateTxs.pendingBySender(TRADER)).map((t) => t.nonce)).toEqual([5, 6]);
    expect(await store.privateTxs.get(t5.hash)).toMatchObject({ status: "PENDING", value: 10n ** 30n });
    await store.privateTxs.markSent(t5.hash, 80);
    await store.privateTxs.markSent(t5.hash, 79);
    expect((await store.privateTxs.get(t5.hash))?.lastSentBlock).toBe(80);
    const racers = await Promise.all([
      store.privateTxs.markIncluded(t5.hash, 81, false, hash("block")),
      store.privateTxs.markCancelled(t5.hash),
      store.privateTxs.markFailed(t5.hash, "SimErrorNotIncluded"),
    ]);
    expect(racers.filter(Boolean)).toHaveLength(1);
    expect(await store.privateTxs.markCancelled(t6.hash, t5.hash)).toBe(true);
    expect(await store.privateTxs.maxPendingNonce(TRADER)).toBeNull();
    // t6 was never sent: not watched for a late landing
    const ended = (await store.privateTxs.endedSentSince(80)).map((t) => t.hash);
    expect(ended).toEqual(racers[0] ? [] : [t5.hash]);
  });

  it("should record a root's proofs once and serve them", async () => {
    const leaves = Array.from({ length: 37 }, () => hash("leaf"));
    const { root } = buildMerkleTree(leaves);
    expect(await store.proofs.proof(root, 0)).toBeNull();
    await Promise.all([store.proofs.record(root, leaves), store.proofs.record(root, leaves)]);
    for (const i of [0, 17, 36])
      expect(verifyMerkleProof(leaves[i], (await store.proofs.proof(root, i))!, root)).toBe(true);
  });

  it("should prune final history past the retention age and nothing live", async () => {
    const b = await store.createBatch();
    await store.updateBatch(b.id, { state: "settled", settledAt: 1 });
    const old = record(b.id, { state: "filled" });
    await store.insertOrder(old);
    const live = record((await store.createBatch()).id);
    await store.insertOrder(live);
    // only rows last touched before `beforeMs` go: everything here is newer than 0, older than now + 1 min
    expect((await store.pruneFinal(0)).orders).toBe(0);
    const counts = await store.pruneFinal(Date.now() + 60_000);
    expect(counts.orders).toBeGreaterThanOrEqual(1);
    expect(await store.getOrder(old.id)).toBeNull();
    expect(await store.getBatch(b.id)).toBeNull();
    expect(await store.getOrder(live.id)).not.toBeNull();
  });

  it("should keep every acknowledged write across a close and reopen", async () => {
    const b = await store.createBatch();
    const rs = Array.from({ length: 25 }, () => record(b.id));
    await Promise.all(rs.map((r) => store.insertOrder(r)));
    await store.close();
    store = await backend.open();
    for (const r of rs) expect((await store.getOrder(r.id))?.id).toBe(r.id);
  });
});

describe("PostgreSQL store shared by two relay instances", () => {
  it("should let one of two handles win a racing transition, and let each see the other's commits", async () => {
    if (!pgServer) throw new Error("PostgreSQL did not start");
    const [a, b] = await Promise.all([openPostgresStore(pgServer.url), openPostgresStore(pgServer.url)]);
    try {
      const batch = await a.createBatch();
      const r = record(batch.id);
      expect(await a.insertOrder(r)).toBe(true);
      expect(await b.insertOrder(r)).toBe(false);
      const [wa, wb] = await Promise.all([
        a.updateOrderIf(r.id, ["pending"], { state: "committed" }),
        b.updateOrderIf(r.id, ["pending"], { state: "cancelled" }),
      ]);
      expect([wa, wb].filter(Boolean)).toHaveLength(1);
      expect((await b.getOrder(r.id))?.state).toBe(wa ? "committed" : "cancelled");
    } finally {
      await a.close();
      await b.close();
    }
  });
});
