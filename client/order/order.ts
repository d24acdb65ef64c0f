import { type Address, encodeAbiParameters, type Hex, hashTypedData, keccak256, toHex } from "viem";

/**
 * A Veil limit order: sell exactly `sellAmount` of `sellToken` (the signed `feeAmount` included) for at
 * least `minBuyAmount` of `buyToken` (fill-or-kill). Signed as EIP-712 typed data bound to the chain id and
 * the settlement contract. The settlement pulls `sellAmount`, keeps `feeAmount` for the operator and trades
 * the rest at the batch's clearing prices: `floor((sellAmount - feeAmount) * pSell / pBuy) >= minBuyAmount`.
 */
export type Order = {
  trader: Address;
  sellToken: Address;
  buyToken: Address;
  sellAmount: bigint;
  minBuyAmount: bigint;
  /** Permit2-style bitmap nonce: word = nonce >> 8, bit = nonce & 0xff. */
  nonce: bigint;
  /** Unix seconds after which the order may not settle. */
  validTo: bigint;
  /**
   * Last block in which the batch that executes this order may have been committed (the contract refuses a
   * trade from a batch with `commitBlock > commitBy`). A commit-mode client reveals only once the chain head
   * is past it, so no batch committed after the operator saw the order can ever take it.
   */
  commitBy: bigint;
  /**
   * The operator's fee in the sell token, base units (order v3, issue 17): signed, so the operator takes
   * exactly this and no more; it comes out of `sellAmount` and the limit holds on the rest. The relay refuses
   * an order whose fee is below what it needs (`INSUFFICIENT_FEE`; `GET /v1/quote` says how much).
   */
  feeAmount: bigint;
};

/** EIP-712 types of {@link Order}; must match `OrderLib.TYPE_HASH` in contracts/src. */
export const ORDER_TYPES = {
  Order: [
    { name: "trader", type: "address" },
    { name: "sellToken", type: "address" },
    { name: "buyToken", type: "address" },
    { name: "sellAmount", type: "uint256" },
    { name: "minBuyAmount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "validTo", type: "uint64" },
    { name: "commitBy", type: "uint64" },
    { name: "feeAmount", type: "uint256" },
  ],
} as const;

/** The EIP-712 domain every Veil signature is bound to. */
export function veilDomain(chainId: number, settlement: Address) {
  return { name: "Veil", version: "1", chainId, verifyingContract: settlement } as const;
}

/**
 * The EIP-712 digest of an order: what the trader signs and what the contract recovers from.
 * @example hashOrder(order, 31337, settlement)
 */
export function hashOrder(order: Order, chainId: number, settlement: Address): Hex {
  return hashTypedData({
    domain: veilDomain(chainId, settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
}

/**
 * The Merkle leaf committed for an order: `keccak256(abi.encode(orderDigest, salt))`. The random salt keeps
 * a committed leaf from being guessed by hashing likely orders.
 */
export function orderLeaf(orderDigest: Hex, salt: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [orderDigest, salt]));
}

/** A fresh 32-byte salt from the platform CSPRNG. */
export function randomSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}
