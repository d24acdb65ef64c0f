import type { Scenario } from "../scenario.js";
import { createFrontRunBot } from "./botFactories.js";
import { randomVictimTrade } from "./victimTrades.js";

/**
 * `frontrun`: the same kind of flow against a plain front-runner that copies the trade in the public pool
 * with a higher priority fee and sells back after the victim; two extra blocks per route let it close.
 */
export const frontrun: Scenario = {
  name: "frontrun",
  description: "random V2 swaps against a priority-fee front-runner (public mempool, no bundles)",
  bots: (env) => [createFrontRunBot(env)],
  settleBlocks: 2,
  nextTrade: (ctx) => randomVictimTrade(ctx),
};
