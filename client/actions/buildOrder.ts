import type { Address } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { BaseError } from "../errors/baseError.js";
import { InvalidAmountError } from "../errors/inputErrors.js";
import { getQuote } from "./getQuote.js";
import type { Order } from "../order/order.js";
import type { RelayInfo } from "../relay/relaySchemas.js";
import { parseAmount } from "../utils/parseAmount.js";
import { requireTrader } from "./requireTrader.js";
import { resolveToken } from "./resolveToken.js";
import { selectNonce } from "./selectNonce.js";
import { verifyRelay } from "./verifyRelay.js";

/** Default order lifetime; clamped to the relay's `maxValiditySeconds`. */
export const DEFAULT_VALID_FOR_SECONDS = 300;

/** Blocks added to the relay's own commit lead when picking `commitBy` (a slow block, a missed bundle). */
export const COMMIT_BY_MARGIN_BLOCKS = 2n;

export type BuildOrderParameters = {
  /** Symbol (from the client's or the relay's token map) or address. */
  sellToken: string;
  buyToken: string;
  /** Human amount ("1.5") in the sell token's decimals, or base units as a bigint. */
  sellAmount: string | bigint;
  /**
   * Least acceptable buy amount (for `sellAmount - feeAmount`): human string in the buy token's decimals, or
   * base units. Default: the relay's quote ({@link getQuote}) less `slippageBps`.
   */
  minBuyAmount?: string | bigint;
  /** With no `minBuyAmount`: how far below the quote's buy amount the limit is, in basis points (default 50). */
  slippageBps?: number;
  /** Seconds from now until the order expires (default 300, at most the relay's maxValiditySeconds). */
  validForSeconds?: number;
  /** Explicit nonce, or a {@link selectNonce} mode (default random). */
  nonce?: bigint | "random" | "next";
  /**
   * Last block the order's batch may be committed in (order v2). Default: the head plus the blocks the
   * relay needs to close its batch and commit it ({@link defaultCommitBy}). A commit-mode order is revealed
   * only after this block, so a larger value delays the reveal.
   */
  commitBy?: bigint;
  /**
   * The signed fee in the sell token, base units (order v3): taken out of `sellAmount`, so the limit
   * `minBuyAmount` applies to `sellAmount - feeAmount`. Default: the relay's quote (`GET /v1/quote`), which
   * is what its intake requires (`INSUFFICIENT_FEE` below it).
   */
  feeAmount?: bigint;
};

/** Default `slippageBps` of a quote-based limit: 0.5% below the quoted buy amount. */
export const DEFAULT_SLIPPAGE_BPS = 50;

/**
 * The `commitBy` the client picks at `head`: the relay's minimum lead, plus its batch interval in blocks
 * (from its measured block time), plus {@link COMMIT_BY_MARGIN_BLOCKS}, never past the relay's maximum.
 * @example defaultCommitBy(123n, info) // 123n + 3n + 2n + 2n with a 2 s batch interval and 1 s blocks
 */
export function defaultCommitBy(
  head: bigint,
  info: Pick<RelayInfo, "batchIntervalMs" | "blockTimeMs" | "minCommitLeadBlocks" | "maxCommitLeadBlocks">,
): bigint {
  const intervalBlocks = BigInt(Math.ceil(info.batchIntervalMs / Math.max(1, info.blockTimeMs)));
  const lead = BigInt(info.minCommitLeadBlocks) + intervalBlocks + COMMIT_BY_MARGIN_BLOCKS;
  const max = BigInt(info.maxCommitLeadBlocks);
  return head + (lead < max ? lead : max);
}

/**
 * Builds an {@link Order} for the client's trader from human amounts, reading token decimals on chain. The
 * fee and, without `minBuyAmount`, the limit come from the relay's quote (checked to be about this trade);
 * pass `feeAmount` (base units) to sign another fee.
 * @throws UnknownTokenError | InvalidAmountError (also a `feeAmount` not below `sellAmount`) | AccountRequiredError
 * @example const order = await buildOrder(client, { sellToken: "WETH", buyToken: "USDC", sellAmount: "1", minBuyAmount: "1900" })
 */
export async function buildOrder(client: VeilClientBase, parameters: BuildOrderParameters): Promise<Order> {
  const { validForSeconds = DEFAULT_VALID_FOR_SECONDS, nonce = "random" } = parameters;
  const trader = await requireTrader(client, "buildOrder");
  const info = await verifyRelay(client);
  const [sell, buy] = await Promise.all([
    resolveToken(client, { token: parameters.sellToken }),
    resolveToken(client, { token: parameters.buyToken }),
  ]);
  if (sell.address === buy.address)
    throw new BaseError(`Sell and buy token are the same (${sell.symbol})`, "SAME_TOKEN");
  const amount = (v: string | bigint, decimals: number) =>
    typeof v === "bigint" ? v : parseAmount(v, decimals);
  // Orders expire by block.timestamp, which on a fast devnet runs ahead of the wall clock; the relay caps the
  // lifetime by its wall clock. Start from the later of both, within the relay's cap.
  const wallNow = BigInt(Math.floor(Date.now() / 1000));
  const { timestamp: chainNow, number: head } = await client.publicClient.getBlock({ blockTag: "latest" });
  const start = chainNow > wallNow ? chainNow : wallNow;
  let validTo = start + BigInt(Math.max(1, Math.floor(validForSeconds)));
  const cap = wallNow + BigInt(Math.max(1, info.maxValiditySeconds - 5));
  if (info.maxValiditySeconds > 0 && validTo > cap) validTo = cap;
  const sellAmount = amount(parameters.sellAmount, sell.decimals);
  const needQuote = parameters.feeAmount === undefined || parameters.minBuyAmount === undefined;
  const quote = needQuote
    ? await getQuote(client, { sellToken: sell.address, buyToken: buy.address, sellAmount })
    : null;
  const feeAmount = parameters.feeAmount ?? quote!.feeAmount;
  const slippage = BigInt(Math.round(parameters.slippageBps ?? DEFAULT_SLIPPAGE_BPS));
  if (slippage < 0n || slippage >= 10_000n)
    throw new InvalidAmountError({
      amount: slippage.toString(),
      reason: "slippageBps must be in [0, 10000)",
    });
  let minBuyAmount: bigint;
  if (parameters.minBuyAmount !== undefined) minBuyAmount = amount(parameters.minBuyAmount, buy.decimals);
  else {
    // The quote prices the quoted fee; an explicit fee changes the net amount, so scale the estimate to it.
    const net = sellAmount - feeAmount;
    const quotedNet = sellAmount - quote!.feeAmount;
    const expected = quotedNet > 0n ? (quote!.buyAmount * net) / quotedNet : 0n;
    minBuyAmount = (expected * (10_000n - slippage)) / 10_000n;
    if (minBuyAmount === 0n)
      throw new InvalidAmountError({
        amount: sellAmount.toString(),
        reason: "the quote's buy amount less the slippage is zero: sell more, or set minBuyAmount",
      });
  }
  if (feeAmount < 0n || feeAmount >= sellAmount)
    throw new InvalidAmountError({
      amount: feeAmount.toString(),
      reason: `feeAmount must be at least 0 and below sellAmount (${sellAmount}): it comes out of the sell amount`,
    });
  return {
    trader: trader as Address,
    sellToken: sell.address,
    buyToken: buy.address,
    sellAmount,
    minBuyAmount,
    nonce: typeof nonce === "bigint" ? nonce : await selectNonce(client, { mode: nonce }),
    validTo,
    commitBy: parameters.commitBy ?? defaultCommitBy(head ?? 0n, info),
    feeAmount,
  };
}
