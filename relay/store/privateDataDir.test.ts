import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqliteStore.js";

const root = mkdtempSync(join(tmpdir(), "veil-datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe("the store's data dir is private", () => {
  it("creates the dir 0700 and the SQLite files 0600, even with a permissive umask", async () => {
    const dir = join(root, "fresh", "nested");
    const old = process.umask(0o022);
    try {
      const store = openSqliteStore(dir);
      await store.transaction(() => store.createBatch()); // something in the WAL
      await store.close();
    } finally {
      process.umask(old);
    }
    expect(mode(dir)).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toContain("relay.sqlite");
    for (const f of files) expect(`${f}:${mode(join(dir, f)).toString(8)}`).toBe(`${f}:600`);
  });

  it("narrows an existing world-readable dir and db file", async () => {
    const dir = join(root, "existing");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await openSqliteStore(dir).close();
    chmodSync(join(dir, "relay.sqlite"), 0o644);
    await openSqliteStore(dir).close();
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "relay.sqlite"))).toBe(0o600);
  });
});
