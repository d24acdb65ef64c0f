import type { Address } from "viem";
import type { PoolState } from "../solver/solveBatch.js";
import type { ChainReader } from "./chainReader.js";

/** An allow-listed Uniswap V2 pair and its tokens. */
export type Pool = { pair: Address; token0: Address; token1: Address };

const pairKey = (a: Address, b: Address) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()].sort();
  return `${x}:${y}`;
};

/**
 * The pools the relay may route through, loaded once at start from `--pools` and checked against the
 * contract's allow-list. They also define which token pairs the relay accepts orders for.
 */
export class PoolRegistry {
  private readonly byPair = new Map<string, Pool>();

  constructor(readonly pools: readonly Pool[]) {
    for (const p of pools) this.byPair.set(pairKey(p.token0, p.token1), p);
  }

  /**
   * Reads each pair's tokens and refuses pairs the settlement contract has not allow-listed.
   * @example const registry = await PoolRegistry.load(chain, config.pools)
   */
  static async load(chain: ChainReader, pairs: readonly Address[]): Promise<PoolRegistry> {
    const pools = await Promise.all(
      pairs.map(async (pair) => {
        if (!(await chain.isPool(pair)))
          throw new Error(`pool ${pair} is not allow-listed in the settlement contract`);
        const [token0, token1] = await chain.pairTokens(pair);
        return { pair, token0, token1 };
      }),
    );
    return new PoolRegistry(pools);
  }

  /** The pool trading `a` against `b`, if any. */
  find(a: Address, b: Address): Pool | undefined {
    return this.byPair.get(pairKey(a, b));
  }

  /** Every token of every pool, once. */
  tokens(): Address[] {
    const seen = new Map<string, Address>();
    for (const p of this.pools) for (const t of [p.token0, p.token1]) seen.set(t.toLowerCase(), t);
    return [...seen.values()];
  }

  /** Current reserves of every pool, in the solver's shape. */
  async states(chain: ChainReader): Promise<PoolState[]> {
    return Promise.all(
      this.pools.map(async (p) => {
        const [reserve0, reserve1] = await chain.reserves(p.pair);
        return { ...p, reserve0, reserve1 };
      }),
    );
  }
}
