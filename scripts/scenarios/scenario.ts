import type { Address, Hex } from "viem";
import type { SearcherBot } from "./bot/searcherBot.js";
import type { Prng } from "./prng.js";

/**
 * The scenario interface: how a researcher adds a replay to `npm run scenario`.
 *
 * A scenario is a name, a one-line description, the bots it runs against the public mempool, and a
 * generator of victim trades. The runner (runScenario.ts) replays every trade from one starting state along
 * each route (baseline, public, rpc, sealed, commit), measures balances before and after, and writes the
 * report. A scenario that needs something else (several traders per batch, price moves between commit and
 * reveal) implements `run` itself and returns the same `TradeResult` rows.
 *
 * @example
 * export const bigSwaps: Scenario = {
 *   name: "big-swaps",
 *   description: "1-5% of the pool, 3% slippage, against the sandwich bot",
 *   bots: (env) => [createSandwichBot(env)],
 *   nextTrade: ({ prng, pools }) => ({ pool: "WETH/USDC", sellSymbol: "WETH", ... }),
 * };
 */
export type Scenario = {
  /** CLI name: `npm run scenario -- <name>`. */
  name: string;
  description: string;
  /** Routes to replay each trade along (default: all five). */
  routes?: RouteName[];
  /** Searchers active on every route but the baseline (they only see the public pool and chain state). */
  bots(env: ScenarioEnv): SearcherBot[];
  /** The i-th victim trade, drawn from the seeded PRNG and the starting state. */
  nextTrade?(ctx: TradeContext): Promise<VictimTrade> | VictimTrade;
  /** Extra blocks built after each route (bots active) so non-atomic bots can close positions; default 0. */
  settleBlocks?: number;
  /** Replaces the default per-trade replay loop (see commit-free-option). */
  run?(ctx: CustomRunContext, count: number): Promise<ScenarioRun>;
};

/** The five ways a trade can reach the chain. */
export type RouteName = "baseline" | "public" | "rpc" | "sealed" | "commit";
export const ROUTE_NAMES: RouteName[] = ["baseline", "public", "rpc", "sealed", "commit"];

/** The part of a devnet (scripts/devnet/startDevnet.ts) the scenarios use: the bots need nothing more. */
export type ScenarioDevnet = {
  chainId: number;
  rpcUrl: string;
  builderUrl: string;
  relayUrl?: string;
  contracts: {
    tokens: Record<"WETH" | "USDC" | "DAI", Address>;
    uniswapV2: { factory: Address; router: Address; weth: Address; pairs: Record<string, Address> };
    settlement: Address;
  };
  accounts: { address: Address; privateKey: Hex; label: string }[];
  buildBlock(): Promise<bigint>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  stop(): Promise<void>;
};

/** What a scenario and its routes share during a run. */
export type ScenarioEnv = {
  devnet: ScenarioDevnet;
  prng: Prng;
  /** Look up a devnet account by its label ("trader1", "searcher", ...). */
  account(label: string): { address: Address; privateKey: Hex };
  log(message: string): void;
};

/** What `nextTrade` may look at (the starting state of the trade). */
export type TradeContext = {
  index: number;
  prng: Prng;
  env: ScenarioEnv;
  /** Reserves of the V2 pool, oriented for selling `sell` for `buy`. */
  reserves(sell: TokenSymbol, buy: TokenSymbol): Promise<{ reserveIn: bigint; reserveOut: bigint }>;
  /** A devnet account's token balance. */
  balanceOf(label: string, symbol: TokenSymbol): Promise<bigint>;
};

/** The demo tokens of the devnet. */
export type TokenSymbol = "WETH" | "USDC" | "DAI";

/** What a scenario with its own `run` gets: the runtime (blocks, bots, balances) and route availability. */
export type CustomRunContext = {
  env: ScenarioEnv;
  runtime: import("./scenarioRuntime.js").ScenarioRuntime;
  /** null when the route can run, else why not. */
  unavailable: Record<RouteName, string | null>;
  relayWaitMs: number;
};

/** One victim swap: an exact-input sell on a V2 pool with a slippage tolerance. */
export type VictimTrade = {
  /** Devnet account label of the trader. */
  trader: string;
  sellSymbol: TokenSymbol;
  buySymbol: TokenSymbol;
  sellAmount: bigint;
  /** amountOutMin = quote * (1 - slippageBps/10000), quoted from the starting state. */
  slippageBps: number;
};

/** How one route did for one trade; amounts are decimal strings in the buy token's smallest unit. */
export type RouteResult = {
  route: RouteName;
  /** ok: executed; unfilled: not executed (limit/revert/expired); unavailable: the route's service is missing. */
  status: "ok" | "unfilled" | "unavailable" | "error";
  received: string;
  /** baseline.received - received (negative: better than the baseline). */
  loss: string;
  lossBps: number;
  /** The bots' net gain in wei (ETH and WETH, other tokens at the pool mid price), gas and bids included. */
  botProfitWei: string;
  /** The same, per bot (by name: "sandwich", "frontrun", "snooper"), each measured on its own account. */
  botProfitByBot?: Record<string, string>;
  /** Gas the trader paid, in wei (0 for Veil orders: the operator pays). */
  gasPaidWei: string;
  /** The signed fee the trader paid, in the sell token's smallest units (a filled Veil order's; else "0"). */
  feePaid: string;
  /** That fee in wei at the trade's starting mid prices. */
  feePaidWei: string;
  /**
   * Loss + fee + trader gas in wei at the starting mid prices (allInCost.ts); null when the route did not
   * execute or the baseline did not (no loss to add).
   */
  allInCostWei: string | null;
  /** The same in bps of the baseline's receipt, like `lossBps` (fee and gas converted to the buy token). */
  allInCostBps: number | null;
  /** Blocks from submission to the block that executed it; null if never. */
  blocksToInclusion: number | null;
  note?: string;
};

/** One trade with its results along every route. */
export type TradeResult = {
  index: number;
  trade: {
    trader: string;
    sell: string;
    buy: string;
    sellAmount: string;
    minBuyAmount: string;
    slippageBps: number;
    /** The victim pair's reserves at the starting state (sell token, buy token; smallest units). */
    reserveIn?: string;
    reserveOut?: string;
    /** What an optimal sandwich would net at the starting state (WETH wei, after gas); "0" = no room. */
    sandwichRoomWei?: string;
    /** Scenario-specific facts about the trade (e.g. the market move and the option holder's choice). */
    [key: string]: string | number | undefined;
  };
  routes: RouteResult[];
  botActions?: unknown[];
};

/** One line of the report summary, per route. */
export type RouteSummary = {
  route: RouteName;
  trades: number;
  meanLossBps: number;
  botProfitWei: string;
  /** Bot profit per bot name, over the route's trades (wei). */
  botProfitWeiByBot: Record<string, string>;
  /** Extra columns (not pinned): medians, fills, unavailable counts, gas. */
  executed: number;
  unavailable: number;
  medianLossBps: number;
  maxLossBps: number;
  totalLoss: Record<string, string>;
  meanGasPaidWei: string;
  /** Mean signed fee per executed trade, in wei at each trade's starting mid prices (issue 17). */
  meanFeePaidWei: string;
  /** Mean all-in cost (loss + fee + trader gas) per executed trade, in bps of the baseline's receipt. */
  meanAllInCostBps: number;
  /** The same in wei at the starting mid prices. */
  meanAllInCostWei: string;
  meanBlocksToInclusion: number | null;
};

/** What a scenario run produces before the summary is computed. */
export type ScenarioRun = { trades: TradeResult[]; notes?: string[]; extra?: Record<string, unknown> };
