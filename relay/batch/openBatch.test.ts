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

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("OpenBatch", () => {
  it("should rotate a full batch to closing and tell its listeners, until they unsubscribe", () => {
    const open = new OpenBatch(store, 2);
    const first = open.currentId;
    let fulls = 0;
    const unsubscribe = open.onFull(() => {
      fulls++;
      // the listener runs after the rotation: the full batch is closing, a new one is open
      expect(store.getBatch(first)?.state).toBe("closing");
      expect(open.currentId).not.toBe(first);
    });
    expect(open.take(null)).toBe(first);
    expect(fulls).toBe(0);
    expect(open.take(null)).toBe(first);
    expect(fulls).toBe(1);
    expect(open.size).toBe(0);

    unsubscribe();
    const second = open.currentId;
    open.take(null);
    open.take(null);
    expect(fulls).toBe(1);
    expect(store.getBatch(second)?.state).toBe("closing");
  });

  it("should rotate without any listener (a batcher not started yet)", () => {
    const open = new OpenBatch(store, 1);
    const first = open.currentId;
    expect(open.take(5n)).toBe(first);
    expect(open.currentId).not.toBe(first);
    expect(open.minCommitBy).toBeNull();
  });
});
