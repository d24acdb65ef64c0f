import type { VeilClientBase } from "../createVeilClient.js";
import { sealOrder } from "../envelope/sealedEnvelope.js";
import { RelayMisbehaviorError } from "../errors/trustErrors.js";
import type { Order } from "../order/order.js";
import { relayRequest } from "../relay/relayRequest.js";
import { acceptedOrderSchema } from "../relay/relaySchemas.js";
import { type SignOrderReturnType, signOrder } from "./signOrder.js";
import { verifyRelay } from "./verifyRelay.js";

export type SubmitSealedParameters = { order: Order };
/** A submitted order: the id (its leaf) plus everything needed to verify it later (order, salt, digest). */
export type SubmittedOrder = SignOrderReturnType & {
  id: `0x${string}`;
  mode: "sealed" | "commit";
  batchId: string | number | null;
};

/**
 * Signs an order and sends it sealed: ECIES-encrypted to the verified relay's public key (`POST /v1/orders`),
 * one round trip. The relay sees the order only after decrypting it, like a private RPC sees a transaction.
 * @throws RelayError (e.g. `INSUFFICIENT_ALLOWANCE`, `NONCE_USED`) | WrongChainError | WrongSettlementError
 * @example const { id } = await submitSealed(client, { order })
 */
export async function submitSealed(
  client: VeilClientBase,
  { order }: SubmitSealedParameters,
): Promise<SubmittedOrder> {
  const info = await verifyRelay(client);
  const signed = await signOrder(client, { order });
  const accepted = await relayRequest(client.relayUrl, {
    method: "POST",
    path: "/v1/orders",
    body: { ciphertext: sealOrder(info.eciesPublicKey, signed) },
    schema: acceptedOrderSchema,
  });
  if (accepted.id !== signed.leaf.toLowerCase())
    throw new RelayMisbehaviorError({
      reason: `order id ${accepted.id} is not the order's leaf ${signed.leaf}`,
    });
  return { ...signed, id: accepted.id, mode: "sealed", batchId: accepted.batchId ?? null };
}
