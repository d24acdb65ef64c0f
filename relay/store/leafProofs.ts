import type Database from "better-sqlite3";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { buildMerkleTree, getMerkleProof } from "../../client/merkle/merkleTree.js";
import { SqliteTransactions } from "./sqliteTransactions.js";

/**
 * Merkle proofs of committed batches, computed once per root and stored (one row per leaf, the proof as
 * concatenated 32-byte hashes), so `GET /v1/orders/:id` reads a proof instead of rebuilding its batch's tree
 * (170 ms for 10k leaves; THREATS.md: a free request never costs a Merkle rebuild). Keyed by root: a batch
 * re-frozen with other leaves after a reorg gets its own rows. Pruned with the batches (pruneFinal).
 * Implemented on each store backend (SQLite here, PostgreSQL in the PostgreSQL store).
 */
export interface LeafProofs {
  /** Computes and stores every leaf's proof of the tree over `leaves` (once per root; later calls are no-ops). */
  record(root: Hex, leaves: readonly Hex[]): Promise<void>;
  /** The stored proof of leaf `index` under `root`, or null when it was never recorded. */
  proof(root: Hex, index: number): Promise<Hex[] | null>;
}

/** Every leaf's proof of the tree over `leaves`, as the stored blob (concatenated 32-byte hashes). */
export function proofBlobs(leaves: readonly Hex[]): Buffer[] {
  const tree = buildMerkleTree(leaves);
  return leaves.map((_, i) => {
    const proof = getMerkleProof(tree, i);
    const blob = Buffer.alloc(proof.length * 32);
    for (let j = 0; j < proof.length; j++) blob.set(hexToBytes(proof[j]), j * 32);
    return blob;
  });
}

/** A stored blob back as the proof's hashes. */
export function blobToProof(blob: Uint8Array): Hex[] {
  const out: Hex[] = [];
  for (let j = 0; j < blob.length; j += 32) out.push(bytesToHex(blob.subarray(j, j + 32)));
  return out;
}

/** {@link LeafProofs} in the relay's SQLite file (table `leaf_proofs`). */
export class SqliteLeafProofs implements LeafProofs {
  readonly #has: Database.Statement;
  readonly #get: Database.Statement;
  readonly #put: Database.Statement;
  readonly #txs: SqliteTransactions;

  constructor(
    private readonly db: Database.Database,
    txs?: SqliteTransactions,
  ) {
    this.#txs = txs ?? new SqliteTransactions(db);
    db.exec(`CREATE TABLE IF NOT EXISTS leaf_proofs (
      root TEXT NOT NULL, leaf_index INTEGER NOT NULL, proof BLOB NOT NULL, PRIMARY KEY (root, leaf_index)
    ) WITHOUT ROWID`);
    this.#has = db.prepare("SELECT 1 FROM leaf_proofs WHERE root = ? LIMIT 1");
    this.#get = db.prepare("SELECT proof FROM leaf_proofs WHERE root = ? AND leaf_index = ?");
    this.#put = db.prepare("INSERT OR REPLACE INTO leaf_proofs (root, leaf_index, proof) VALUES (?, ?, ?)");
  }

  record(root: Hex, leaves: readonly Hex[]): Promise<void> {
    const key = root.toLowerCase();
    return this.#txs.exclusive(() => {
      if (leaves.length === 0 || this.#has.get(key)) return;
      const blobs = proofBlobs(leaves);
      this.db.transaction(() => {
        for (const [i, blob] of blobs.entries()) this.#put.run(key, i, blob);
      })();
    });
  }

  proof(root: Hex, index: number): Promise<Hex[] | null> {
    return this.#txs.exclusive(() => {
      const row = this.#get.get(root.toLowerCase(), index) as { proof: Buffer } | undefined;
      return row ? blobToProof(row.proof) : null;
    });
  }
}
