import { hexToBigInt, toHex } from "viem";
import { veilSettlementAbi } from "../abi/veilSettlementAbi.js";
import type { VeilClientBase } from "../createVeilClient.js";
import { requireTrader } from "./requireTrader.js";
import { verifyRelay } from "./verifyRelay.js";

export type SelectNonceParameters = {
  /**
   * `random` (default): a random 256-bit nonce; collisions are negligible and need no chain read.
   * `next`: the lowest bit of the lowest word that is unused on chain and not handed out by this client yet
   * (keeps nonces in one word, so one `invalidateNonces` call can cancel many orders).
   */
  mode?: "random" | "next";
};

/**
 * Picks a Permit2-style bitmap nonce for a new order (word = nonce >> 8, bit = nonce & 0xff).
 * @example const nonce = await selectNonce(client, { mode: "next" })
 */
export async function selectNonce(client: VeilClientBase, { mode = "random" }: SelectNonceParameters = {}) {
  if (mode === "random") return hexToBigInt(toHex(crypto.getRandomValues(new Uint8Array(32))));
  const trader = await requireTrader(client, "selectNonce");
  const { settlement } = await verifyRelay(client);
  const handedOut = nonceCache.get(client) ?? new Set<bigint>();
  nonceCache.set(client, handedOut);
  for (let word = 0n; word < 1n << 248n; word++) {
    const bitmap = await client.publicClient.readContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "nonceBitmap",
      args: [trader, word],
    });
    for (let bit = 0n; bit < 256n; bit++) {
      const nonce = (word << 8n) | bit;
      if ((bitmap >> bit) & 1n || handedOut.has(nonce)) continue;
      handedOut.add(nonce);
      return nonce;
    }
  }
  throw new RangeError("no unused nonce left");
}

/** Nonces handed out per client and not yet visible on chain (orders still pending at the relay). */
const nonceCache = new WeakMap<VeilClientBase, Set<bigint>>();
