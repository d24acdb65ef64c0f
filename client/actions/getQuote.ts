import { isAddressEqual } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { RelayMisbehaviorError } from "../errors/trustErrors.js";
import { type Quote, quoteSchema } from "../relay/relaySchemas.js";
import { relayRequest } from "../relay/relayRequest.js";
import { parseAmount } from "../utils/parseAmount.js";
import { resolveToken } from "./resolveToken.js";

export type GetQuoteParameters = {
  /** Symbol (from the client's or the relay's token map) or address. */
  sellToken: string;
  buyToken: string;
  /** Human amount ("1.5") in the sell token's decimals, or base units as a bigint; the fee comes out of it. */
  sellAmount: string | bigint;
};

export type GetQuoteReturnType = Quote;

/**
 * The relay's `GET /v1/quote` (issue 17): the fee to sign (`feeAmount`, sell-token base units) and the buy
 * amount the pool pays now for the sell amount net of it. Tokens are resolved (and checked on chain) first,
 * and the answer must be about exactly the tokens and amount asked: a relay that quotes another trade is
 * refused. The buy amount is an estimate, not a promise: sign a limit below it ({@link buildOrder} applies a
 * slippage).
 * @throws UnknownTokenError | InvalidAmountError | RelayError (e.g. UNKNOWN_PAIR, ORDER_TOO_SMALL) |
 *   RelayMisbehaviorError
 * @example const q = await getQuote(client, { sellToken: "WETH", buyToken: "USDC", sellAmount: "1" })
 */
export async function getQuote(client: VeilClientBase, parameters: GetQuoteParameters): Promise<Quote> {
  const [sell, buy] = await Promise.all([
    resolveToken(client, { token: parameters.sellToken }),
    resolveToken(client, { token: parameters.buyToken }),
  ]);
  const sellAmount =
    typeof parameters.sellAmount === "bigint"
      ? parameters.sellAmount
      : parseAmount(parameters.sellAmount, sell.decimals);
  const query = new URLSearchParams({
    sellToken: sell.address,
    buyToken: buy.address,
    sellAmount: sellAmount.toString(),
  });
  const quote = await relayRequest(client.relayUrl, { path: `/v1/quote?${query}`, schema: quoteSchema });
  if (
    !isAddressEqual(quote.sellToken, sell.address) ||
    !isAddressEqual(quote.buyToken, buy.address) ||
    quote.sellAmount !== sellAmount
  )
    throw new RelayMisbehaviorError({
      reason: `asked a quote for ${sellAmount} ${sell.address} -> ${buy.address}, got one for ${quote.sellAmount} ${quote.sellToken} -> ${quote.buyToken}`,
    });
  if (quote.feeAmount >= sellAmount)
    throw new RelayMisbehaviorError({
      reason: `the quoted fee ${quote.feeAmount} is not below the sell amount`,
    });
  return quote;
}
