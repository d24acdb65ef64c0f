/**
 * Rounds a fee (base units) up to its two most significant bytes, byte-aligned:
 * `roundFeeUp(0x2d7988) === 0x2d7a00`, `roundFeeUp(0x2d8001) === 0x2d8100`.
 *
 * Why: every trade carries its signed `feeAmount` in `settle`'s calldata, where a zero byte costs 4 gas and
 * a non-zero byte 16. A fee computed from gas and prices has ~6-7 significant bytes; rounded to two, it
 * costs at most two non-zero bytes (~60 gas per order less at batch 64, a seventh of the fee's whole gas
 * budget under issue 3's bar). The trader pays at most 1/256 (0.4%) of the fee more than computed. The
 * relay quotes rounded fees and accepts any fee at or above its unrounded need.
 */
export function roundFeeUp(fee: bigint): bigint {
  if (fee <= 0xffffn) return fee < 0n ? 0n : fee;
  const bytes = Math.ceil(fee.toString(16).length / 2);
  const unit = 1n << BigInt(8 * (bytes - 2));
  return ((fee + unit - 1n) / unit) * unit;
}
