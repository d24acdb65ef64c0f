import { randomBytes } from "node:crypto";
import { getAddress, type Hex, hashTypedData } from "viem";
import { describe, expect, it } from "vitest";
import { cancelTypedData, commitmentTypedData } from "../../client/order/offchainMessages.js";
import { createMessageHasher } from "./createMessageHasher.js";

const addr = () => getAddress(`0x${randomBytes(20).toString("hex")}`);
const word = (): Hex => `0x${randomBytes(32).toString("hex")}`;

describe("createMessageHasher", () => {
  it("should equal viem's hashTypedData of commitments and cancels on random inputs and domains", () => {
    for (let i = 0; i < 200; i++) {
      const chainId = i % 3 === 0 ? 1 : 31337 + i;
      const settlement = addr();
      const hash = createMessageHasher(chainId, settlement);
      const trader = addr();
      const leaf = i === 0 ? (`0x${"ff".repeat(32)}` as Hex) : word();
      expect(hash.commitment(trader, leaf)).toBe(
        hashTypedData(commitmentTypedData(chainId, settlement, trader, leaf)),
      );
      expect(hash.cancel(trader, leaf)).toBe(
        hashTypedData(cancelTypedData(chainId, settlement, trader, leaf)),
      );
      // lower-case input and reuse of the internal buffers give the same digests
      expect(
        hash.commitment(trader.toLowerCase() as Hex, leaf.toUpperCase().replace("0X", "0x") as Hex),
      ).toBe(hashTypedData(commitmentTypedData(chainId, settlement, trader, leaf)));
    }
  });

  it("should give commitments and cancels of the same words different digests", () => {
    const hash = createMessageHasher(31337, addr());
    const trader = addr();
    const leaf = word();
    expect(hash.commitment(trader, leaf)).not.toBe(hash.cancel(trader, leaf));
  });

  it("should refuse what is not an address or 32 bytes", () => {
    const hash = createMessageHasher(31337, addr());
    expect(() => hash.commitment("0x1234" as Hex, word())).toThrow(RangeError);
    expect(() => hash.cancel(addr(), "0x12" as Hex)).toThrow(RangeError);
  });
});
