import { decodeErrorResult, type Hex } from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord } from "../store/store.js";
import { markUnfilled } from "./orderTransitions.js";
import type { SettlePlan } from "./settlePlanner.js";

/** Contract errors that name the trade at fault, and the unfilled reason they map to. */
const TRADE_ERRORS: Record<string, string> = {
  OrderExpired: "EXPIRED",
  InvalidSignature: "INVALID_SIGNATURE",
  LimitNotMet: "LIMIT_NOT_MET",
};

/**
 * After `settle` failed to simulate: if the revert names a trade (expired, bad signature, limit not met,
 * nonce used), that order ends unfilled (or failed, for a signature the contract refuses) at once. Other
 * causes (a balance or allowance withdrawn meanwhile, a pool that moved) need no decoding: the next plan
 * re-reads every trader's balance, allowance and nonce and the pool reserves, and drops what fails.
 */
export async function findOffenders(
  ctx: RelayContext,
  batch: BatchRecord,
  plan: SettlePlan,
  revert: string | null,
  error: string,
): Promise<void> {
  let name = "";
  let args: readonly unknown[] = [];
  if (revert && /^0x[0-9a-fA-F]{8,}$/.test(revert)) {
    try {
      const decoded = decodeErrorResult({ abi: veilSettlementAbi, data: revert as Hex });
      name = decoded.errorName;
      args = (decoded.args ?? []) as readonly unknown[];
    } catch {
      // Not one of ours (e.g. a token's own revert): handled by the on-chain re-check of the next plan.
    }
  }
  ctx.logger.warn({ batchId: batch.id, error, revert: name || revert }, "settle does not simulate");
  let offender: string | undefined;
  let reason: string | undefined;
  if (name in TRADE_ERRORS) {
    offender = plan.tradeIds[Number(args[0])];
    reason = TRADE_ERRORS[name];
  } else if (name === "NonceUsed") {
    const [trader, nonce] = args as [string, bigint];
    offender = plan.tradeIds.find((id) => {
      const o = ctx.store.getOrder(id);
      return o?.order?.trader.toLowerCase() === trader.toLowerCase() && o.order.nonce === nonce;
    });
    reason = "NONCE_USED";
  }
  const o = offender ? ctx.store.getOrder(offender as Hex) : null;
  if (!o || !reason) return;
  if (reason === "INVALID_SIGNATURE") {
    ctx.store.updateOrder(o.id, { state: "failed", error: "the contract refused the order's signature" });
    ctx.events.order({ id: o.id, state: "failed", batchId: o.batchId });
  } else {
    markUnfilled(ctx, o, reason);
  }
}
