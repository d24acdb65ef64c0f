import { keccak256, toHex } from "viem";
import { ApiSnooperBot } from "../bot/apiSnooperBot.js";
import { FrontRunBot } from "../bot/frontRunBot.js";
import { SandwichBot } from "../bot/sandwichBot.js";
import type { SearcherBot } from "../bot/searcherBot.js";
import type { ScenarioEnv } from "../scenario.js";

/** The sandwich bot's Flashbots reputation key: its own, not any devnet account (holds no funds). */
const SEARCHER_AUTH_KEY = keccak256(toHex("veil scenarios: sandwich bot auth key"));

function common(env: ScenarioEnv) {
  const { devnet } = env;
  return {
    builderUrl: devnet.builderUrl,
    chainId: devnet.chainId,
    searcherKey: env.account("searcher").privateKey,
    router: devnet.contracts.uniswapV2.router,
    factory: devnet.contracts.uniswapV2.factory,
    weth: devnet.contracts.uniswapV2.weth,
    tokens: Object.values(devnet.contracts.tokens),
  };
}

/** A sandwich bot trading with the devnet's "searcher" account against the builder. */
export function createSandwichBot(env: ScenarioEnv): SandwichBot {
  return new SandwichBot({ ...common(env), authKey: SEARCHER_AUTH_KEY });
}

/** A plain priority-fee front-runner trading with the devnet's "searcher" account in the public pool. */
export function createFrontRunBot(env: ScenarioEnv): FrontRunBot {
  return new FrontRunBot(common(env));
}

/** The API snooper's Flashbots reputation key (holds no funds). */
const SNOOPER_AUTH_KEY = keccak256(toHex("veil scenarios: api snooper auth key"));

/**
 * The API snooper (THREATS.md): reads the relay's public surfaces and sandwiches any order it learns before
 * the settle, trading with the devnet's "wallet" account (its own balances, so its profit is measured apart
 * from the mempool searcher's). None without a relay.
 */
export function createApiSnooperBot(env: ScenarioEnv): SearcherBot[] {
  const relayUrl = env.devnet.relayUrl;
  if (!relayUrl) return [];
  return [
    new ApiSnooperBot({
      ...common(env),
      searcherKey: env.account("wallet").privateKey,
      relayUrl,
      authKey: SNOOPER_AUTH_KEY,
    }),
  ];
}
