import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqliteStore.js";
import type { Store } from "../store/store.js";
import { OpenBatch } from "./openBatch.js";

// The open batch on a real SQLite store: it signals "full" to its listeners (the running batcher), which
// subscribe after it is built, so the relay composes open batch, context and batcher with no cycle.

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "veil-open-batch-"));
  store = openSqliteStore(dir);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("OpenBatch", () => {
  it("should rotate a full batch to closing and tell its listeners, until they unsubscribe", async () => {
    const open = await OpenBatch.open(store, 2);
    const first = open.currentId;
    let fulls = 0;
    const unsubscribe = open.onFull(async () => {
      fulls++;
      // the listener runs after the rotation: the full batch is closing, a new one is open
      expect((await store.getBatch(first))?.state).toBe("closing");
      expect(open.currentId).not.toBe(first);
    });
    expect(await open.take(null)).toBe(first);
    expect(fulls).toBe(0);
    expect(await open.take(null)).toBe(first);
    expect(fulls).toBe(1);
    expect(open.size).toBe(0);

    unsubscribe();
    const second = open.currentId;
    await open.take(null);
    await open.take(null);
    expect(fulls).toBe(1);
    expect((await store.getBatch(second))?.state).toBe("closing");
  });

  it("should rotate without any listener (a batcher not started yet)", async () => {
    const open = await OpenBatch.open(store, 1);
    const first = open.currentId;
    expect(await open.take(5n)).toBe(first);
    expect(open.currentId).not.toBe(first);
    expect(open.minCommitBy).toBeNull();
  });
});
