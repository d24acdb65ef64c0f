import { describe, expect, it } from "vitest";
import type { PrivateTxRecord } from "../store/privateTxStore.js";
import { bundleEnds, chainEndingAt } from "./privateTxBundles.js";

const txs = (nonces: number[]) =>
  nonces.map((nonce) => ({ hash: `0x${nonce.toString(16).padStart(64, "0")}`, nonce }) as PrivateTxRecord);

describe("bundleEnds (issue 13: each pending tx re-sent O(1) times per block)", () => {
  it("should send 32 pending txs of one sender as 63 tx copies a block, not 528", () => {
    const pending = txs(Array.from({ length: 32 }, (_, i) => i));
    const ends = bundleEnds(pending);
    expect(ends.map((t) => t.nonce)).toEqual([0, 1, 3, 7, 15, 31]);
    const copies = ends.reduce((n, t) => n + chainEndingAt(pending, t).length, 0);
    expect(copies).toBe(63);
    // every pending tx is in the bundle of its run's end
    expect(chainEndingAt(pending, ends[ends.length - 1])).toHaveLength(32);
  });

  it("should end every contiguous run, and a single tx is its own bundle", () => {
    expect(bundleEnds(txs([4, 5, 6, 9, 20, 21])).map((t) => t.nonce)).toEqual([4, 5, 6, 9, 20, 21]);
    expect(bundleEnds(txs([4, 5, 6, 7, 8])).map((t) => t.nonce)).toEqual([4, 5, 7, 8]);
    expect(bundleEnds(txs([3])).map((t) => t.nonce)).toEqual([3]);
    expect(bundleEnds([])).toEqual([]);
  });
});
