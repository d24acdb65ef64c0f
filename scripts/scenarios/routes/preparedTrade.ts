import type { Address, Hex } from "viem";

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
};

/** What executing a trade along one route did, before balances are compared. */
export type RouteOutcome = {
  status: "ok" | "unfilled" | "unavailable" | "error";
  gasPaidWei: bigint;
  blocksToInclusion: number | null;
  note?: string;
};
