import { relayRequest } from "../../client/relay/relayRequest.js";
import { type RelayInfo, relayInfoSchema } from "../../client/relay/relaySchemas.js";
import type { RouteName, ScenarioDevnet } from "./scenario.js";

/** Which routes can run on this devnet: null = available, else the reason (reported, never faked). */
export type RouteAvailability = { unavailable: Record<RouteName, string | null>; info: RelayInfo | null };

/**
 * Probes the relay's REST API (`GET /v1/info`) and wallet RPC (`POST /rpc eth_chainId`) once, so a missing
 * service shows as "unavailable" in the report instead of as a loss.
 */
export async function checkRouteAvailability(devnet: ScenarioDevnet): Promise<RouteAvailability> {
  const unavailable: Record<RouteName, string | null> = {
    baseline: null,
    public: null,
    rpc: null,
    sealed: null,
    commit: null,
  };
  const relayUrl = devnet.relayUrl;
  if (!relayUrl) {
    for (const r of ["rpc", "sealed", "commit"] as const) unavailable[r] = "devnet has no relay";
    return { unavailable, info: null };
  }
  let info: RelayInfo | null = null;
  try {
    info = await relayRequest(relayUrl, { path: "/v1/info", schema: relayInfoSchema });
  } catch (err) {
    info = null;
    unavailable.sealed = unavailable.commit = `relay REST API not available: ${(err as Error).message}`;
  }
  try {
    const res = await fetch(`${relayUrl}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const body = (await res.json()) as { result?: string };
    if (!res.ok || body.result === undefined || Number(body.result) !== devnet.chainId) {
      throw new Error(`HTTP ${res.status}, result ${body.result}`);
    }
  } catch (err) {
    unavailable.rpc = `relay wallet RPC not available: ${(err as Error).message}`;
  }
  return { unavailable, info };
}
