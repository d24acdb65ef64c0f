import type { Hex } from "viem";
import { FINAL_ORDER_STATES } from "../../../client/relay/relaySchemas.js";

/** The relay answered a scenario request with an error body ({ error: { code, message } }). */
export class RelayRequestError extends Error {
  override name = "RelayRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** The fields of `GET /v1/info` the scenarios use. */
export type RelayInfo = {
  chainId: number;
  settlement: Hex;
  eciesPublicKey: Hex;
  batchIntervalMs: number;
  maxValiditySeconds: number;
  revealDelayBlocks?: number;
  revealWindowBlocks?: number;
  blockTimeMs: number;
  minCommitLeadBlocks: number;
  maxCommitLeadBlocks: number;
};

/** The fields of `GET /v1/orders/:id` the scenarios use. */
export type RelayOrderStatus = {
  id: Hex;
  state: string;
  batchId?: string | number | null;
  chainBatchId: string | number | null;
  root: Hex | null;
  proof: Hex[] | null;
  fill: { sellAmount: string; buyAmount: string; txHash: Hex; blockNumber: string | number } | null;
  reason: string | null;
  error: string | null;
};

/** JSON request to the relay's REST API (the README's API section); 4xx bodies become RelayRequestError. */
export async function relayRequest<T>(
  relayUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${relayUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) {
    throw new RelayRequestError(
      res.status,
      json.error?.code ?? `HTTP_${res.status}`,
      json.error?.message ?? "",
    );
  }
  return json as T;
}

/** Final order states of the relay. */
export const FINAL_STATES: ReadonlySet<string> = new Set(FINAL_ORDER_STATES);
