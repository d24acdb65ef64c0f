/**
 * Order v2's reveal rule for commit mode, as a pure check: a client reveals its order only when
 * 1. its leaf is proven in a batch root read from the chain (`inclusion`), and that batch was committed no
 *    later than the order's `commitBy` (otherwise the contract refuses the order in it: revealing would only
 *    show the order to the operator for nothing), and
 * 2. the chain head is past `commitBy`: from then on no batch can be committed that the contract would let
 *    take this order, so an operator who sees it cannot leave it out and re-commit it later beside an order
 *    of its own written after seeing it (audit finding F1).
 */
export type RevealDecision =
  | { reveal: true }
  | { reveal: false; wait: true; reason: string }
  | { reveal: false; wait: false; reason: string };

export type RevealRuleInput = {
  /** The order's signed `commitBy`. */
  commitBy: bigint;
  /** The chain head the client read. */
  head: bigint;
  /** The proven inclusion (null: not proven yet) with the batch's on-chain commit block. */
  inclusion: { commitBlock: bigint } | null;
};

/**
 * Decides whether a commit-mode client may reveal now; `wait: true` means "not yet, check again next block",
 * `wait: false` means "never for this batch".
 * @example revealDecision({ commitBy: 100n, head: 101n, inclusion: { commitBlock: 98n } }) // { reveal: true }
 */
export function revealDecision({ commitBy, head, inclusion }: RevealRuleInput): RevealDecision {
  if (inclusion === null)
    return { reveal: false, wait: false, reason: "the leaf is not proven in an on-chain batch root" };
  if (inclusion.commitBlock > commitBy)
    return {
      reveal: false,
      wait: false,
      reason: `the batch was committed in block ${inclusion.commitBlock}, after the order's commitBy ${commitBy}`,
    };
  if (head <= commitBy)
    return { reveal: false, wait: true, reason: `head ${head} is not past commitBy ${commitBy} yet` };
  return { reveal: true };
}
