import { type Hex, isAddressEqual, parseEventLogs } from "viem";
import { veilSettlementAbi } from "../abi/veilSettlementAbi.js";
import type { VeilClientBase } from "../createVeilClient.js";
import { SettlementMismatchError } from "../errors/trustErrors.js";
import { hashOrder, type Order } from "../order/order.js";
import { FINAL_ORDER_STATES, type OrderState, type OrderStatus } from "../relay/relaySchemas.js";
import { verifyRelay } from "./verifyRelay.js";
import { DEFAULT_WAIT_TIMEOUT_MS, waitForOrderState } from "./waitForOrderState.js";

export type WaitForSettlementParameters = {
  id: Hex | string;
  /** The order as signed (from submitSealed / submitCommitted); otherwise the relay's copy is used. */
  order?: Order;
  timeoutMs?: number;
  onState?: (status: OrderStatus) => void;
};
export type WaitForSettlementReturnType = {
  id: Hex;
  state: Extract<OrderState, "filled" | "unfilled" | "failed" | "cancelled">;
  /** Unfilled / cancelled reason code (e.g. LIMIT_NOT_MET), or the failure message. */
  reason: string | null;
  /** Present when filled, as read from the settlement's `Trade` event (not the relay's claim). */
  fill: {
    sellAmount: bigint;
    buyAmount: bigint;
    txHash: Hex;
    blockNumber: bigint;
    chainBatchId: bigint;
  } | null;
};

/**
 * Waits until the order is final. For a fill it fetches the settlement receipt and requires a successful
 * transaction from the settlement contract with a `Trade` event for this trader and order digest whose
 * amounts match the relay's claim and honour the order's limit.
 * @throws TimeoutError | SettlementMismatchError | RelayError
 * @example const { state, fill } = await waitForSettlement(client, { id, order })
 */
export async function waitForSettlement(
  client: VeilClientBase,
  { id, order, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, onState }: WaitForSettlementParameters,
): Promise<WaitForSettlementReturnType> {
  const status = await waitForOrderState(client, {
    id,
    until: (s) => FINAL_ORDER_STATES.includes(s.state),
    timeoutMs,
    onState,
    what: "the settlement of order",
  });
  const state = status.state as WaitForSettlementReturnType["state"];
  const reason = status.reason ?? status.error ?? null;
  if (state !== "filled") return { id: status.id, state, reason, fill: null };

  const { chainId, settlement } = await verifyRelay(client);
  const claimed = status.fill;
  if (!claimed)
    throw new SettlementMismatchError({
      txHash: "(none)",
      reason: "the relay reports a fill without a transaction",
    });
  const fail = (why: string) => new SettlementMismatchError({ txHash: claimed.txHash, reason: why });
  const signed = order ?? status.order ?? undefined;
  if (!signed) throw fail("neither the caller nor the relay provided the order");
  const digest = hashOrder(signed, chainId, settlement);

  const receipt = await client.publicClient
    .getTransactionReceipt({ hash: claimed.txHash })
    .catch((cause: Error) => {
      throw fail(`no receipt on chain (${cause.message.split("\n")[0]})`);
    });
  if (receipt.status !== "success") throw fail("the transaction reverted");
  const trades = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "Trade" }).filter(
    (l) =>
      isAddressEqual(l.address, settlement) &&
      isAddressEqual(l.args.trader, signed.trader) &&
      l.args.orderDigest.toLowerCase() === digest.toLowerCase(),
  );
  if (trades.length !== 1)
    throw fail(`expected one Trade event for order digest ${digest}, found ${trades.length}`);
  // The digest matched above commits to both tokens (the Trade event no longer repeats them: gas).
  const t = trades[0].args;
  if (t.sellAmount !== signed.sellAmount)
    throw fail(`sold ${t.sellAmount}, the order sells ${signed.sellAmount}`);
  if (t.buyAmount < signed.minBuyAmount)
    throw fail(`bought ${t.buyAmount}, below the limit ${signed.minBuyAmount}`);
  if (t.sellAmount !== claimed.sellAmount || t.buyAmount !== claimed.buyAmount)
    throw fail(
      `the relay claims ${claimed.sellAmount} -> ${claimed.buyAmount}, the chain says ${t.sellAmount} -> ${t.buyAmount}`,
    );
  return {
    id: status.id,
    state,
    reason,
    fill: {
      sellAmount: t.sellAmount,
      buyAmount: t.buyAmount,
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      chainBatchId: t.batchId,
    },
  };
}
