import { type Address, erc20Abi, type Hex, toHex } from "viem";
import type { Order } from "../../client/order/order.js";
import type { ChainReader } from "../chain/chainReader.js";
import { commitFundsProbeEncoder } from "../chain/commitFundsProbe.js";
import { RelayError } from "../errors/relayError.js";

/** Most chain reads cached within one block (the cache is keyed by traders, i.e. by strangers' input). */
export const MAX_CACHED_READS = 50_000;

/** Gas cap of the funding probe's eth_call: a few token reads (a token that burns more is not a token to trust). */
export const COMMIT_FUNDS_PROBE_GAS = 500_000n;

/**
 * What a commitment's trader must show before the relay spends operator gas on its leaf: a balance and an
 * allowance (to the settlement) of at least `minUnits` whole tokens of one of `tokens` (the relay's pool
 * tokens). A commitment hides its order, so its sell token is unknown: any allow-listed token will do.
 * `minUnits` 0 turns the check off.
 */
export type CommitFundingRule = { tokens: readonly Address[]; minUnits: number };

/**
 * The node reads intake makes per order or commitment (relay/chain/leanChainReads.ts: raw eth_calls over a
 * keep-alive agent, the cheap path a stranger's refused request takes).
 */
export type IntakeReads = {
  balanceOf(token: Address, owner: Address): Promise<bigint>;
  allowance(token: Address, owner: Address): Promise<bigint>;
  nonceBitmap(trader: Address, word: bigint): Promise<bigint>;
  /** A raw eth_call at "latest"; no `to` runs `data` as creation code. */
  call(tx: { data: Hex; gas?: bigint }): Promise<Hex>;
};

/** The same reads through the relay's viem client (when no lean reads are given, e.g. in tests). */
function viemReads(chain: ChainReader): IntakeReads {
  return {
    balanceOf: (token, owner) => chain.balanceOf(token, owner),
    allowance: (token, owner) => chain.allowance(token, owner),
    nonceBitmap: (trader, word) => chain.nonceBitmap(trader, word),
    call: async ({ data, gas }) =>
      (await chain.client.request(
        {
          method: "eth_call",
          params: [{ data, ...(gas !== undefined ? { gas: toHex(gas) } : {}) }, "latest"],
        },
        { retryCount: 0 },
      )) as Hex,
  };
}

/**
 * On-chain checks at intake (nonce unused; optionally sell-token balance and allowance), with reads cached
 * for the current block and shared between concurrent requests, so a burst of orders from a few traders
 * costs a few node calls per block rather than one per order. A stale "ok" is harmless: the settler checks
 * again before it settles, and the contract's nonce bits are the final guard.
 */
export class IntakeChainChecks {
  private block = -1n;
  private cache = new Map<string, Promise<bigint>>();

  /** Per-token minimum in base units (from `decimals()`, read once per token). */
  private readonly minimums = new Map<Address, Promise<bigint>>();
  /** The funding probe's calldata for a trader (everything else encoded once, on the first commitment). */
  private probeData: Promise<(trader: Address) => Hex> | null = null;
  private readonly reads: IntakeReads;

  constructor(
    private readonly chain: ChainReader,
    private readonly checkFunds: boolean,
    private readonly commitFunding: CommitFundingRule = { tokens: [], minUnits: 0 },
    reads?: IntakeReads,
  ) {
    this.reads = reads ?? viemReads(chain);
  }

  /** Whether commitments must come from a funded, approved trader (funds checked and a minimum set). */
  get checksCommitFunding(): boolean {
    return this.checkFunds && this.commitFunding.minUnits > 0 && this.commitFunding.tokens.length > 0;
  }

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
      // strangers' fresh keys each add entries within a block: bounded even before the next block clears it
      if (this.cache.size >= MAX_CACHED_READS) this.cache.clear();
      p = read();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private minimumOf(token: Address): Promise<bigint> {
    let p = this.minimums.get(token);
    if (!p) {
      p = this.chain.client
        .readContract({ address: token, abi: erc20Abi, functionName: "decimals" })
        .then((d) => toBaseUnits(this.commitFunding.minUnits, Number(d)));
      this.minimums.set(token, p);
      p.catch(() => this.minimums.delete(token));
    }
    return p;
  }

