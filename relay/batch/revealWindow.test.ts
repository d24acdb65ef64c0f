import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RelayContext } from "../relayContext.js";
import { openSqliteStore } from "../store/sqliteStore.js";
import type { BatchPatch } from "../store/store.js";
import { isRevealOpen, revealDeadline, settleMayStart } from "./revealWindow.js";

// The exact boundary blocks of the reveal window and of the settler's start (issue 20, mutants R5 / R21):
// one block either way lets a reveal in after the settler froze the batch, or sends a settle the contract
// refuses as too early (RevealDelayNotPassed) or that cuts the last reveal block.

const dir = mkdtempSync(join(tmpdir(), "veil-reveal-window-"));
const store = openSqliteStore(dir);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A batch record as the store returns it (so new record fields need no change here). */
async function batch(patch: BatchPatch) {
  const b = await store.createBatch();
  await store.updateBatch(b.id, patch);
  return (await store.getBatch(b.id))!;
}

/** The context fields the window reads, at head `block`. */
function at(
  block: bigint,
  window: { revealWindow: bigint; revealDelay: bigint; confirmations?: number },
): RelayContext {
  return { ...window, head: { block, timestamp: 0n, baseFee: 0n } } as RelayContext;
}

const W3_D2 = { revealWindow: 3n, revealDelay: 2n };

describe("reveal window", () => {
  it("should accept reveals through commitBlock + revealWindow - 1 and not one block later", async () => {
    const b = await batch({ state: "committed", commitBlock: 100n });
    expect(revealDeadline(at(100n, W3_D2), b)).toBe(102n);
    expect(isRevealOpen(at(100n, W3_D2), b)).toBe(true);
    expect(isRevealOpen(at(102n, W3_D2), b)).toBe(true);
    expect(isRevealOpen(at(103n, W3_D2), b)).toBe(false);
  });

  it("should start the settler at the deadline block, not one block before", async () => {
    const b = await batch({ state: "committed", commitBlock: 100n });
    expect(settleMayStart(at(101n, W3_D2), b)).toBe(false);
    expect(settleMayStart(at(102n, W3_D2), b)).toBe(true);
  });

  it("should wait for the contract's reveal delay when it is longer than the reveal window", async () => {
    // Settle lands in head + 1 at the earliest; the contract accepts it from commitBlock + revealDelay.
    const w = { revealWindow: 2n, revealDelay: 5n };
    const b = await batch({ state: "committed", commitBlock: 100n });
    expect(isRevealOpen(at(102n, w), b)).toBe(false);
    expect(settleMayStart(at(103n, w), b)).toBe(false);
    expect(settleMayStart(at(104n, w), b)).toBe(true);
  });

  it("should not send a settle, which shows the orders, before the commit has its confirmations", async () => {
    // Issue 14: with more confirmations than the reveal delay, the reveal delay alone would let the settle
    // out while a reorg could still take the commit away.
    const w = { revealWindow: 2n, revealDelay: 2n, confirmations: 4 };
    const b = await batch({ state: "committed", commitBlock: 100n });
    expect(settleMayStart(at(101n, w), b)).toBe(false);
    expect(settleMayStart(at(102n, w), b)).toBe(false);
    expect(settleMayStart(at(103n, w), b)).toBe(true);
    // At the devnet's 2 confirmations the commit is final exactly when the reveal delay lets the settle go.
    expect(settleMayStart(at(101n, { ...w, confirmations: 2 }), b)).toBe(true);
  });

  it("should keep reveals open revealWindow blocks past the largest commitBy of its commit-mode orders", async () => {
    const b = await batch({ state: "committed", commitBlock: 100n, revealAfter: 110n });
    expect(revealDeadline(at(100n, W3_D2), b)).toBe(113n);
    expect(isRevealOpen(at(113n, W3_D2), b)).toBe(true);
    expect(isRevealOpen(at(114n, W3_D2), b)).toBe(false);
    expect(settleMayStart(at(112n, W3_D2), b)).toBe(false);
    expect(settleMayStart(at(113n, W3_D2), b)).toBe(true);
  });

  it("should keep the commit-block deadline when the commit-mode orders' commitBy passed long before", async () => {
    const b = await batch({ state: "committed", commitBlock: 100n, revealAfter: 90n });
    expect(revealDeadline(at(100n, W3_D2), b)).toBe(102n);
    expect(isRevealOpen(at(102n, W3_D2), b)).toBe(true);
  });

  it("should close reveals once the settler started, and open nothing before the commit landed", async () => {
    const settling = await batch({ state: "settling", commitBlock: 100n });
    expect(isRevealOpen(at(101n, W3_D2), settling)).toBe(false);
    const committing = await batch({ state: "committing" });
    expect(revealDeadline(at(101n, W3_D2), committing)).toBeNull();
    expect(isRevealOpen(at(101n, W3_D2), committing)).toBe(false);
    expect(settleMayStart(at(10_000n, W3_D2), committing)).toBe(false);
    // Even a record marked committed without its commit block (never written so) opens nothing, at any head.
    const noBlock = await batch({ state: "committed" });
    expect(isRevealOpen(at(0n, W3_D2), noBlock)).toBe(false);
    expect(settleMayStart(at(0n, W3_D2), noBlock)).toBe(false);
  });
});
