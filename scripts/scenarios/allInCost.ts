/** Mid prices of the devnet tokens: wei of ETH per 1e18 smallest units of the token (WETH = 1e18). */
export type MidPricesWei = Record<"WETH" | "USDC" | "DAI", bigint>;

/** What a route cost a trader in all, next to what it lost to the baseline. */
export type AllInCost = {
  /** The signed fee, valued in wei at the trade's starting mid prices. */
  feePaidWei: bigint;
  /** Loss + fee + trader gas, each valued in wei at the starting mid prices. */
  allInCostWei: bigint;
  /**
   * The same cost in bps of what the baseline received (the denominator of `lossBps`), the fee and the gas
   * converted to the buy token at the starting mid prices: `allInCostBps - lossBps` is what fee and gas add.
   */
  allInCostBps: number;
};

/** The inputs of {@link allInCost}: one executed route of one trade, and the baseline of that trade. */
export type AllInCostInput = {
  sellSymbol: keyof MidPricesWei;
  buySymbol: keyof MidPricesWei;
  /** baseline received - route received, in the buy token's smallest units (negative: better than baseline). */
  loss: bigint;
  /** What the baseline received, in the buy token's smallest units (> 0). */
  baselineReceived: bigint;
  /** The signed fee the route paid, in the sell token's smallest units (0 off the Veil routes). */
  feePaid: bigint;
  /** The gas the trader paid, in wei (0 on the Veil routes: the operator pays). */
  gasPaidWei: bigint;
  prices: MidPricesWei;
};

const WAD = 10n ** 18n;

/**
 * The all-in cost of one executed route (issue 17): the loss against the baseline plus the signed fee plus
 * the trader's gas, in one unit, so routes that charge differently compare honestly: the public and rpc
 * routes charge gas, the Veil routes a fee in the sell token (the operator pays their gas). Values use the
 * mid prices at the trade's starting state (the same state every route starts from), so a route's cost is
 * not moved by its own price impact. A token without a price (0) cannot be valued: its amount counts 0 wei.
 * @example allInCost({ sellSymbol: "USDC", buySymbol: "WETH", loss: 0n, baselineReceived: 10n ** 18n,
 *   feePaid: 1_000_000n, gasPaidWei: 0n, prices }) // fee of 1 USDC in wei and in bps of 1 WETH
 */
export function allInCost(i: AllInCostInput): AllInCost {
  const feePaidWei = (i.feePaid * i.prices[i.sellSymbol]) / WAD;
  const lossWei = (i.loss * i.prices[i.buySymbol]) / WAD;
  const buyPrice = i.prices[i.buySymbol];
  // fee and gas in the buy token's units, so the bps share lossBps's denominator (the baseline's receipt)
  const extraInBuy = buyPrice === 0n ? 0n : ((feePaidWei + i.gasPaidWei) * WAD) / buyPrice;
  const costInBuy = i.loss + extraInBuy;
  return {
    feePaidWei,
    allInCostWei: lossWei + feePaidWei + i.gasPaidWei,
    allInCostBps: i.baselineReceived > 0n ? Number((costInBuy * 1_000_000n) / i.baselineReceived) / 100 : 0,
  };
}