  /**
   * Throws UNFUNDED_COMMITMENT unless `trader` holds and has approved the settlement for at least the
   * relay's minimum of one allow-listed token: a commitment whose leaf the operator commits on chain costs
   * it gas, so it must come from a trader who could pay for an order (THREATS.md, cost budget). One capped
   * node call (the CommitFundsProbe constructor), cached per block and trader; UPSTREAM_UNAVAILABLE when the
   * node cannot be read. A no-op when {@link checksCommitFunding} is false.
   */
  async checkCommitFunding(trader: Address): Promise<void> {
    if (!this.checksCommitFunding) return;
    const { tokens, minUnits } = this.commitFunding;
    let funded: boolean;
    try {
      if (!this.probeData) {
        const p = Promise.all(tokens.map((t) => this.minimumOf(t))).then((mins) =>
          commitFundsProbeEncoder(this.chain.settlement, tokens, mins),
        );
        this.probeData = p;
        p.catch(() => {
          if (this.probeData === p) this.probeData = null;
        });
      }
      const dataFor = await this.probeData;
      // one eth_call runs the probe's constructor (balanceOf and allowance of every token), cached per block
      const word = await this.cached(`f:${trader}`, async () => {
        const res = await this.reads.call({ data: dataFor(trader), gas: COMMIT_FUNDS_PROBE_GAS });
        return typeof res === "string" && res.length > 2 ? BigInt(res) : 0n;
      });
      funded = word === 1n;
    } catch (err) {
      throw new RelayError(
        "UPSTREAM_UNAVAILABLE",
        "the relay could not read the chain to check the trader; retry",
        { cause: err },
      );
    }
    if (!funded)
      throw new RelayError(
        "UNFUNDED_COMMITMENT",
        `a commitment's trader must hold and have approved the settlement contract for at least ${minUnits} whole token(s) of one of the relay's tokens (${tokens.join(", ")}); ${trader} does not`,
        { details: { minUnits, tokens } },
      );
  }

  /**
   * Throws NONCE_USED, INSUFFICIENT_BALANCE or INSUFFICIENT_ALLOWANCE; UPSTREAM_UNAVAILABLE when the node
   * cannot be read (the client may retry; nothing was stored).
   */
  async check(order: Order): Promise<void> {
    const t = order.trader;
    const word = order.nonce >> 8n;
    try {
      // The balance first, alone: a stranger's order from a fresh, empty key is refused after one node call
      // (THREATS.md cost budget); a funded trader's reads are cached per block, so the second step is cheap.
      if (this.checkFunds) {
        const balance = await this.cached(`b:${t}:${order.sellToken}`, () =>
          this.reads.balanceOf(order.sellToken, t),
        );
        if (balance < order.sellAmount) checkResults(order, 0n, { balance, allowance: order.sellAmount });
      }
      const [bitmap, balance, allowance] = await Promise.all([
        this.cached(`n:${t}:${word}`, () => this.reads.nonceBitmap(t, word)),
        this.checkFunds
          ? this.cached(`b:${t}:${order.sellToken}`, () => this.reads.balanceOf(order.sellToken, t))
          : 0n,
        this.checkFunds
          ? this.cached(`a:${t}:${order.sellToken}`, () => this.reads.allowance(order.sellToken, t))
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

/** `units` whole tokens (a decimal number, e.g. 0.5) in base units of a token with `decimals`. */
export function toBaseUnits(units: number, decimals: number): bigint {
  const [whole, frac = ""] = units.toFixed(Math.min(decimals, 18)).split(".");
  return (
    BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0").slice(0, decimals) || "0")
  );
}
