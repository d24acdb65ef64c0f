/**
 * What one trial settle of a subset of a batch's trades showed: it would land (`pass`), it reverted and the
 * revert names one of the subset's orders (`named`, e.g. `InvalidSignature(i)`), or it failed without a
 * name (`fail`: empty revert data, out of gas, an error that names no trade).
 */
export type TrialOutcome<Id> =
  | { kind: "pass" }
  | { kind: "fail" }
  | { kind: "named"; id: Id; reason: string };

/** Where a bisection ended: the order to drop (and how it was found), or null when none could be isolated. */
export type Culprit<Id> = { id: Id; reason: string | null; trials: number } | null;

/**
 * Finds the order that makes a batch's settle fail without naming it (audit finding F3: a contract wallet
 * whose failure reverts with no data), by bisection over the trades: `trial(subset)` settles only `subset`
 * (re-solved, simulated, nothing sent), and the search follows the first half that still fails. `ids` must
 * be a set whose settle fails. About 2·log2(n) trials; a revert that names an order ends the search at once.
 * Returns null when no single order is to blame (each half alone settles: the failure needs both).
 * @example await bisectCulprit(plan.tradeIds, (ids) => simulateSubset(ids))
 */
export async function bisectCulprit<Id>(
  ids: readonly Id[],
  trial: (subset: Id[]) => Promise<TrialOutcome<Id>>,
): Promise<Culprit<Id>> {
  let suspects = [...ids];
  let trials = 0;
  while (suspects.length > 1) {
    const mid = Math.ceil(suspects.length / 2);
    const halves = [suspects.slice(0, mid), suspects.slice(mid)];
    let next: Id[] | null = null;
    for (const half of halves) {
      trials++;
      const out = await trial(half);
      if (out.kind === "named") return { id: out.id, reason: out.reason, trials };
      if (out.kind === "fail") {
        next = half;
        break;
      }
    }
    if (next === null) return null;
    suspects = next;
  }
  return suspects.length === 1 ? { id: suspects[0], reason: null, trials } : null;
}
