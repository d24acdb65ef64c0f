import type Database from "better-sqlite3";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { buildMerkleTree, getMerkleProof } from "../../client/merkle/merkleTree.js";

/**
 * Merkle proofs of committed batches, computed once per root and stored (one row per leaf, the proof as
 * concatenated 32-byte hashes), so `GET /v1/orders/:id` reads a proof instead of rebuilding its batch's tree
 * (170 ms for 10k leaves; THREATS.md: a free request never costs a Merkle rebuild). Keyed by root: a batch
 * re-frozen with other leaves after a reorg gets its own rows. Pruned with the batches (pruneFinal).
 */
export class LeafProofs {
  readonly #has: Database.Statement;
  readonly #get: Database.Statement;
  readonly #put: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS leaf_proofs (
      root TEXT NOT NULL, leaf_index INTEGER NOT NULL, proof BLOB NOT NULL, PRIMARY KEY (root, leaf_index)
    ) WITHOUT ROWID`);
    this.#has = db.prepare("SELECT 1 FROM leaf_proofs WHERE root = ? LIMIT 1");
    this.#get = db.prepare("SELECT proof FROM leaf_proofs WHERE root = ? AND leaf_index = ?");
    this.#put = db.prepare("INSERT OR REPLACE INTO leaf_proofs (root, leaf_index, proof) VALUES (?, ?, ?)");
  }

  /** Computes and stores every leaf's proof of the tree over `leaves` (once per root; later calls are no-ops). */
  record(root: Hex, leaves: readonly Hex[]): void {
    const key = root.toLowerCase();
    if (leaves.length === 0 || this.#has.get(key)) return;
    const tree = buildMerkleTree(leaves);
    this.db.transaction(() => {
      leaves.forEach((_, i) => {
        const proof = getMerkleProof(tree, i);
        const blob = new Uint8Array(proof.length * 32);
        for (let j = 0; j < proof.length; j++) blob.set(hexToBytes(proof[j]), j * 32);
        this.#put.run(key, i, Buffer.from(blob));
      });
    })();
  }

  /** The stored proof of leaf `index` under `root`, or null when it was never recorded. */
  proof(root: Hex, index: number): Hex[] | null {
    const row = this.#get.get(root.toLowerCase(), index) as { proof: Buffer } | undefined;
    if (!row) return null;
    const out: Hex[] = [];
    for (let j = 0; j < row.proof.length; j += 32) out.push(bytesToHex(row.proof.subarray(j, j + 32)));
    return out;
  }
}
