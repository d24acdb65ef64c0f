import { type Address, getAddress, type PublicClient } from "viem";
import { factoryAbi, pairAbi } from "./uniswapAbis.js";
import type { DirectedReserves } from "./v2Math.js";

const ZERO = "0x0000000000000000000000000000000000000000";

/**
 * Looks up V2 pairs and their reserves from chain state, as any searcher does; pair addresses and token0
 * are cached (immutable), reserves are read fresh each time.
 */
export class PoolReader {
  private readonly pairs = new Map<string, { pair: Address; token0: Address } | null>();

  constructor(
    private readonly client: PublicClient,
    private readonly factory: Address,
  ) {}

  /** The pair of two tokens, or null if the factory has none. */
  async pair(a: Address, b: Address): Promise<{ pair: Address; token0: Address } | null> {
    const key = [getAddress(a), getAddress(b)].sort().join("/");
    if (!this.pairs.has(key)) {
      const pair = await this.client.readContract({
        address: this.factory,
        abi: factoryAbi,
        functionName: "getPair",
        args: [a, b],
      });
      if (pair === ZERO) this.pairs.set(key, null);
      else {
        const token0 = await this.client.readContract({
          address: pair,
          abi: pairAbi,
          functionName: "token0",
        });
        this.pairs.set(key, { pair, token0: getAddress(token0) });
      }
    }
    return this.pairs.get(key) ?? null;
  }

  /** Reserves oriented for selling `tokenIn` for `tokenOut` at the latest block, or null without a pair. */
  async reserves(
    tokenIn: Address,
    tokenOut: Address,
  ): Promise<(DirectedReserves & { pair: Address }) | null> {
    const p = await this.pair(tokenIn, tokenOut);
    if (!p) return null;
    const [r0, r1] = await this.client.readContract({
      address: p.pair,
      abi: pairAbi,
      functionName: "getReserves",
    });
    return getAddress(tokenIn) === p.token0
      ? { pair: p.pair, reserveIn: r0, reserveOut: r1 }
      : { pair: p.pair, reserveIn: r1, reserveOut: r0 };
  }
}
