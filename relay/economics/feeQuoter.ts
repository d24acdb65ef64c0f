import { type Address, getAddress, isAddress } from "viem";
import type { Order } from "../../client/order/order.js";
import { roundFeeUp } from "../../client/order/roundFee.js";
import type { ChainReader } from "../chain/chainReader.js";
import { PRIORITY_FEE_WEI } from "../chain/operatorSigner.js";
import type { PoolRegistry } from "../chain/poolRegistry.js";
import { RelayError } from "../errors/relayError.js";
import type { RelayContext } from "../relayContext.js";
import type { PoolState } from "../solver/solverTypes.js";
import { getAmountOut } from "../solver/uniswapV2Math.js";
import { orderGas } from "./orderGas.js";

/** Default `--fee-margin-bps`: the quote charges 25% over the order's gas cost at the current base fee. */
export const DEFAULT_FEE_MARGIN_BPS = 2_500;
/** Default `--fee-amortize-orders` (see orderGas.ts). */
export const DEFAULT_FEE_AMORTIZE_ORDERS = 4;
/** Default `--min-order-value-wei`: 0.001 ETH, valued at the pools' spot prices. */
export const DEFAULT_MIN_ORDER_VALUE_WEI = 10n ** 15n;
/** Seconds ahead a quote's suggested `validTo` lies (the client's default order lifetime). */
const QUOTE_VALID_SECONDS = 300;

/** What the fee policy needs to know about the relay. */
export type FeeQuoterDeps = {
  pools: PoolRegistry;
  chain: ChainReader;
  /** The chain head the relay works on (its base fee prices the gas). */
  head: () => { block: bigint; timestamp: bigint; baseFee: bigint };
  /** The token fees are valued against (the relay's `WETH`); null: fees cannot be priced. */
  weth: Address | null;
  /** Symbol -> address, for `?sellToken=WETH`. */
  tokenSymbols: ReadonlyMap<string, Address>;
  /** `enforce` (default): intake refuses fees below need and orders below the minimum value; `off`: no floor. */
  policy: "enforce" | "off";
  marginBps: number;
  amortizeOrders: number;
  minOrderValueWei: bigint;
  maxValiditySeconds: number;
};

/** The fee an order selling `sellToken` needs now, and how it was priced. */
export type FeeNeed = {
  /** Gas charged to one order ({@link orderGas}). */
  gas: bigint;
  /** Next block's worst-case base fee (+12.5%) plus the operator's priority fee (its bid). */
  gasPriceWei: bigint;
  /** The order's gas cost, in wei. */
  costWei: bigint;
  /** Intake's floor: the cost in the sell token at the pools' spot price, rounded up; no margin. */
  minFee: bigint;
  /** What the quote asks: the cost plus the margin, rounded up to two significant bytes (roundFee.ts). */
  quotedFee: bigint;
};

/** `GET /v1/quote`'s answer, before JSON (bigints become decimal strings). */
export type Quote = FeeNeed & {
  sellToken: Address;
  buyToken: Address;
  sellAmount: bigint;
  buyAmount: bigint;
  feeAmount: bigint;
  validTo: bigint;
  marginBps: number;
  block: bigint;
};

/**
 * The relay's fee policy (issue 17): what an order's signed `feeAmount` must cover, and the quote a trader
 * signs from. An order is charged its share of a batch's gas ({@link orderGas}) at the next block's
 * worst-case base fee plus the operator's bid, valued in the sell token at the allow-listed V2 pools' spot
 * price (directly against WETH, or through one other pool token). The quote adds `marginBps` (default 25%:
 * a quoted fee still clears intake after two full blocks of base-fee rises) and rounds up to two significant
 * bytes; intake refuses fees below the cost itself (`INSUFFICIENT_FEE`). Reserves are read once per head.
 */
export class FeeQuoter {
  private cached: { block: bigint; states: Promise<PoolState[]> } | null = null;

  constructor(private readonly deps: FeeQuoterDeps) {}

  get enforced(): boolean {
    return this.deps.policy === "enforce";
  }

  /** Reserves of every pool at the current head, read once per head. */
  states(): Promise<PoolState[]> {
    const block = this.deps.head().block;
    if (!this.cached || this.cached.block !== block) {
      const states = this.deps.pools.states(this.deps.chain).catch((cause) => {
        throw new RelayError(
          "UPSTREAM_UNAVAILABLE",
          "could not read the pools' reserves to price the fee; retry",
          {
            cause,
          },
        );
      });
      this.cached = { block, states };
      states.catch(() => {
        if (this.cached?.states === states) this.cached = null;
      });
    }
    return this.cached.states;
  }

