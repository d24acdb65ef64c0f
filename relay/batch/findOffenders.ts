import { decodeErrorResult, type Hex } from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord, OrderRecord } from "../store/store.js";
import { dropOffender } from "../transitions/settleTransitions.js";
import { bisectCulprit, type TrialOutcome } from "./bisectCulprit.js";
import { type SettlePlan, solveSettle } from "./settlePlanner.js";

/** Contract errors that name the trade at fault (by its index, first argument), and the reason they map to. */
const TRADE_ERRORS: Record<string, string> = {
  OrderExpired: "EXPIRED",
  InvalidSignature: "INVALID_SIGNATURE",
  LimitNotMet: "LIMIT_NOT_MET",
  CommitDeadlinePassed: "COMMIT_DEADLINE_PASSED",
};

/**
 * Errors about the batch, the block or the operator, not about one order: bisecting the trades would find
 * nobody, so none is attempted (the next block re-plans, or the batch expires).
 */
const BATCH_ERRORS = new Set([
  "PoolTouchedThisBlock",
  "NotBatchOperator",
  "NotOperator",
  "BatchExpired",
  "BatchAlreadySettled",
  "RevealDelayNotPassed",
  "UnknownBatch",
  "Reentrancy",
  "InsufficientGasForWalletCall",
  // A residual swap got less than planned: the pool moved since the plan (another settle or trade). The next
  // block re-plans on fresh reserves; bisecting would blame whichever order's removal shrank the swap enough.
  "InsufficientOutput",
]);

/**
 * The outcome of one simulated settle: `revert` is the raw revert data when the node returned some.
 * `executed` is false when the builder refused the bundle as a whole instead of running the settle (its tx
 * invalid there: a stale operator nonce after blocks landed mid-step, no builder reachable): no order can be
 * to blame for that.
 */
export type SettleSimulation = { ok: boolean; revert: string | null; error: string; executed: boolean };

/** Simulates a settle plan as the next block's first transaction (the operator loop signs and simulates). */
export type SimulatePlan = (plan: SettlePlan) => Promise<SettleSimulation>;

type Blame = { id: Hex; reason: string };

/**
 * After `settle` failed to simulate, finds the order to blame and ends it, so the batch settles without it:
 * - a revert that names a trade (expired, bad signature, limit not met, commit deadline passed, nonce used,
 *   fee-on-transfer buy token) drops that order at once;
 * - a revert that names nobody (no data at all, e.g. a contract wallet that fails or runs the call out of
 *   gas: audit finding F3) is bisected over the plan's trades with simulated settles of subsets
 *   ({@link bisectCulprit}), and the order whose presence makes it fail is dropped (`failed`,
 *   `SETTLE_REVERTED`);
 * - batch-level errors ({@link BATCH_ERRORS}) and changed chain state need no search: the next plan re-reads
 *   balances, allowances, nonces and reserves;
 * - a settle the builder did not even run (`executed` false) blames nobody: bisecting it would fail every
 *   subset the same way and drop an innocent order (the chaos run: 25 orders `SETTLE_REVERTED` for an
 *   operator nonce that had gone stale while the step ran).
 */
export async function findOffenders(
  ctx: RelayContext,
  batch: BatchRecord,
  plan: SettlePlan,
  sim: SettleSimulation,
  simulate: SimulatePlan,
): Promise<void> {
  const decoded = decodeRevert(sim.revert);
  ctx.logger.warn(
    { batchId: batch.id, error: sim.error, revert: decoded?.name ?? sim.revert },
    "settle does not simulate",
  );
  if (!sim.executed) return;
  let blame = decoded ? await blameOf(ctx, plan.tradeIds, decoded) : null;
  if (!blame && !(decoded && BATCH_ERRORS.has(decoded.name)) && plan.tradeIds.length > 0) {
    blame = await bisect(ctx, batch, plan, simulate);
  }
  if (!blame) return;
  const error =
    blame.reason === "INVALID_SIGNATURE"
      ? "the contract refused the order's signature"
      : blame.reason === "FEE_ON_TRANSFER"
        ? "the buy token delivers less than sent (fee on transfer); the contract refuses it"
        : blame.reason === "SETTLE_REVERTED"
          ? "the batch's settle reverts (without a reason) whenever this order is in it; found by bisecting its trades"
          : null; // the rest end unfilled with the reason
  if (!(await dropOffender(ctx, blame.id, blame.reason, error))) return;
  ctx.logger.warn(
    { batchId: batch.id, order: blame.id, reason: blame.reason },
    "order dropped from its batch's settle",
  );
}

function decodeRevert(revert: string | null): { name: string; args: readonly unknown[] } | null {
  if (!revert || !/^0x[0-9a-fA-F]{8,}$/.test(revert)) return null;
  try {
    const d = decodeErrorResult({ abi: veilSettlementAbi, data: revert as Hex });
    return { name: d.errorName, args: (d.args ?? []) as readonly unknown[] };
  } catch {
    return null; // not one of ours (e.g. a token's own revert): bisected like an empty revert
  }
}

/** The order a decoded contract error names among `tradeIds` (the plan's trades, by index). */
async function blameOf(
  ctx: RelayContext,
  tradeIds: Hex[],
  e: { name: string; args: readonly unknown[] },
): Promise<Blame | null> {
  if (e.name in TRADE_ERRORS) {
    const id = tradeIds[Number(e.args[0])];
    return id ? { id, reason: TRADE_ERRORS[e.name] } : null;
  }
  if (e.name === "FeeOnTransferBuyToken") {
    const id = tradeIds[Number(e.args[1])];
    return id ? { id, reason: "FEE_ON_TRANSFER" } : null;
  }
  if (e.name === "NonceUsed") {
    const [trader, nonce] = e.args as [string, bigint];
    for (const t of tradeIds) {
      const o = await ctx.store.getOrder(t);
      if (o?.order?.trader.toLowerCase() === trader.toLowerCase() && o.order.nonce === nonce)
        return { id: t, reason: "NONCE_USED" };
    }
    return null;
  }
  return null;
}

/** F3: re-solves and simulates halves of the plan's trades until one order is isolated. */
async function bisect(
  ctx: RelayContext,
  batch: BatchRecord,
  plan: SettlePlan,
  simulate: SimulatePlan,
): Promise<Blame | null> {
  const trial = async (subset: Hex[]): Promise<TrialOutcome<Hex>> => {
    const orders = (await Promise.all(subset.map((id) => ctx.store.getOrder(id)))).filter(
      (o): o is OrderRecord => o?.order != null,
    );
    const { plan: sub } = await solveSettle(ctx, batch, orders);
    if (!sub) return { kind: "pass" }; // nothing of this subset trades alone: no evidence against it
    const res = await simulate(sub);
    if (res.ok || !res.executed) return { kind: "pass" }; // not run at all: no evidence against the subset
    const d = decodeRevert(res.revert);
    const named = d ? await blameOf(ctx, sub.tradeIds, d) : null;
    if (named) return { kind: "named", id: named.id, reason: named.reason };
    return d && BATCH_ERRORS.has(d.name) ? { kind: "pass" } : { kind: "fail" };
  };
  const culprit = await bisectCulprit(plan.tradeIds, trial);
  ctx.logger.warn(
    {
      batchId: batch.id,
      trades: plan.tradeIds.length,
      trials: culprit?.trials ?? null,
      culprit: culprit?.id ?? null,
    },
    culprit
      ? "bisected the settle's trades: found the order that makes it fail"
      : "bisecting the settle found no single culprit",
  );
  return culprit ? { id: culprit.id, reason: culprit.reason ?? "SETTLE_REVERTED" } : null;
}
