import type { Hex } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { relayRequest } from "../relay/relayRequest.js";
import { type OrderStatus, orderStatusSchema } from "../relay/relaySchemas.js";

export type GetOrderParameters = { id: Hex | string };
export type GetOrderReturnType = OrderStatus;

/**
 * The relay's view of one order (`GET /v1/orders/:id`): state, batch, Merkle proof once committed, fill once
 * settled. As stated by the relay; use {@link verifyInclusion} / {@link waitForSettlement} to check it.
 * @throws RelayError (`NOT_FOUND`) | RelayUnreachableError
 * @example const { state, fill } = await getOrder(client, { id })
 */
export function getOrder(client: VeilClientBase, { id }: GetOrderParameters): Promise<GetOrderReturnType> {
  return relayRequest(client.relayUrl, {
    path: `/v1/orders/${encodeURIComponent(id)}`,
    schema: orderStatusSchema,
  });
}
