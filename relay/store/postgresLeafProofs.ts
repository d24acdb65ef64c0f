import type { Hex } from "viem";
import { blobToProof, type LeafProofs, proofBlobs } from "./leafProofs.js";
import type { PostgresTransactions } from "./postgresTransactions.js";

/**
 * {@link LeafProofs} in PostgreSQL (table `leaf_proofs`, migration 2). Two instances recording the same root
 * at once both compute it; `ON CONFLICT DO NOTHING` keeps the first, and the proofs are the same anyway.
 */
export class PostgresLeafProofs implements LeafProofs {
  constructor(private readonly txs: PostgresTransactions) {}

  async record(root: Hex, leaves: readonly Hex[]): Promise<void> {
    const key = root.toLowerCase();
    if (leaves.length === 0) return;
    const has = await this.txs.query("SELECT 1 FROM leaf_proofs WHERE root = $1 LIMIT 1", [key]);
    if ((has.rowCount ?? 0) > 0) return;
    const blobs = proofBlobs(leaves);
    // all of a root's rows or none (a root with some rows counts as recorded); one statement per 1,000
    // leaves: unnest the arrays, no parameter per row
    await this.txs.transaction(async () => {
      for (let from = 0; from < blobs.length; from += 1_000) {
        const chunk = blobs.slice(from, from + 1_000);
        await this.txs.query(
          `INSERT INTO leaf_proofs (root, leaf_index, proof)
             SELECT $1, i, p FROM unnest($2::int[], $3::bytea[]) AS t(i, p) ON CONFLICT DO NOTHING`,
          [key, chunk.map((_, i) => from + i), chunk],
        );
      }
    });
  }

  async proof(root: Hex, index: number): Promise<Hex[] | null> {
    const r = await this.txs.query<{ proof: Buffer }>(
      "SELECT proof FROM leaf_proofs WHERE root = $1 AND leaf_index = $2",
      [root.toLowerCase(), index],
    );
    return r.rows[0] ? blobToProof(r.rows[0].proof) : null;
  }
}
