import { describe, expect, it } from "vitest";
import { roundFeeUp } from "./roundFee.js";

describe("roundFeeUp", () => {
  it("should keep fees of up to two bytes and round larger ones up to two significant bytes", () => {
    expect(roundFeeUp(0n)).toBe(0n);
    expect(roundFeeUp(0xffffn)).toBe(0xffffn);
    expect(roundFeeUp(0x10000n)).toBe(0x10000n);
    expect(roundFeeUp(0x10001n)).toBe(0x10100n);
    expect(roundFeeUp(0x2d7988n)).toBe(0x2d7a00n);
    expect(roundFeeUp(0x2d8001n)).toBe(0x2d8100n);
    expect(roundFeeUp(0x1ffffffn)).toBe(0x2000000n);
    expect(roundFeeUp(0x2d7a00n)).toBe(0x2d7a00n);
  });

  it("should never round down, add at most 1/256 of the fee, and leave at most two non-zero bytes", () => {
    let x = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 2000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % (1n << 64n);
      const fee = x >> BigInt(i % 60);
      const r = roundFeeUp(fee);
      expect(r >= fee).toBe(true);
      expect((r - fee) * 256n <= fee).toBe(true);
      const bytes = r.toString(16).padStart(64, "0").match(/../g)!;
      expect(bytes.filter((b) => b !== "00").length).toBeLessThanOrEqual(2);
    }
  });
});
