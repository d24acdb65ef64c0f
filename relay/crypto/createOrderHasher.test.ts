import { randomBytes } from "node:crypto";
import { getAddress, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { hashOrder, type Order } from "../../client/order/order.js";
import { createOrderHasher } from "./createOrderHasher.js";

const addr = () => getAddress(`0x${randomBytes(20).toString("hex")}`);
const uint = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString("hex")}`);

describe("createOrderHasher", () => {
  it("should equal client hashOrder on random orders, domains and extreme values", () => {
    for (let i = 0; i < 200; i++) {
      const chainId = i % 3 === 0 ? 1 : 31337 + i;
      const settlement = addr();
      const order: Order = {
        trader: addr(),
        sellToken: addr(),
        buyToken: addr(),
        sellAmount: i === 0 ? (1n << 256n) - 1n : uint(1 + (i % 32)),
        minBuyAmount: i === 1 ? 0n : uint(1 + ((i * 7) % 32)),
        nonce: uint(1 + ((i * 3) % 32)),
        validTo: i === 2 ? (1n << 64n) - 1n : uint(1 + (i % 8)),
        commitBy: i === 3 ? (1n << 64n) - 1n : uint(1 + (i % 8)),
        feeAmount: i === 4 ? (1n << 256n) - 1n : i === 5 ? 0n : uint(1 + ((i * 5) % 32)),
      };
      const hash = createOrderHasher(chainId, settlement);
      expect(hash(order)).toBe(hashOrder(order, chainId, settlement));
      // reuse of the internal buffers must not leak state between calls
      const lower = { ...order, trader: order.trader.toLowerCase() as Hex as Order["trader"] };
      expect(hash(lower)).toBe(hashOrder(order, chainId, settlement));
    }
  });

  it("should differ across chain ids and settlement contracts", () => {
    const order: Order = {
      trader: addr(),
      sellToken: addr(),
      buyToken: addr(),
      sellAmount: 1n,
      minBuyAmount: 1n,
      nonce: 0n,
      validTo: 1n,
      commitBy: 1n,
      feeAmount: 0n,
    };
    const s = addr();
    expect(createOrderHasher(1, s)(order)).not.toBe(createOrderHasher(2, s)(order));
    expect(createOrderHasher(1, s)(order)).not.toBe(createOrderHasher(1, addr())(order));
  });

  it("should refuse values that do not fit their EIP-712 types", () => {
    const hash = createOrderHasher(1, addr());
    const base: Order = {
      trader: addr(),
      sellToken: addr(),
      buyToken: addr(),
      sellAmount: 1n,
      minBuyAmount: 1n,
      nonce: 0n,
      validTo: 1n,
      commitBy: 1n,
      feeAmount: 0n,
    };
    expect(() => hash({ ...base, sellAmount: 1n << 256n })).toThrow(/uint out of range: /);
    expect(() => hash({ ...base, trader: "0x12" as Order["trader"] })).toThrow(/not an address: 0x12/);
    expect(() => hash({ ...base, buyToken: 7 as unknown as Order["trader"] })).toThrow(RangeError);
    expect(() => hash({ ...base, minBuyAmount: 1 as unknown as bigint })).toThrow(RangeError);
    expect(() => hash({ ...base, nonce: -1n })).toThrow(RangeError);
    expect(() => hash({ ...base, validTo: 1n << 64n })).toThrow(RangeError);
    expect(() => hash({ ...base, commitBy: 1n << 64n })).toThrow(RangeError);
    expect(() => hash({ ...base, feeAmount: 1n << 256n })).toThrow(RangeError);
    expect(() => hash({ ...base, trader: "0x1234" as Order["trader"] })).toThrow(RangeError);
  });
});
