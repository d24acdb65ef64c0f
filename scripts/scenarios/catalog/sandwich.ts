import type { Scenario } from "../scenario.js";
import { createSandwichBot } from "./botFactories.js";
import { randomVictimTrade } from "./victimTrades.js";

/**
 * `sandwich`: random retail swaps (size, direction, slippage) on the WETH/stable pools against a bundle
 * sandwich bot, along all five routes.
 */
export const sandwich: Scenario = {
  name: "sandwich",
  description: "random V2 swaps of random sizes and slippage tolerances against a Flashbots sandwich bot",
  bots: (env) => [createSandwichBot(env)],
  nextTrade: (ctx) => randomVictimTrade(ctx),
};
