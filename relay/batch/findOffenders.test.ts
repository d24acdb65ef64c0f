import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import type { RelayContext } from "../relayContext.js";
import { openSqliteStore } from "../store/sqliteStore.js";
import { findOffenders, type SettleSimulation } from "./findOffenders.js";
import type { SettlePlan } from "./settlePlanner.js";

// Issue 14 (the 50-kill chaos run): a settle the builder refused as a whole, not a revert of the settle (the
// operator nonce read at the step's start gone stale: "nonce too low"; or no builder answering), was
// bisected like a revert without data. Every subset failed the same way, so the bisect "found" an innocent
// order and dropped it SETTLE_REVERTED. Such a simulation must blame nobody and simulate nothing more.
const dir = mkdtempSync(join(tmpdir(), "veil-find-offenders-"));
const store = openSqliteStore(dir);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("findOffenders", () => {
  it("should blame no order, and run no bisect, for a settle the builder did not run", async () => {
    const batch = await store.createBatch();
    const ctx = { store, logger: pino({ level: "silent" }) } as unknown as RelayContext;
    const tradeIds = [`0x${"a1".repeat(32)}`, `0x${"b2".repeat(32)}`] as Hex[];
    const plan: SettlePlan = { batchId: batch.id, data: "0x", gas: 1n, tradeIds, pools: [], plannedAt: 1n };
    let trials = 0;
    const refused: SettleSimulation = {
      ok: false,
      revert: null,
      error: "err: nonce too low: address 0x7099, tx: 53 state: 56; txhash 0x9c2d",
      executed: false,
    };
    await findOffenders(ctx, batch, plan, refused, async () => {
      trials++;
      return refused;
    });
    expect(trials, "no subset simulated: nothing to bisect").toBe(0);
  });
});
