import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hex, keccak256, toHex } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildMerkleTree, verifyMerkleProof } from "../../client/merkle/merkleTree.js";
import { OrderViews } from "../server/orderViews.js";
import { openSqliteStore } from "./sqliteStore.js";

describe("LeafProofs (proofs computed once per committed root)", () => {
  let dir: string;
  let store: ReturnType<typeof openSqliteStore>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "veil-proofs-"));
    store = openSqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const leaves = (n: number): Hex[] => Array.from({ length: n }, (_, i) => keccak256(toHex(`leaf-${i}`)));

  it("should store a proof per leaf that verifies against the root, and answer reads without a tree", async () => {
    const ls = leaves(37);
    const { root } = buildMerkleTree(ls);
    const proofs = store.proofs;
    expect(await proofs.proof(root, 0)).toBeNull();
    await proofs.record(root, ls);
    for (const i of [0, 1, 17, 36])
      expect(verifyMerkleProof(ls[i], (await proofs.proof(root, i))!, root)).toBe(true);
    // a second record of the same root is a no-op (one row check), not a rebuild
    const rows = () => (store.db.prepare("SELECT COUNT(*) AS n FROM leaf_proofs").get() as { n: number }).n;
    await proofs.record(root, ls);
    expect(rows()).toBe(37);
  });

  it("should serve an order view's proof from the store, recording a batch's proofs on first need", async () => {
    const ls = leaves(9);
    const { root } = buildMerkleTree(ls);
    const b = await store.createBatch();
    await store.updateBatch(b.id, {
      state: "committed",
      leaves: ls,
      root,
      chainBatchId: 1n,
      commitBlock: 5n,
    });
    const proofs = store.proofs;
    const views = new OrderViews(store, { head: { block: 6n }, confirmations: 1 }, proofs);
    const o = {
      id: ls[4],
      mode: "sealed",
      trader: "0x00000000000000000000000000000000000000aa",
      state: "committed",
      batchId: b.id,
      leafIndex: 4,
      commitBy: 9n,
      order: null,
      signature: null,
      salt: null,
      digest: null,
      reason: null,
      error: null,
      fill: null,
      expiredBatches: 0,
      createdAt: 0,
      updatedAt: 0,
    } as const;
    const view = await views.order(o);
    expect(verifyMerkleProof(ls[4], view.proof!, root)).toBe(true);
    expect(await proofs.proof(root, 8)).not.toBeNull(); // the whole batch was recorded at once
  });

  it("should answer order and batch reads without parsing the batch's leaves on every read", async () => {
    const ls = leaves(9);
    const { root } = buildMerkleTree(ls);
    const b = await store.createBatch();
    await store.updateBatch(b.id, { state: "settled", leaves: ls, root, chainBatchId: 1n, commitBlock: 5n });
    const proofs = store.proofs;
    await proofs.record(root, ls);
    // the real store, with its full batch reads (the ones that parse leaves_json) counted
    let fullReads = 0;
    const counted = new Proxy(store, {
      get(target, key) {
        if (key === "getBatch")
          return (id: number) => {
            fullReads++;
            return target.getBatch(id);
          };
        return Reflect.get(target, key);
      },
    });
    const meta = await store.getBatchMeta(b.id);
    expect(meta).toMatchObject({ id: b.id, state: "settled", root, chainBatchId: 1n, leaves: null });
    const views = new OrderViews(counted, { head: { block: 6n }, confirmations: 1 }, proofs);
    const o = {
      id: ls[2],
      mode: "sealed",
      trader: "0x00000000000000000000000000000000000000aa",
      state: "filled",
      batchId: b.id,
      leafIndex: 2,
      commitBy: 9n,
      order: null,
      signature: null,
      salt: null,
      digest: null,
      reason: null,
      error: null,
      fill: null,
      expiredBatches: 0,
      createdAt: 0,
      updatedAt: 0,
    } as const;
    for (let i = 0; i < 3; i++)
      expect(verifyMerkleProof(ls[2], (await views.order(o)).proof!, root)).toBe(true);
    expect(fullReads).toBe(0); // the proof is one stored row
    for (let i = 0; i < 3; i++) {
      const view = (await views.batchById(b.id))!;
      expect(view.leafCount).toBe(9);
      expect(view.orderIds).toEqual(ls);
    }
    expect(fullReads).toBe(1); // parsed once for this root
    // re-frozen under another root (a reorg): read again, once
    const ls2 = leaves(3);
    await store.updateBatch(b.id, { leaves: ls2, root: buildMerkleTree(ls2).root });
    expect((await views.batchById(b.id))!.orderIds).toEqual(ls2);
    expect((await views.batchById(b.id))!.leafCount).toBe(3);
    expect(fullReads).toBe(2);
    expect(await views.batchById(b.id + 1)).toBeNull();
  });

  it("should drop the proofs of pruned batches", async () => {
    const ls = leaves(4);
    const { root } = buildMerkleTree(ls);
    const b = await store.createBatch();
    await store.updateBatch(b.id, { state: "settled", leaves: ls, root });
    await store.proofs.record(root, ls);
    store.db.prepare("UPDATE batches SET created_at = 0, settled_at = 0").run();
    await store.pruneFinal(Date.now());
    expect(await store.proofs.proof(root, 0)).toBeNull();
  });
});
