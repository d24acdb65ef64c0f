import type { Scenario } from "../scenario.js";
import { createApiSnooperBot, createSandwichBot } from "./botFactories.js";
import { randomVictimTrade } from "./victimTrades.js";

/**
 * `sandwich`: random retail swaps (size, direction, slippage) on the WETH/stable pools against a bundle
 * sandwich bot watching the public pool and the API snooper reading the relay, along all five routes; two
 * extra blocks per route let the snooper close a position it opened.
 */
export const sandwich: Scenario = {
  name: "sandwich",
  description:
    "random V2 swaps of random sizes and slippage tolerances against a Flashbots sandwich bot and the API snooper",
  bots: (env) => [createSandwichBot(env), ...createApiSnooperBot(env)],
  settleBlocks: 2,
  nextTrade: (ctx) => randomVictimTrade(ctx),
};
