import type { Hex } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { cancelTypedData } from "../order/offchainMessages.js";
import { relayRequest } from "../relay/relayRequest.js";
import { orderStateAnswerSchema } from "../relay/relaySchemas.js";
import { requireSigner } from "./requireTrader.js";
import { verifyRelay } from "./verifyRelay.js";

export type CancelParameters = { id: Hex };
export type CancelReturnType = { id: Hex; state: "cancelled" };

/**
 * Cancels an order at the relay with a signed `Cancel(trader, orderId)` message (`DELETE /v1/orders/:id`).
 * Works while the order's batch is still open; after that the relay answers `CANCEL_TOO_LATE` and only
 * {@link cancelOnChain} can still stop the order.
 * @throws RelayError (`CANCEL_TOO_LATE`, `NOT_FOUND`, `NOT_AUTHORIZED`)
 * @example await cancel(client, { id })
 */
export async function cancel(client: VeilClientBase, { id }: CancelParameters): Promise<CancelReturnType> {
  const { chainId, settlement } = await verifyRelay(client);
  const signer = requireSigner(client, "cancel");
  const trader = await signer.getAddress();
  const orderId = id.toLowerCase() as Hex;
  const signature = await signer.signTypedData(cancelTypedData(chainId, settlement, trader, orderId));
  const res = await relayRequest(client.relayUrl, {
    method: "DELETE",
    path: `/v1/orders/${orderId}`,
    body: { signature },
    schema: orderStateAnswerSchema,
  });
  return { id: res.id, state: "cancelled" };
}
