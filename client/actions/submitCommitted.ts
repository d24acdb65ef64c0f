import type { VeilClientBase } from "../createVeilClient.js";
import { OrderStateError } from "../errors/inputErrors.js";
import { TimeoutError } from "../errors/transportErrors.js";
import { RelayMisbehaviorError } from "../errors/trustErrors.js";
import { commitmentTypedData } from "../order/offchainMessages.js";
import type { Order } from "../order/order.js";
import { revealDecision } from "../order/revealRule.js";
import { relayRequest } from "../relay/relayRequest.js";
import { acceptedOrderSchema, type OrderStatus, orderStateAnswerSchema } from "../relay/relaySchemas.js";
import { signedOrderToJson } from "../wire/orderWire.js";
import { requireSigner } from "./requireTrader.js";
import { signOrder } from "./signOrder.js";
import type { SubmittedOrder } from "./submitSealed.js";
import { type VerifyInclusionReturnType, verifyInclusion } from "./verifyInclusion.js";
import { verifyRelay } from "./verifyRelay.js";
import { DEFAULT_WAIT_TIMEOUT_MS, waitForOrderState } from "./waitForOrderState.js";

export type SubmitCommittedParameters = {
  order: Order;
  /** How long to wait for the batch root to land on chain. */
  timeoutMs?: number;
  onState?: (status: OrderStatus) => void;
};
export type SubmitCommittedReturnType = SubmittedOrder & { inclusion: VerifyInclusionReturnType };

/**
 * Commit mode: sends only the order's leaf (with a signed `Commitment` and the order's `commitBy` in
 * plaintext), waits until the relay commits the batch on chain, proves the leaf against the root read from
 * the contract, waits until the chain head is past the order's `commitBy`, and only then reveals the signed
 * order (order v2, {@link revealDecision}). The relay cannot see or act on the order before the batch is
 * fixed, and once it sees it no batch that could take the order can still be committed; if the proof does
 * not verify the order is never revealed.
 * @throws ProofMismatchError (nothing revealed) | RelayMisbehaviorError (batch committed after commitBy;
 *   nothing revealed) | TimeoutError | OrderStateError | RelayError
 * @example const { id, inclusion } = await submitCommitted(client, { order })
 */
export async function submitCommitted(
  client: VeilClientBase,
  { order, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, onState }: SubmitCommittedParameters,
): Promise<SubmitCommittedReturnType> {
  const { chainId, settlement, blockTimeMs } = await verifyRelay(client);
  const deadline = Date.now() + timeoutMs;
  const signed = await signOrder(client, { order });
  const signer = requireSigner(client, "submitCommitted");
  const trader = await signer.getAddress();
  const signature = await signer.signTypedData(commitmentTypedData(chainId, settlement, trader, signed.leaf));
  const accepted = await relayRequest(client.relayUrl, {
    method: "POST",
    path: "/v1/commitments",
    body: { leaf: signed.leaf, trader, signature, commitBy: order.commitBy.toString() },
    schema: acceptedOrderSchema,
  });
  const id = accepted.id;
  if (id !== signed.leaf.toLowerCase())
    throw new RelayMisbehaviorError({ reason: `commitment id ${id} is not the leaf ${signed.leaf}` });
  onState?.({ ...emptyStatus, id, state: accepted.state, batchId: accepted.batchId });

  const status = await waitForOrderState(client, {
    id,
    until: (s) => s.state !== "pending",
    timeoutMs,
    onState: (s) => s.state !== accepted.state && onState?.(s),
    what: "the batch commit of order",
  });
  if (status.state !== "committed")
    throw new OrderStateError({ id, state: status.state, wanted: "reveal", reason: status.reason });
  const inclusion = await verifyInclusion(client, { id, leaf: signed.leaf, status });
  // Order v2: reveal only once the head is past commitBy (a client-side rule: the relay is not trusted).
  const pollMs = Math.min(250, Math.max(25, Math.floor(blockTimeMs / 4)));
  for (;;) {
    const head = await client.publicClient.getBlockNumber({ cacheTime: 0 });
    const decision = revealDecision({ commitBy: order.commitBy, head, inclusion });
    if (decision.reveal) break;
    if (!decision.wait)
      throw new RelayMisbehaviorError({ reason: `not revealing ${id}: ${decision.reason}` });
    if (Date.now() > deadline)
      throw new TimeoutError({
        what: `the block after commitBy ${order.commitBy} for order ${id}`,
        timeoutMs,
      });
    await new Promise((r) => setTimeout(r, pollMs));
  }

  const revealed = await relayRequest(client.relayUrl, {
    method: "POST",
    path: "/v1/reveals",
    body: signedOrderToJson(signed),
    schema: orderStateAnswerSchema,
  });
  if (revealed.id !== id)
    throw new RelayMisbehaviorError({ reason: `reveal answered for ${revealed.id}, not ${id}` });
  return { ...signed, id, mode: "commit", batchId: accepted.batchId ?? null, inclusion };
}

const emptyStatus: Omit<OrderStatus, "id" | "state"> = { mode: "commit" };
