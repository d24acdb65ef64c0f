import type { Address, Hex } from "viem";
import type { Order } from "../../client/order/order.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import type { ChainReader } from "../chain/chainReader.js";
import type { PoolRegistry } from "../chain/poolRegistry.js";
import { RelayError } from "../errors/relayError.js";
import type { ContractSignatureCheck } from "./contractSignatureCheck.js";
import { hashAndRecover, type OpenedOrder } from "./openSealedOrder.js";

/** What order validation needs to know about the relay. */
export type OrderRules = {
  chainId: number;
  settlement: Address;
  hashOrder: (order: Order) => Hex;
  pools: PoolRegistry;
  maxValiditySeconds: number;
  chain: ChainReader;
  /** EIP-1271 checks cached and budgeted per client; without it, `chain` is asked every time. */
  contractSignatures?: ContractSignatureCheck;
  nowSeconds?: () => bigint;
};

/** A signed order that passed every off-chain check, with its digest and leaf (= order id). */
export type ValidatedOrder = SignedOrder & { digest: Hex; leaf: Hex };

/** Field checks that need neither crypto nor the chain; each rejection has its own code. */
export function checkOrderFields(order: Order, rules: OrderRules): void {
  const now = rules.nowSeconds?.() ?? BigInt(Math.floor(Date.now() / 1000));
  if (order.sellToken === order.buyToken)
    throw new RelayError("SAME_TOKEN", "sellToken and buyToken must be different tokens");
  if (order.sellAmount === 0n) throw new RelayError("ZERO_AMOUNT", "sellAmount must be greater than zero");
  if (order.feeAmount >= order.sellAmount)
    throw new RelayError(
      "FEE_EXCEEDS_SELL_AMOUNT",
      "feeAmount must be less than sellAmount: the fee comes out of the sell amount and the rest is traded",
      { details: { sellAmount: order.sellAmount.toString(), feeAmount: order.feeAmount.toString() } },
    );
  if (order.minBuyAmount === 0n)
    throw new RelayError("ZERO_AMOUNT", "minBuyAmount must be greater than zero (set the least you accept)");
  if (order.validTo <= now)
    throw new RelayError("ORDER_EXPIRED", `validTo ${order.validTo} is not in the future (now ${now})`);
  if (order.validTo > now + BigInt(rules.maxValiditySeconds))
    throw new RelayError(
      "VALIDITY_TOO_LONG",
      `validTo may be at most ${rules.maxValiditySeconds} seconds ahead; sign a shorter-lived order`,
      { details: { maxValiditySeconds: rules.maxValiditySeconds } },
    );
  if (!rules.pools.find(order.sellToken, order.buyToken))
    throw new RelayError(
      "UNKNOWN_PAIR",
      `the relay does not trade ${order.sellToken} against ${order.buyToken}`,
      {
        details: { tokens: rules.pools.tokens() },
      },
    );
}

/**
 * Full off-chain validation of a signed order: fields, then the EIP-712 signature against the relay's
 * chain id and settlement contract (native ECDSA recovery; EIP-1271 via eth_call for contract wallets).
 * A signature for another chain or contract recovers to some other address and fails here.
 * @example const v = await validateSignedOrder(signed, rules)
 */
export async function validateSignedOrder(signed: SignedOrder, rules: OrderRules): Promise<ValidatedOrder> {
  return validateOpenedOrder(hashAndRecover(signed, rules.hashOrder), rules);
}

/**
 * The rest of {@link validateSignedOrder} for an order whose digest, leaf and ECDSA signer were computed
 * already (by the intake worker pool): field checks, then the signer, falling back to EIP-1271 via eth_call
 * for contract wallets.
 * @example const v = await validateOpenedOrder(await pool.open(ciphertext), rules)
 */
export async function validateOpenedOrder(
  opened: OpenedOrder,
  rules: OrderRules,
  client?: string,
): Promise<ValidatedOrder> {
  const { signed, digest, signer } = opened;
  checkOrderFields(signed.order, rules);
  if (signer !== signed.order.trader) {
    const reason = opened.signerError ?? "signature does not recover to the order's trader";
    const { trader } = signed.order;
    const ok = await (rules.contractSignatures
      ? rules.contractSignatures.isValid(trader, digest, signed.signature, client)
      : rules.chain.isValidContractSignature(trader, digest, signed.signature)
    ).catch((err) => {
      if (err instanceof RelayError) throw err;
      throw new RelayError("UPSTREAM_UNAVAILABLE", "could not check an EIP-1271 signature; retry");
    });
    if (!ok)
      throw new RelayError(
        "INVALID_SIGNATURE",
        `${reason}; sign the Order typed data for chain ${rules.chainId} and settlement ${rules.settlement}`,
        { details: { chainId: rules.chainId, settlement: rules.settlement, recovered: signer } },
      );
  }
  return { ...signed, digest, leaf: opened.leaf };
}
