import { concat, type Hex, keccak256 } from "viem";

/**
 * Veil's batch Merkle tree, identical to `MerkleLib` in contracts/src:
 * - leaves keep their batch order (leaf index = position in the batch);
 * - a parent is `keccak256(min(a, b) ++ max(a, b))` (sorted pair, so a proof needs no left/right bits);
 * - on a level with an odd count, the last node is carried up unchanged;
 * - a one-leaf tree's root is the leaf.
 */
export type MerkleTree = { root: Hex; layers: Hex[][] };

/** Hash of two sibling nodes, order-independent. */
export function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * Builds the tree over `leaves` (at least one).
 * @example const { root } = buildMerkleTree([leafA, leafB])
 */
export function buildMerkleTree(leaves: readonly Hex[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const layers: Hex[][] = [leaves.map((l) => l.toLowerCase() as Hex)];
  while (layers[layers.length - 1].length > 1) {
    const level = layers[layers.length - 1];
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? hashPair(level[i], level[i + 1]) : level[i]);
    layers.push(next);
  }
  return { root: layers[layers.length - 1][0], layers };
}

/** The sibling path of leaf `index`, bottom-up (levels where the node was carried up add nothing). */
export function getMerkleProof(tree: MerkleTree, index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= tree.layers[0].length)
    throw new RangeError(`leaf index ${index} is outside the tree (0..${tree.layers[0].length - 1})`);
  const proof: Hex[] = [];
  let i = index;
  for (const level of tree.layers.slice(0, -1)) {
    const sibling = i ^ 1;
    if (sibling < level.length) proof.push(level[sibling]);
    i >>= 1;
  }
  return proof;
}

/** True when `proof` links `leaf` to `root`. */
export function verifyMerkleProof(leaf: Hex, proof: readonly Hex[], root: Hex): boolean {
  let node = leaf.toLowerCase() as Hex;
  for (const sibling of proof) node = hashPair(node, sibling.toLowerCase() as Hex);
  return node === root.toLowerCase();
}
