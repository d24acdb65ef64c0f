import type { Scenario } from "../scenario.js";
import { createApiSnooperBot, createFrontRunBot } from "./botFactories.js";
import { randomVictimTrade } from "./victimTrades.js";

/**
 * `frontrun`: the same kind of flow against a plain front-runner that copies the trade in the public pool
 * with a higher priority fee and sells back after the victim (and the API snooper reading the relay); two
 * extra blocks per route let them close.
 */
export const frontrun: Scenario = {
  name: "frontrun",
  description: "random V2 swaps against a priority-fee front-runner (public mempool, no bundles)",
  bots: (env) => [createFrontRunBot(env), ...createApiSnooperBot(env)],
  settleBlocks: 2,
  nextTrade: (ctx) => randomVictimTrade(ctx),
};
