import { Counter, Gauge } from "prom-client";
import type { Hex } from "viem";
import type { BatchEvent } from "../events/relayEvents.js";
import type { RelayContext } from "../relayContext.js";
import { feeQuoterOf } from "./feeQuoter.js";

/** One settled batch's economics, in wei: what its orders paid, what the operator's txs cost, the difference. */
export type BatchEconomics = {
  batchId: number;
  fills: number;
  feesWei: bigint;
  gasWei: bigint;
  marginWei: bigint;
};

/**
 * Records what each settled batch earned and cost the operator (issue 17): the signed fees of its filled
 * orders, valued in wei at the pools' spot price when the settle is seen, against the gas its commit and
 * settle transactions paid (receipts: gas used x effective gas price). Prometheus: `veil_fees_collected_wei_total`,
 * `veil_operator_gas_spent_wei_total`, `veil_batch_margin_wei` (the last batch),
 * `veil_operator_margin_wei` (running total) and `veil_batches_accounted_total`, plus one log line per batch. Why: an operator has to see
 * whether fees cover gas before the ETH is gone. Fees go to the contract's fee recipient, gas is paid by the
 * operator key: the margin says whether the one refills the other. Failures to read a receipt or price are
 * logged and skip that batch (metrics are best effort; nothing waits on them).
 * @returns the unsubscribe function
 */
export function watchBatchEconomics(ctx: RelayContext, onBatch?: (e: BatchEconomics) => void): () => void {
  const registers = [ctx.metrics.registry];
  const fees = new Counter({
    name: "veil_fees_collected_wei_total",
    help: "Signed fees of filled orders, valued in wei at spot when their batch settled",
    registers,
  });
  const gas = new Counter({
    name: "veil_operator_gas_spent_wei_total",
    help: "Gas the operator paid for settled batches' commit and settle transactions, in wei",
    registers,
  });
  const lastMargin = new Gauge({
    name: "veil_batch_margin_wei",
    help: "Fees minus operator gas of the last settled batch, in wei",
    registers,
  });
  const totalMargin = new Gauge({
    name: "veil_operator_margin_wei",
    help: "Fees minus operator gas over every settled batch since start, in wei",
    registers,
  });
  const accounted = new Counter({
    name: "veil_batches_accounted_total",
    help: "Settled batches whose fees and gas were recorded in the metrics above",
    registers,
  });
  let running = 0n;
  const seen = new Set<number>();

  const account = async (batchId: number): Promise<void> => {
    const batch = await ctx.store.getBatch(batchId);
    if (!batch?.settleTxHash) return;
    const paid = (await ctx.store.ordersInBatch(batchId)).filter(
      (o) => o.state === "filled" && o.order && o.order.feeAmount > 0n,
    );
    const fills = paid.length;
    const feesWei = await feeQuoterOf(ctx).feesValueWei(paid.map((o) => o.order));
    let gasWei = 0n;
    for (const hash of [batch.commitTxHash, batch.settleTxHash] as (Hex | null)[]) {
      if (!hash) continue;
      const r = await ctx.chain.receipt(hash);
      if (r) gasWei += r.gasUsed * r.effectiveGasPrice;
    }
    const marginWei = feesWei - gasWei;
    running += marginWei;
    fees.inc(Number(feesWei));
    gas.inc(Number(gasWei));
    lastMargin.set(Number(marginWei));
    totalMargin.set(Number(running));
    accounted.inc();
    const e = { batchId, fills, feesWei, gasWei, marginWei };
    ctx.logger.info(
      { batchId, fills, feesWei: `${feesWei}`, gasWei: `${gasWei}`, marginWei: `${marginWei}` },
      "batch economics",
    );
    onBatch?.(e);
  };

  return ctx.events.subscribe((kind, data) => {
    if (kind !== "batch") return;
    const { id, state } = data as BatchEvent;
    if (state !== "settled" || seen.has(id)) return;
    seen.add(id);
    setImmediate(() => {
      account(id).catch((err: unknown) =>
        ctx.logger.warn({ err, batchId: id }, "batch economics not recorded"),
      );
    });
  });
}