  /** A token by symbol (case-blind) or address; UNKNOWN_PAIR naming the relay's tokens otherwise. */
  token(input: string): Address {
    for (const [symbol, address] of this.deps.tokenSymbols)
      if (symbol.toLowerCase() === input.toLowerCase()) return address;
    if (isAddress(input, { strict: false })) {
      const a = getAddress(input);
      for (const t of this.deps.pools.tokens()) if (t.toLowerCase() === a.toLowerCase()) return t;
    }
    throw new RelayError("UNKNOWN_PAIR", `the relay does not trade ${input}`, {
      details: { tokens: Object.fromEntries(this.deps.tokenSymbols) },
    });
  }

  /** The fee an order selling `sellToken` needs now; null when the token cannot be valued in WETH. */
  async need(sellToken: Address): Promise<FeeNeed | null> {
    const states = await this.states();
    const { baseFee } = this.deps.head();
    const gas = orderGas(this.deps.amortizeOrders);
    const gasPriceWei = baseFee + (baseFee + 7n) / 8n + PRIORITY_FEE_WEI;
    const costWei = gas * gasPriceWei;
    const minFee = this.fromWei(sellToken, costWei, states);
    if (minFee === null) return null;
    const withMargin = (costWei * BigInt(10_000 + this.deps.marginBps) + 9_999n) / 10_000n;
    const quotedFee = roundFeeUp(this.fromWei(sellToken, withMargin, states) ?? minFee);
    return { gas, gasPriceWei, costWei, minFee, quotedFee };
  }

  /** `amount` of `token` valued in wei at spot (null: no price path). */
  async valueWei(token: Address, amount: bigint): Promise<bigint | null> {
    const states = await this.states();
    const path = this.path(token, states);
    if (!path) return null;
    let v = amount;
    for (const hop of path) v = (v * hop.outReserve) / hop.inReserve;
    return v;
  }

  /**
   * The signed fees of `orders` valued in wei at spot, summed (a fee with no price path counts 0): a batch's
   * fee revenue, for the settle bid's cap and for the economics metrics.
   */
  async feesValueWei(
    orders: Iterable<Pick<Order, "sellToken" | "feeAmount"> | null | undefined>,
  ): Promise<bigint> {
    let sum = 0n;
    for (const o of orders)
      if (o && o.feeAmount > 0n) sum += (await this.valueWei(o.sellToken, o.feeAmount)) ?? 0n;
    return sum;
  }

  /**
   * The quote for selling `sellAmount` of `sellToken` for `buyToken`: the fee to sign, and the buy amount
   * the pool pays right now for the sell amount net of that fee (its price impact and 0.3% included). Not a
   * promise: the batch clears at its own price; the trader signs its limit below this with a slippage.
   * With `--fee-policy off` the fee (and `minFee`) is 0.
   * @throws RelayError UNKNOWN_PAIR (no pool for the pair, or no WETH price) | ORDER_TOO_SMALL
   */
  async quote(sellToken: Address, buyToken: Address, sellAmount: bigint): Promise<Quote> {
    if (sellToken.toLowerCase() === buyToken.toLowerCase())
      throw new RelayError("SAME_TOKEN", "sellToken and buyToken must be different tokens");
    const pool = this.deps.pools.find(sellToken, buyToken);
    if (!pool)
      throw new RelayError("UNKNOWN_PAIR", `the relay does not trade ${sellToken} against ${buyToken}`, {
        details: { tokens: Object.fromEntries(this.deps.tokenSymbols) },
      });
    const need = await this.need(sellToken);
    if (!need)
      throw new RelayError("UNKNOWN_PAIR", `the relay cannot price ${sellToken} in WETH to quote a fee`);
    // With the floor off (`--fee-policy off`) the relay asks no fee: the quote says so (fee and floor 0).
    const fee = this.enforced ? need.quotedFee : 0n;
    if (this.enforced) await this.checkSize(sellToken, sellAmount, fee);
    const states = await this.states();
    const s = states.find((p) => p.pair.toLowerCase() === pool.pair.toLowerCase())!;
    const sellIs0 = s.token0.toLowerCase() === sellToken.toLowerCase();
    const [rIn, rOut] = sellIs0 ? [s.reserve0, s.reserve1] : [s.reserve1, s.reserve0];
    const head = this.deps.head();
    const wall = BigInt(Math.floor(Date.now() / 1000));
    const now = head.timestamp > wall ? head.timestamp : wall;
    const lifetime = BigInt(Math.max(1, Math.min(QUOTE_VALID_SECONDS, this.deps.maxValiditySeconds - 5)));
    return {
      ...need,
      minFee: this.enforced ? need.minFee : 0n,
      quotedFee: fee,
      sellToken,
      buyToken,
      sellAmount,
      buyAmount: getAmountOut(sellAmount - fee, rIn, rOut),
      feeAmount: fee,
      validTo: now + lifetime,
      marginBps: this.deps.marginBps,
      block: head.block,
    };
  }

