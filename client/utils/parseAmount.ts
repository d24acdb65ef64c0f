import { InvalidAmountError } from "../errors/inputErrors.js";

/**
 * Parses a human decimal amount ("1.5", "2000", "0.000001") into base units with `decimals` places, strictly:
 * no signs, exponents, spaces, thousands separators or more fractional digits than the token has (viem's
 * `parseUnits` rounds those silently; a trader should be told instead).
 * @throws InvalidAmountError
 * @example parseAmount("1.5", 6) // 1_500_000n
 */
export function parseAmount(amount: string, decimals: number, { allowZero = false } = {}): bigint {
  const m = /^([0-9]+)(?:\.([0-9]+))?$|^\.([0-9]+)$/.exec(amount);
  if (!m)
    throw new InvalidAmountError({
      amount,
      reason: "expected a plain decimal number like 1.5 (no sign, exponent, spaces or separators)",
    });
  const whole = m[1] ?? "0";
  const frac = m[2] ?? m[3] ?? "";
  if (frac.length > decimals)
    throw new InvalidAmountError({
      amount,
      reason: `the token has ${decimals} decimals, got ${frac.length}`,
    });
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (value === 0n && !allowZero)
    throw new InvalidAmountError({ amount, reason: "must be greater than zero" });
  if (value >= 2n ** 256n) throw new InvalidAmountError({ amount, reason: "does not fit in uint256" });
  return value;
}
