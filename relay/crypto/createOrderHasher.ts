import { type Address, domainSeparator, type Hex, keccak256, toBytes } from "viem";
import { ORDER_TYPES, type Order, veilDomain } from "../../client/order/order.js";

/** `keccak256("Order(address trader,...,uint64 commitBy,uint256 feeAmount)")`, built from the one ORDER_TYPES definition. */
const ORDER_TYPE_STRING = `Order(${ORDER_TYPES.Order.map((f) => `${f.type} ${f.name}`).join(",")})`;
const ORDER_TYPE_HASH = keccak256(toBytes(ORDER_TYPE_STRING), "bytes");
const MAX_UINT256 = (1n << 256n) - 1n;
const ADDRESS_HEX = /^0x[0-9a-fA-F]{40}$/;

/**
 * Returns an EIP-712 order hasher bound to one domain, for the relay's intake hot path. It computes exactly
 * `hashOrder(order, chainId, settlement)` from client/order/order.ts (tested equal on random orders), but
 * caches the domain separator and encodes the fixed-size struct straight into one buffer: about 10x faster
 * than viem's generic `hashTypedData`, which re-validates and re-encodes the types and domain on every call.
 * The type string is derived from `ORDER_TYPES`, so the EIP-712 definition still lives in one place.
 *
 * @param chainId chain the signatures are bound to
 * @param settlement the settlement contract (EIP-712 `verifyingContract`)
 * @returns `(order) => digest` (0x-hex)
 * @throws RangeError from the hasher if a field does not fit its EIP-712 type (zod-validated orders never do)
 * @example const hash = createOrderHasher(31337, settlement); const digest = hash(order)
 */
export function createOrderHasher(chainId: number, settlement: Address): (order: Order) => Hex {
  const separator = toBytes(domainSeparator({ domain: veilDomain(chainId, settlement) }));
  const struct = Buffer.alloc(32 * 10);
  struct.set(ORDER_TYPE_HASH, 0);
  const envelope = Buffer.alloc(2 + 32 + 32);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  envelope.set(separator, 2);

  const putAddress = (slot: number, a: Address) => {
    if (typeof a !== "string" || !ADDRESS_HEX.test(a)) throw new RangeError(`not an address: ${a}`);
    struct.fill(0, slot * 32, slot * 32 + 12);
    struct.write(a.slice(2), slot * 32 + 12, 20, "hex");
  };
  const putUint = (slot: number, v: bigint, max: bigint) => {
    if (typeof v !== "bigint" || v < 0n || v > max) throw new RangeError(`uint out of range: ${v}`);
    struct.write(v.toString(16).padStart(64, "0"), slot * 32, 32, "hex");
  };

  return (order: Order): Hex => {
    putAddress(1, order.trader);
    putAddress(2, order.sellToken);
    putAddress(3, order.buyToken);
    putUint(4, order.sellAmount, MAX_UINT256);
    putUint(5, order.minBuyAmount, MAX_UINT256);
    putUint(6, order.nonce, MAX_UINT256);
    putUint(7, order.validTo, (1n << 64n) - 1n);
    putUint(8, order.commitBy, (1n << 64n) - 1n);
    putUint(9, order.feeAmount, MAX_UINT256);
    envelope.set(keccak256(struct, "bytes"), 34);
    return keccak256(envelope);
  };
}
