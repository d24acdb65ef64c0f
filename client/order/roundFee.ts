/**
 * Rounds a fee (base units) up to its two most significant bytes: `roundFeeUp(0x2d7988) === 0x2d8000`.
 *
 * Why: every trade carries its signed `feeAmount` in `settle`'s calldata, where a zero byte costs 4 gas and
 * a non-zero byte 16. A fee computed from gas and prices has ~6-7 significant bytes; rounded to two, it
 * costs at most two non-zero bytes (~60 gas per order less at batch 64, a seventh of the fee's whole gas
 * budget under issue 3's bar). The trader pays at most 1/256 (0.4%) of the fee more than computed. The
 * relay quotes rounded fees and accepts any fee at or above its unrounded need.
 */
export function roundFeeUp(fee: bigint): bigint {
  if (fee <= 0xffffn) return fee < 0n ? 0n : fee;
  const bits = fee.toString(2).length;
  const unit = 1n << BigInt(bits - 16);
  return ((fee + unit - 1n) / unit) * unit;
}