  /**
   * ORDER_TOO_SMALL when the fee would take the whole sell amount or the order is worth less than the
   * minimum value (`details`: the minimum, the order's value, the fee).
   */
  async checkSize(sellToken: Address, sellAmount: bigint, fee: bigint): Promise<void> {
    const value = await this.valueWei(sellToken, sellAmount);
    if (fee >= sellAmount || (value !== null && value < this.deps.minOrderValueWei))
      throw new RelayError(
        "ORDER_TOO_SMALL",
        `the order is too small: it must be worth at least ${this.deps.minOrderValueWei} wei and more than its fee`,
        {
          details: {
            minOrderValueWei: this.deps.minOrderValueWei.toString(),
            orderValueWei: value?.toString() ?? null,
            feeAmount: fee.toString(),
          },
        },
      );
  }

  /** `wei` in `token` at spot, rounded up (the relay never undercharges by rounding). */
  private fromWei(token: Address, wei: bigint, states: PoolState[]): bigint | null {
    const path = this.path(token, states);
    if (!path) return null;
    let v = wei;
    for (const hop of [...path].reverse()) v = (v * hop.inReserve + hop.outReserve - 1n) / hop.outReserve;
    return v;
  }

  /** Spot hops from `token` to WETH: direct, or through one other pool token. */
  private path(token: Address, states: PoolState[]): { inReserve: bigint; outReserve: bigint }[] | null {
    const weth = this.deps.weth?.toLowerCase();
    if (!weth) return null;
    const t = token.toLowerCase();
    if (t === weth) return [];
    const hop = (from: string, to: string) => {
      const p = states.find(
        (s) =>
          (s.token0.toLowerCase() === from && s.token1.toLowerCase() === to) ||
          (s.token1.toLowerCase() === from && s.token0.toLowerCase() === to),
      );
      if (!p || p.reserve0 === 0n || p.reserve1 === 0n) return null;
      return p.token0.toLowerCase() === from
        ? { inReserve: p.reserve0, outReserve: p.reserve1 }
        : { inReserve: p.reserve1, outReserve: p.reserve0 };
    };
    const direct = hop(t, weth);
    if (direct) return [direct];
    for (const mid of this.deps.pools.tokens()) {
      const m = mid.toLowerCase();
      if (m === t || m === weth) continue;
      const a = hop(t, m);
      const b = a && hop(m, weth);
      if (a && b) return [a, b];
    }
    return null;
  }
}

const quoters = new WeakMap<RelayContext, FeeQuoter>();

/** The relay's one {@link FeeQuoter}, built from its context and config on first use. */
export function feeQuoterOf(ctx: RelayContext): FeeQuoter {
  let q = quoters.get(ctx);
  if (!q) {
    const c = ctx.config;
    q = new FeeQuoter({
      pools: ctx.pools,
      chain: ctx.chain,
      head: () => ctx.head,
      weth: ctx.tokenSymbols.get("WETH") ?? null,
      tokenSymbols: ctx.tokenSymbols,
      policy: c.feePolicy ?? "enforce",
      marginBps: c.feeMarginBps ?? DEFAULT_FEE_MARGIN_BPS,
      amortizeOrders: c.feeAmortizeOrders ?? DEFAULT_FEE_AMORTIZE_ORDERS,
      minOrderValueWei:
        c.minOrderValueWei === undefined
          ? DEFAULT_MIN_ORDER_VALUE_WEI
          : BigInt(Math.floor(c.minOrderValueWei)),
      maxValiditySeconds: c.maxValiditySeconds,
    });
    quoters.set(ctx, q);
  }
  return q;
}
