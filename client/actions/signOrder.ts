import { type Hex, isAddressEqual } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { BaseError } from "../errors/baseError.js";
import { hashOrder, ORDER_TYPES, type Order, orderLeaf, randomSalt, veilDomain } from "../order/order.js";
import { requireSigner } from "./requireTrader.js";
import { verifyRelay } from "./verifyRelay.js";

export type SignOrderParameters = { order: Order; salt?: Hex };
/** A signed order with its salt, EIP-712 digest and Merkle leaf (= the relay's order id). */
export type SignOrderReturnType = { order: Order; signature: Hex; salt: Hex; digest: Hex; leaf: Hex };

/**
 * Signs an order as EIP-712 typed data under the verified relay's chain id and settlement contract, and draws
 * a fresh salt for its leaf. Verification of the relay runs first: nothing is signed for an unchecked domain.
 * @throws WrongChainError | WrongSettlementError | AccountRequiredError
 * @example const signed = await signOrder(client, { order })
 */
export async function signOrder(
  client: VeilClientBase,
  { order, salt = randomSalt() }: SignOrderParameters,
): Promise<SignOrderReturnType> {
  const signer = requireSigner(client, "signOrder");
  const trader = await signer.getAddress();
  if (!isAddressEqual(trader, order.trader))
    throw new BaseError(`Order trader ${order.trader} is not the signer ${trader}`, "TRADER_MISMATCH");
  const { chainId, settlement } = await verifyRelay(client);
  const signature = await signer.signTypedData({
    domain: veilDomain(chainId, settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  const digest = hashOrder(order, chainId, settlement);
  return { order, signature, salt, digest, leaf: orderLeaf(digest, salt) };
}
