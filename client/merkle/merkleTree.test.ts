import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { buildMerkleTree, getMerkleProof, hashPair, verifyMerkleProof } from "./merkleTree.js";

const leaves = (n: number) => Array.from({ length: n }, (_, i) => keccak256(toHex(i)));

describe("merkleTree", () => {
  it("should make a one-leaf tree's root the leaf", () => {
    const [leaf] = leaves(1);
    expect(buildMerkleTree([leaf]).root).toBe(leaf);
  });

  it("should hash pairs in sorted order", () => {
    const [a, b] = leaves(2);
    expect(hashPair(a, b)).toBe(hashPair(b, a));
    expect(buildMerkleTree([a, b]).root).toBe(hashPair(a, b));
  });

  it("should carry the odd node up unchanged", () => {
    const [a, b, c] = leaves(3);
    expect(buildMerkleTree([a, b, c]).root).toBe(hashPair(hashPair(a, b), c));
  });

  it("should verify every leaf's proof and reject a foreign leaf", () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 100]) {
      const ls = leaves(n);
      const tree = buildMerkleTree(ls);
      for (const [i, leaf] of ls.entries())
        expect(verifyMerkleProof(leaf, getMerkleProof(tree, i), tree.root)).toBe(true);
      expect(verifyMerkleProof(keccak256("0xdead"), getMerkleProof(tree, 0), tree.root)).toBe(false);
    }
  });

  it("should refuse an empty tree and an out-of-range index", () => {
    expect(() => buildMerkleTree([])).toThrow(RangeError);
    expect(() => getMerkleProof(buildMerkleTree(leaves(2)), 2)).toThrow(RangeError);
  });
});
