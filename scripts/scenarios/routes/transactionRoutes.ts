import { type Hex, keccak256 } from "viem";
import type { ScenarioRuntime } from "../scenarioRuntime.js";
import type { PreparedTrade, RouteOutcome } from "./preparedTrade.js";
import { signVictimSwap } from "./victimSwapTx.js";

/** Blocks a plain transaction gets to land before the route reports it as not included. */
export const TX_MAX_BLOCKS = 6;

async function sendRaw(url: string, raw: Hex): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] }),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: { code: number; message: string } };
  if (!res.ok || body.error) {
    throw new Error(`eth_sendRawTransaction to ${url}: ${body.error?.message ?? `HTTP ${res.status}`}`);
  }
}

/**
 * Sends the victim's swap to `url` (the public node, or the relay's wallet RPC) and builds blocks until it
 * is mined. `waitMs` leaves a private-flow service time to (re)submit its bundle before each block.
 */
export async function runTransactionRoute(
  rt: ScenarioRuntime,
  t: PreparedTrade,
  url: string,
  waitMs = 0,
): Promise<RouteOutcome> {
  const raw = await signVictimSwap(rt, t);
  const hash = keccak256(raw);
  try {
    await sendRaw(url, raw);
  } catch (err) {
    return { status: "error", gasPaidWei: 0n, blocksToInclusion: null, note: (err as Error).message };
  }
  const start = await rt.client.getBlockNumber();
  for (let i = 0; i < TX_MAX_BLOCKS; i++) {
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    await rt.step();
    const receipt = await rt.client.getTransactionReceipt({ hash }).catch(() => null);
    if (!receipt) continue;
    const gasPaidWei = receipt.gasUsed * receipt.effectiveGasPrice;
    const blocksToInclusion = Number(receipt.blockNumber - start);
    return receipt.status === "success"
      ? { status: "ok", gasPaidWei, blocksToInclusion }
      : { status: "unfilled", gasPaidWei, blocksToInclusion, note: "swap reverted (amountOutMin not met)" };
  }
  return {
    status: "unfilled",
    gasPaidWei: 0n,
    blocksToInclusion: null,
    note: `not mined in ${TX_MAX_BLOCKS} blocks`,
  };
}
