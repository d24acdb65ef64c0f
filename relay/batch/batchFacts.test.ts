import { describe, expect, it } from "vitest";
import type { BatchFields, BatchRecord } from "../store/store.js";
import { BatchInvariantError, committedFacts, frozenFacts } from "./batchFacts.js";

const ROOT = `0x${"11".repeat(32)}` as const;

const batch = (patch: Partial<BatchFields>): BatchRecord =>
  ({
    id: 7,
    state: "open",
    chainBatchId: null,
    root: null,
    leaves: null,
    commitBlock: null,
    commitDeadline: null,
    revealAfter: null,
    commitTxHash: null,
    commitBlockHash: null,
    settleTxHash: null,
    settleBlock: null,
    settleBlockHash: null,
    createdAt: 1,
    closedAt: null,
    settledAt: null,
    ...patch,
  }) as BatchRecord;

describe("batch facts per state", () => {
  it("should give a frozen batch's root and leaves, and a committed batch's chain id and block", () => {
    expect(frozenFacts(batch({ state: "committing", root: ROOT, leaves: [ROOT] }))).toEqual({
      root: ROOT,
      leaves: [ROOT],
    });
    expect(committedFacts(batch({ state: "settling", chainBatchId: 3n, commitBlock: 90n }))).toEqual({
      chainBatchId: 3n,
      commitBlock: 90n,
    });
  });

  it("should name the batch and what it lacks when a state's facts are missing", () => {
    expect(() => frozenFacts(batch({ state: "committing", root: ROOT }))).toThrow(BatchInvariantError);
    expect(() => committedFacts(batch({ state: "committed", chainBatchId: 3n }))).toThrow(
      "batch 7 is committed but has no on-chain batch id or commit block",
    );
  });
});
