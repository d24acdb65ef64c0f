import { describe, expect, it } from "vitest";
import { InvalidAmountError } from "../errors/inputErrors.js";
import { parseAmount } from "./parseAmount.js";

describe("parseAmount", () => {
  it("should scale plain decimals to base units", () => {
    expect(parseAmount("1", 18)).toBe(10n ** 18n);
    expect(parseAmount("1.5", 6)).toBe(1_500_000n);
    expect(parseAmount("0.000001", 6)).toBe(1n);
    expect(parseAmount(".25", 2)).toBe(25n);
    expect(parseAmount("2000", 0)).toBe(2000n);
    expect(parseAmount("007.10", 3)).toBe(7100n);
  });

  it("should refuse more fractional digits than the token has instead of rounding", () => {
    expect(() => parseAmount("0.0000001", 6)).toThrowError(/the token has 6 decimals, got 7/);
    expect(() => parseAmount("1.5", 0)).toThrowError(InvalidAmountError);
  });

  it.each(["", "abc", "-1", "+1", "1e18", "1,000", "1 000", "1.2.3", "0x10", "1.", " 1", "Infinity", "NaN"])(
    "should reject %j with a typed INVALID_AMOUNT error",
    (input) => {
      const err = (() => {
        try {
          parseAmount(input, 18);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidAmountError);
      expect((err as InvalidAmountError).code).toBe("INVALID_AMOUNT");
      expect((err as Error).message).toContain(`"${input}"`);
    },
  );

  it("should reject zero unless allowed", () => {
    expect(() => parseAmount("0.000", 6)).toThrowError(/greater than zero/);
    expect(parseAmount("0", 6, { allowZero: true })).toBe(0n);
  });

  it("should reject amounts that do not fit in uint256", () => {
    expect(() => parseAmount("1" + "0".repeat(60), 18)).toThrowError(/uint256/);
  });
});
