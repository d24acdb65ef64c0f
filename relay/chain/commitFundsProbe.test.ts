import { randomBytes } from "node:crypto";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { commitFundsProbeData, commitFundsProbeEncoder } from "./commitFundsProbe.js";

const addr = () => getAddress(`0x${randomBytes(20).toString("hex")}`);

describe("commitFundsProbeEncoder", () => {
  it("should give the same calldata as commitFundsProbeData for any trader, token list and minimums", () => {
    for (let n = 0; n < 4; n++) {
      const settlement = addr();
      const tokens = Array.from({ length: n }, addr);
      const mins = tokens.map((_, i) => 10n ** BigInt(6 + 12 * i) + BigInt(i));
      const dataFor = commitFundsProbeEncoder(settlement, tokens, mins);
      for (let i = 0; i < 20; i++) {
        const trader = addr();
        expect(dataFor(trader)).toBe(commitFundsProbeData(trader, settlement, tokens, mins));
        expect(dataFor(trader.toLowerCase() as typeof trader)).toBe(
          commitFundsProbeData(trader, settlement, tokens, mins),
        );
      }
    }
  });

  it("should refuse what is not an address", () => {
    const dataFor = commitFundsProbeEncoder(addr(), [addr()], [1n]);
    expect(() => dataFor("0x12" as never)).toThrow(RangeError);
  });
});
