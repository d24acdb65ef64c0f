import type { VeilClientBase } from "../createVeilClient.js";
import { relayRequest } from "../relay/relayRequest.js";
import { type RelayInfo, relayInfoSchema } from "../relay/relaySchemas.js";

export type GetInfoReturnType = RelayInfo;

/**
 * Reads the relay's `GET /v1/info` as the relay states it, unverified. Actions that sign call
 * {@link verifyRelay} instead, which checks these claims against the chain.
 * @returns chain id, settlement address, ECIES public key, batch and reveal timing, optional token map.
 * @example const info = await getInfo(client)
 */
export function getInfo(client: VeilClientBase): Promise<GetInfoReturnType> {
  return relayRequest(client.relayUrl, { path: "/v1/info", schema: relayInfoSchema });
}
