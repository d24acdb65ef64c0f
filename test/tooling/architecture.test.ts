import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/devnet/binaries.js";

// The layout's rules, read from the source tree (no process started): scripts -> relay -> client, nothing
// pointing back up; the relay's SQLite handle stays in relay/store; ABI calls keep viem's inferred types.
// Each rule is checked on the files as they are, so a new file that breaks one fails here, named.

/** Non-test TypeScript files under `dir` (repo-relative, `/`-separated), build output left out. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.(test|d)\.[mc]?[tj]s$/.test(entry.name))
        out.push(relative(REPO_ROOT, path).split("\\").join("/"));
    }
  };
  walk(join(REPO_ROOT, dir));
  return out.sort();
}

const read = (file: string) => readFileSync(join(REPO_ROOT, file), "utf8");

/** A file's code without its comments (a doc comment's example is not a call). */
const code = (file: string) =>
  read(file)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:])\/\/.*$/gm, "$1");

/** Store calls that change an order's or a batch's state (or a column the state rests on), and the misses. */
const STATE_WRITE =
  /\.(insertOrder|updateOrder|updateOrderIf|createBatch|updateBatch|updateBatchIf|addMiss|removeMiss)\s*\(|\b(UPDATE\s+(orders|batches)|INSERT\s+(OR\s+\w+\s+)?INTO\s+(orders|batches)|DELETE\s+FROM\s+(orders|batches))\b/i;

/** The repo-relative files `file` imports by relative path (static, side-effect and dynamic imports). */
function relativeImports(file: string): string[] {
  const specifiers = [...read(file).matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)];
  return specifiers.map((m) =>
    relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), m[1]))
      .split("\\")
      .join("/"),
  );
}

/** `file -> imported` for every import of `fromDir`'s files that lands in one of `forbidden` folders. */
function importsInto(fromDir: string, forbidden: readonly string[]): string[] {
  return sourceFiles(fromDir).flatMap((file) =>
    relativeImports(file)
      .filter((target) => forbidden.some((dir) => target === dir || target.startsWith(`${dir}/`)))
      .map((target) => `${file} -> ${target}`),
  );
}

describe("architecture", () => {
  it("should see the imports it checks (scripts/ importing relay/ is allowed and found)", () => {
    expect(relativeImports("scripts/scenarios/prng.ts")).toContain("relay/solver/solverFixtures.js");
    expect(importsInto("scripts", ["relay"]).length).toBeGreaterThan(0);
  });

  it("should never import scripts/ from relay/", () => {
    expect(importsInto("relay", ["scripts"])).toEqual([]);
  });

  it("should never import relay/ or scripts/ from client/ (the published package stands alone)", () => {
    expect(importsInto("client", ["relay", "scripts"])).toEqual([]);
  });

  it("should keep the relay's raw SQLite handle inside relay/store (no `.db` and no better-sqlite3 elsewhere)", () => {
    // The wallet RPC's private txs, retention, Merkle proofs and the intake's group commit are Store members.
    const outside = ["relay", "scripts", "client"]
      .flatMap(sourceFiles)
      .filter((file) => !file.startsWith("relay/store/"));
    expect(outside.filter((file) => /\.db\b/.test(read(file)))).toEqual([]);
    const sqliteImports = outside.filter(
      (file) => file.startsWith("relay/") && /from\s*["']better-sqlite3["']/.test(read(file)),
    );
    expect(sqliteImports).toEqual([]);
  });

  it("should change order and batch state only in relay/transitions (store calls and SQL alike)", () => {
    // One owner for state: every transition is a compare-and-set in one store transaction that emits its
    // events after the commit (relay/transitions); relay/store implements the writes and prunes history.
    const writers = ["relay", "scripts", "client"]
      .flatMap(sourceFiles)
      .filter((file) => !file.startsWith("relay/transitions/") && !file.startsWith("relay/store/"))
      .filter((file) => STATE_WRITE.test(code(file)));
    expect(writers).toEqual([]);
    // and every one is a compare-and-set: no unconditional update left in the relay's code
    const blind = sourceFiles("relay").filter((file) => /\.(updateOrder|updateBatch)\s*\(/.test(code(file)));
    expect(blind).toEqual([]);
    // the check sees what it looks for
    expect(
      sourceFiles("relay/transitions").filter((file) => STATE_WRITE.test(code(file))).length,
    ).toBeGreaterThan(3);
    expect(STATE_WRITE.test("db.prepare('UPDATE orders SET state = ?')")).toBe(true);
    expect(STATE_WRITE.test("ctx.store.updateOrder(o.id, { reason })")).toBe(true);
  });

  it("should read a batch's per-state facts through relay/batch/batchFacts.ts, never with a non-null assertion", () => {
    const BATCH_FIELD_ASSERTION =
      /\.(root|leaves|chainBatchId|commitBlock|commitBlockHash|commitTxHash|commitDeadline|revealAfter|settleTxHash|settleBlock|settleBlockHash|closedAt|settledAt)!/;
    expect(sourceFiles("relay").filter((file) => BATCH_FIELD_ASSERTION.test(code(file)))).toEqual([]);
    expect(BATCH_FIELD_ASSERTION.test("signer.commit(b.root!, b.leaves!.length)")).toBe(true);
  });

  it("should type ABI calls in relay/ from the ABI (no `as never` on an object with an `abi`)", () => {
    const casts = sourceFiles("relay").filter((file) => /\babi\s*:[^;]*?\}\s*as\s+never\b/s.test(read(file)));
    expect(casts).toEqual([]);
  });
});
