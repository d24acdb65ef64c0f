import { RelayError } from "../../../client/errors/relayError.js";
import { relayRequest } from "../../../client/relay/relayRequest.js";
import { quoteSchema } from "../../../client/relay/relaySchemas.js";
import type { PreparedTrade } from "./preparedTrade.js";

/** Tries at a 429 before the quote's error stands (the API snooper shares the runner's IP and its budget). */
const QUOTE_TRIES = 5;
const QUOTE_RETRY_MS = 1_000;

/**
 * The fee the relay asks for a trade now (`GET /v1/quote`, issue 17): what a scenario's Veil order signs,
 * as the client's `buildOrder` takes the quote's fee by default, so a Veil route's cost in the report is the
 * fee a trader really pays (0 from a relay run with `--fee-policy off`). A 429 is retried after a pause.
 * @throws RelayError the relay's refusal (e.g. ORDER_TOO_SMALL), or a 429 after {@link QUOTE_TRIES}
 * @example const fee = await quoteFee(relayUrl, t) // sign sellAmount = t.sellAmount + fee, feeAmount = fee
 */
export async function quoteFee(relayUrl: string, t: PreparedTrade): Promise<bigint> {
  const query = new URLSearchParams({
    sellToken: t.sellToken,
    buyToken: t.buyToken,
    sellAmount: t.sellAmount.toString(),
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return (await relayRequest(relayUrl, { path: `/v1/quote?${query}`, schema: quoteSchema })).feeAmount;
    } catch (err) {
      if (!(err instanceof RelayError && err.status === 429) || attempt >= QUOTE_TRIES) throw err;
      await new Promise((r) => setTimeout(r, QUOTE_RETRY_MS));
    }
  }
}
