import { type Address, getAddress, hashDomain, isAddressEqual } from "viem";
import { veilSettlementAbi } from "../abi/veilSettlementAbi.js";
import type { VeilClientBase } from "../createVeilClient.js";
import { RpcUnreachableError } from "../errors/transportErrors.js";
import { WrongChainError, WrongSettlementError } from "../errors/trustErrors.js";
import { veilDomain } from "../order/order.js";
import type { RelayInfo } from "../relay/relaySchemas.js";
import { getInfo } from "./getInfo.js";

export type VerifiedRelayInfo = RelayInfo & { settlement: Address };
export type VerifyRelayParameters = { refresh?: boolean };

/**
 * The relay's info, checked against the chain before anything is signed with it:
 * - the relay's `chainId` (and the configured `chain`, if any) equals the RPC node's `eth_chainId`;
 * - the relay's `settlement` equals the expected contract when one was configured;
 * - code exists at `settlement` and its `domainSeparator()` equals the EIP-712 domain the client signs under.
 * The result is memoised per client; pass `refresh: true` to re-check.
 * @throws WrongChainError | WrongSettlementError | RelayError | RelayUnreachableError | RpcUnreachableError
 * @example const info = await verifyRelay(client)
 */
export function verifyRelay(client: VeilClientBase, { refresh = false }: VerifyRelayParameters = {}) {
  if (refresh || !client.cache.verifiedInfo) {
    const pending = check(client);
    client.cache.verifiedInfo = pending;
    pending.catch(() => {
      if (client.cache.verifiedInfo === pending) client.cache.verifiedInfo = undefined;
    });
  }
  return client.cache.verifiedInfo;
}

async function check(client: VeilClientBase): Promise<VerifiedRelayInfo> {
  const info = await getInfo(client);
  const rpcChainId = await rpc(client, () => client.publicClient.getChainId());
  if (client.chain && client.chain.id !== rpcChainId)
    throw new WrongChainError({
      expected: rpcChainId,
      actual: client.chain.id,
      source: "the configured chain",
    });
  if (info.chainId !== rpcChainId)
    throw new WrongChainError({
      expected: rpcChainId,
      actual: info.chainId,
      source: `the relay ${client.relayUrl}`,
    });

  const settlement = getAddress(info.settlement);
  if (client.settlement && !isAddressEqual(client.settlement, settlement))
    throw new WrongSettlementError({ settlement, reason: `the expected settlement is ${client.settlement}` });
  const code = await rpc(client, () => client.publicClient.getCode({ address: settlement }));
  if (!code || code === "0x")
    throw new WrongSettlementError({ settlement, reason: "no contract code at that address" });
  let onChain: string;
  try {
    onChain = await client.publicClient.readContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "domainSeparator",
    });
  } catch (cause) {
    throw new WrongSettlementError({
      settlement,
      reason: `domainSeparator() call failed (${(cause as Error).message.split("\n")[0]})`,
    });
  }
  const expected = hashDomain({
    domain: { ...veilDomain(rpcChainId, settlement), chainId: BigInt(rpcChainId) },
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
    },
  });
  if (onChain.toLowerCase() !== expected.toLowerCase())
    throw new WrongSettlementError({
      settlement,
      reason: `domainSeparator() is ${onChain}, expected ${expected}`,
    });
  return { ...info, settlement };
}

async function rpc<T>(client: VeilClientBase, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (cause) {
    throw new RpcUnreachableError({ url: rpcUrlOf(client), cause });
  }
}

function rpcUrlOf(client: VeilClientBase): string {
  const t = client.publicClient.transport as { url?: string };
  return t.url ?? client.chain?.rpcUrls.default.http[0] ?? "(custom transport)";
}
