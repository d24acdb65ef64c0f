import type { Address, Hex } from "viem";
import type { MidPricesWei } from "../allInCost.js";

/** A victim trade resolved to addresses and exact amounts at its starting state. */
export type PreparedTrade = {
  index: number;
  label: string;
  trader: { address: Address; privateKey: Hex };
  sellSymbol: "WETH" | "USDC" | "DAI";
  buySymbol: "WETH" | "USDC" | "DAI";
  sellToken: Address;
  buyToken: Address;
  sellAmount: bigint;
  /** What the router quotes at the starting state. */
  quote: bigint;
  /**
   * The victim pair's reserves at the starting state, along the trade (sell token in, buy token out), in
   * smallest units: enough to recompute the baseline and the optimal sandwich from the report alone.
   */
  reserveIn: bigint;
  reserveOut: bigint;
  /** The trader's limit: amountOutMin of the swap, minBuyAmount of the Veil order. */
  minBuyAmount: bigint;
  slippageBps: number;
  /** Mid prices at the starting state: what fees, gas and losses are valued at in the report (allInCost.ts). */
  prices: MidPricesWei;
};

/** What executing a trade along one route did, before balances are compared. */
export type RouteOutcome = {
  status: "ok" | "unfilled" | "unavailable" | "error";
  gasPaidWei: bigint;
  /** The signed fee a filled Veil order paid, in the sell token's smallest units (absent: none). */
  feePaid?: bigint;
  blocksToInclusion: number | null;
  note?: string;
};
