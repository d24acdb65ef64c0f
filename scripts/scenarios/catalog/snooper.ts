import type { Scenario } from "../scenario.js";
import { createApiSnooperBot } from "./botFactories.js";
import { randomVictimTrade } from "./victimTrades.js";

/**
 * `snooper`: the sandwich flow against the API snooper alone: a searcher that never sees the public pool and
 * reads only the Veil relay's public surfaces (REST, event stream, metrics, health, batches, every id it
 * finds), sandwiching through the builder any order whose content it learns before the settle. On the
 * public and rpc routes it has nothing to read; on sealed and commit it earns only if the relay discloses.
 */
export const snooper: Scenario = {
  name: "snooper",
  description:
    "random V2 swaps against the API snooper (reads every public relay surface, sandwiches what it learns)",
  bots: (env) => createApiSnooperBot(env),
  settleBlocks: 2,
  nextTrade: (ctx) => randomVictimTrade(ctx),
};
