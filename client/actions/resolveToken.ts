import { type Address, erc20Abi, getAddress, isAddress } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { UnknownTokenError } from "../errors/inputErrors.js";
import { RelayMisbehaviorError } from "../errors/trustErrors.js";
import { verifyRelay } from "./verifyRelay.js";

export type TokenInfo = { address: Address; symbol: string; decimals: number };
export type ResolveTokenParameters = { token: string };

/**
 * Turns a symbol ("USDC", case-insensitive) or an address into the token's address, symbol and decimals,
 * read on chain. Symbols come from the client's own `tokens` map first, then from the relay's `tokens` hint;
 * a relay-provided mapping is only accepted when the contract's on-chain `symbol()` agrees.
 * @throws UnknownTokenError
 * @example const usdc = await resolveToken(client, { token: "USDC" }) // { address, symbol: "USDC", decimals: 6 }
 */
export async function resolveToken(
  client: VeilClientBase,
  { token }: ResolveTokenParameters,
): Promise<TokenInfo> {
  let address: Address;
  let fromRelay = false;
  if (isAddress(token, { strict: false })) address = getAddress(token);
  else {
    const own = lookup(client.tokens, token);
    const info = own ? undefined : await verifyRelay(client);
    const relays = info ? lookup(info.tokens, token) : undefined;
    const found = own ?? relays;
    if (!found)
      throw new UnknownTokenError({
        token,
        known: [...Object.keys(client.tokens ?? {}), ...Object.keys(info?.tokens ?? {})],
      });
    address = getAddress(found);
    fromRelay = !own;
  }
  let symbol: string;
  let decimals: number;
  try {
    [symbol, decimals] = await Promise.all([
      client.publicClient.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
      client.publicClient.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
    ]);
  } catch {
    throw new UnknownTokenError({ token: `${token} (no ERC-20 at ${address} on this chain)` });
  }
  if (fromRelay && symbol.toLowerCase() !== token.toLowerCase())
    throw new RelayMisbehaviorError({
      reason: `the relay maps ${token} to ${address}, whose symbol() is ${symbol}`,
    });
  return { address, symbol, decimals };
}

function lookup(map: Record<string, string> | undefined, symbol: string): string | undefined {
  if (!map) return undefined;
  const key = Object.keys(map).find((k) => k.toLowerCase() === symbol.toLowerCase());
  return key === undefined ? undefined : map[key];
}
