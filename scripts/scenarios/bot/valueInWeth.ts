import type { Address } from "viem";
import { getAddress } from "viem";
import type { PoolReader } from "./poolReader.js";

/**
 * Values `amount` of `token` in WETH wei at the token/WETH pool's mid price (reserve ratio), so profits in
 * any token compare with gas paid in ETH. Returns null when there is no WETH pool for the token.
 */
export async function valueInWeth(
  pools: PoolReader,
  weth: Address,
  token: Address,
  amount: bigint,
): Promise<bigint | null> {
  if (getAddress(token) === getAddress(weth)) return amount;
  const r = await pools.reserves(token, weth);
  if (!r || r.reserveIn === 0n) return null;
  return (amount * r.reserveOut) / r.reserveIn;
}
