import { type Address, createPublicClient, getAddress, type Hex, http, type PublicClient } from "viem";
import { optimalSandwich, type SandwichPlan } from "./optimalSandwich.js";
import type { PendingSwap } from "./pendingSwaps.js";
import { PoolReader } from "./poolReader.js";
import type { BotAction, SearcherBot } from "./searcherBot.js";
import { SearcherWallet } from "./searcherWallet.js";
import { valueInWeth } from "./valueInWeth.js";

/** What every mempool-watching bot is given: where it reads and sends, its keys, and public addresses. */
export type MempoolSearcherOptions = {
  /** Node the bot reads (pending pool, state) and sends to (the builder, which proxies anvil). */
  builderUrl: string;
  chainId: number;
  /** Funds its trades; its balance of the victim's input token is the capital bound. */
  searcherKey: Hex;
  /** The public Router02 and its factory and WETH (public knowledge, like mainnet addresses). */
  router: Address;
  factory: Address;
  weth: Address;
  /** Tokens to approve for the router in prepare(). */
  tokens: Address[];
};

/** A pending swap the bot can attack: the optimal front-run and its gross profit valued in WETH wei. */
export type Opportunity = { tokenIn: Address; tokenOut: Address; plan: SandwichPlan; profitWei: bigint };

/**
 * The plumbing the lab's bots share: a client on the builder's public node, the searcher wallet, the V2
 * pool reader, router approvals in prepare(), and the sizing of an attack on one pending swap. Subclasses
 * decide what to do with an opportunity (a bundle, a priority-fee race).
 */
export abstract class MempoolSearcher implements SearcherBot {
  abstract readonly name: string;
  protected readonly client: PublicClient;
  protected readonly wallet: SearcherWallet;
  protected readonly pools: PoolReader;

  constructor(private readonly base: MempoolSearcherOptions) {
    this.client = createPublicClient({ transport: http(base.builderUrl), cacheTime: 0 });
    this.wallet = new SearcherWallet(this.client, base.searcherKey, base.chainId, getAddress(base.router));
    this.pools = new PoolReader(this.client, base.factory);
  }

  get address(): Address {
    return this.wallet.address;
  }

  prepare(): Promise<Hex[]> {
    return this.wallet.signApprovals(this.base.tokens);
  }

  abstract tick(): Promise<BotAction[]>;

  /**
   * Sizes the profit-maximizing front-run of pending swap `p` at the current state (exact V2 math, bounded
   * by the victim's amountOutMin and the bot's balance of the input token), or says why there is none.
   */
  protected async opportunity(p: PendingSwap): Promise<Opportunity | { skip: string }> {
    if (p.swap.path.length !== 2) return { skip: "multi-hop path" };
    const [tokenIn, tokenOut] = p.swap.path.map((a) => getAddress(a));
    const reserves = await this.pools.reserves(tokenIn, tokenOut);
    if (!reserves) return { skip: "no pair" };
    const plan = optimalSandwich(
      { reserves, victimAmountIn: p.swap.amountIn, victimMinOut: p.swap.amountOutMin },
      await this.wallet.balanceOf(tokenIn),
    );
    if (!plan) return { skip: "no room under amountOutMin" };
    const profitWei = await valueInWeth(this.pools, this.base.weth, tokenIn, plan.grossProfit);
    if (profitWei === null) return { skip: "cannot value input token" };
    return { tokenIn, tokenOut, plan, profitWei };
  }
}
