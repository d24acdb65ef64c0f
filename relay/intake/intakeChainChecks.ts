import type { Order } from "../../client/order/order.js";
import type { ChainReader } from "../chain/chainReader.js";
import { RelayError } from "../errors/relayError.js";

/**
 * On-chain checks at intake (nonce unused; optionally sell-token balance and allowance), with reads cached
 * for the current block and shared between concurrent requests, so a burst of orders from a few traders
 * costs a few node calls per block rather than one per order. A stale "ok" is harmless: the settler checks
 * again before it settles, and the contract's nonce bits are the final guard.
 */
export class IntakeChainChecks {
  private block = -1n;
  private cache = new Map<string, Promise<bigint>>();

  constructor(
    private readonly chain: ChainReader,
    private readonly checkFunds: boolean,
  ) {}

  /** Drops cached reads when a new block arrives. */
  onBlock(block: bigint): void {
    if (block !== this.block) {
      this.block = block;
      this.cache.clear();
    }
  }

  private cached(key: string, read: () => Promise<bigint>): Promise<bigint> {
    let p = this.cache.get(key);
    if (!p) {
      p = read();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /**
   * Throws NONCE_USED, INSUFFICIENT_BALANCE or INSUFFICIENT_ALLOWANCE; UPSTREAM_UNAVAILABLE when the node
   * cannot be read (the client may retry; nothing was stored).
   */
  async check(order: Order): Promise<void> {
    const t = order.trader;
    const word = order.nonce >> 8n;
    try {
      const [bitmap, balance, allowance] = await Promise.all([
        this.cached(`n:${t}:${word}`, () => this.chain.nonceBitmap(t, word)),
        this.checkFunds
          ? this.cached(`b:${t}:${order.sellToken}`, () => this.chain.balanceOf(order.sellToken, t))
          : 0n,
        this.checkFunds
          ? this.cached(`a:${t}:${order.sellToken}`, () => this.chain.allowance(order.sellToken, t))
          : 0n,
      ]);
      checkResults(order, bitmap, this.checkFunds ? { balance, allowance } : null);
    } catch (err) {
      if (err instanceof RelayError) throw err;
      throw new RelayError(
        "UPSTREAM_UNAVAILABLE",
        "the relay could not read the chain to check the order; retry",
        {
          cause: err,
        },
      );
    }
  }
}

function checkResults(
  order: Order,
  bitmap: bigint,
  funds: { balance: bigint; allowance: bigint } | null,
): void {
  if ((bitmap >> (order.nonce & 0xffn)) & 1n)
    throw new RelayError(
      "NONCE_USED",
      `nonce ${order.nonce} of ${order.trader} is already used or cancelled on chain`,
    );
  if (!funds) return;
  if (funds.balance < order.sellAmount)
    throw new RelayError("INSUFFICIENT_BALANCE", `trader holds less than sellAmount of ${order.sellToken}`, {
      details: { balance: funds.balance.toString(), sellAmount: order.sellAmount.toString() },
    });
  if (funds.allowance < order.sellAmount)
    throw new RelayError(
      "INSUFFICIENT_ALLOWANCE",
      `trader must approve the settlement contract for at least sellAmount of ${order.sellToken}`,
      { details: { allowance: funds.allowance.toString(), sellAmount: order.sellAmount.toString() } },
    );
}
