import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit } from "./groupCommit.js";
import { SqliteTransactions } from "./sqliteTransactions.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function openDb(wal = true) {
  const dir = mkdtempSync(join(tmpdir(), "veil-groupcommit-"));
  const db = new Database(join(dir, "t.sqlite"));
  if (wal) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  return db;
}

describe("GroupCommit", () => {
  it("should commit concurrent writes in shared transactions and flushes, each resolving with its result", async () => {
    const db = openDb();
    const gc = new GroupCommit(db, new SqliteTransactions(db));
    cleanups.push(() => gc.close());
    // the connection keeps its level (FULL) for every other writer
    expect(Number(db.pragma("synchronous", { simple: true }))).toBe(2);
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const ids = await Promise.all(
      Array.from({ length: 500 }, (_, i) => gc.run(async () => Number(insert.run(`v${i}`).lastInsertRowid))),
    );
    expect(new Set(ids).size).toBe(500);
    expect(Number(db.pragma("synchronous", { simple: true }))).toBe(2);
    expect(gc.stats.writes).toBe(500);
    expect(gc.stats.commits).toBeLessThan(500);
    expect(gc.stats.syncs).toBeGreaterThanOrEqual(1);
    expect(gc.stats.syncs).toBeLessThanOrEqual(gc.stats.commits);
    // visible to another connection once resolved
    const reader = new Database(db.name, { readonly: true });
    expect((reader.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(500);
    reader.close();
  });

  it("should keep committing across several flushes as writes keep arriving", async () => {
    const db = openDb();
    const gc = new GroupCommit(db, new SqliteTransactions(db));
    cleanups.push(() => gc.close());
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => gc.run(async () => insert.run(`r${round}-${i}`).changes)),
      );
    }
    expect(gc.stats.syncs).toBeGreaterThanOrEqual(5);
    expect((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(100);
  });

  it("should fail only the write that throws, and roll back only its changes", async () => {
    const db = openDb();
    const gc = new GroupCommit(db, new SqliteTransactions(db));
    cleanups.push(() => gc.close());
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const results = await Promise.allSettled([
      gc.run(async () => insert.run("a").changes),
      gc.run(async () => {
        insert.run("half-done");
        return insert.run("a").changes; // UNIQUE violation: the whole op must roll back
      }),
      gc.run(async () => insert.run("b").changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe("SQLITE_CONSTRAINT_UNIQUE");
    const rows = db.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[];
    expect(rows.map((r) => r.v)).toEqual(["a", "b"]);
  });

  it("should refuse a database that is not in WAL mode", () => {
    const db = openDb(false);
    expect(() => new GroupCommit(db, new SqliteTransactions(db))).toThrow(/journal_mode=WAL/);
  });
});
