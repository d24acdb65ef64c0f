import { describe, expect, it } from "vitest";
import { bisectCulprit, type TrialOutcome } from "./bisectCulprit.js";

/** A trial that fails (without a name) exactly when the subset contains `bad`. */
const failsWith =
  (bad: number) =>
  async (subset: number[]): Promise<TrialOutcome<number>> =>
    subset.includes(bad) ? { kind: "fail" } : { kind: "pass" };

describe("bisectCulprit", () => {
  it("should find the one order whose presence makes the settle fail, at any position, in ~2 log2 n trials", async () => {
    for (const n of [1, 2, 3, 7, 64, 100]) {
      for (const bad of [0, Math.floor(n / 2), n - 1]) {
        const ids = Array.from({ length: n }, (_, i) => i);
        const culprit = await bisectCulprit(ids, failsWith(bad));
        expect(culprit?.id).toBe(bad);
        expect(culprit!.trials).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(Math.max(n, 2))));
      }
    }
  });

  it("should stop at once when a trial's revert names an order", async () => {
    const culprit = await bisectCulprit([1, 2, 3, 4], async (subset) =>
      subset.includes(3) ? { kind: "named", id: 3, reason: "INVALID_SIGNATURE" } : { kind: "pass" },
    );
    expect(culprit).toEqual({ id: 3, reason: "INVALID_SIGNATURE", trials: 2 });
  });

  it("should blame nobody when the failure needs orders from both halves", async () => {
    const both = async (subset: number[]): Promise<TrialOutcome<number>> =>
      subset.includes(0) && subset.includes(3) ? { kind: "fail" } : { kind: "pass" };
    expect(await bisectCulprit([0, 1, 2, 3], both)).toBeNull();
  });
});
