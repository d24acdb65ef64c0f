import { parseArgs } from "node:util";
import { formatUnits } from "viem";
import { noPositionals, parseTokenAmount, required } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { toJson } from "../output.js";

/** `veil quote`: the relay's fee and the pool's current buy amount for a sell, before anything is signed. */
export const quoteCommand: Command = {
  name: "quote",
  summary: "quote the fee and the expected buy amount of a sell order",
  help: `Usage: veil quote --sell TOKEN:AMOUNT --buy TOKEN [options]

Asks the relay (GET /v1/quote) what an order selling AMOUNT would pay as its fee (in the sell token, taken
out of AMOUNT) and what the pool pays right now for the rest. Nothing is signed or sent. \`veil order\`
without --min signs this fee and a limit --slippage below the buy amount.

Options:
  --sell TOKEN:AMOUNT   token and amount to sell (fee included), e.g. WETH:1
  --buy TOKEN           token to buy, e.g. USDC

Example (devnet):
  veil quote --sell WETH:1 --buy USDC

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("quote", () =>
      parseArgs({
        args: argv,
        options: { ...COMMON_OPTIONS, ...{ sell: { type: "string" }, buy: { type: "string" } } },
        allowPositionals: true,
        strict: true,
      }),
    );
    noPositionals("quote", positionals);
    const sell = parseTokenAmount("quote", "--sell", required("quote", "--sell", values.sell));
    const buyToken = required("quote", "--buy", values.buy);
    const client = makeClient("quote", values, { needsKey: false });
    const [sellInfo, buyInfo] = await Promise.all([
      client.resolveToken({ token: sell.token }),
      client.resolveToken({ token: buyToken }),
    ]);
    const q = await client.getQuote({
      sellToken: sellInfo.address,
      buyToken: buyInfo.address,
      sellAmount: sell.amount,
    });
    if (values.json) {
      process.stdout.write(`${toJson(q)}\n`);
      return EXIT_CODES.OK;
    }
    process.stdout.write(`${quoteLines(q, sellInfo, buyInfo).join("\n")}\n`);
    return EXIT_CODES.OK;
  },
};

/** A quote in human units, as `veil quote` prints it and `veil order` shows it before signing. */
export function quoteLines(
  q: {
    sellAmount: bigint;
    buyAmount: bigint;
    feeAmount: bigint;
    gas: bigint;
    gasPriceWei: bigint;
    marginBps: number;
    block: bigint;
  },
  sell: { decimals: number; symbol: string },
  buy: { decimals: number; symbol: string },
): string[] {
  const fmt = (v: bigint, t: { decimals: number; symbol: string }) =>
    `${formatUnits(v, t.decimals)} ${t.symbol}`;
  return [
    `Quote       sell ${fmt(q.sellAmount, sell)} for about ${fmt(q.buyAmount, buy)} (pool price at block ${q.block}, net of the fee)`,
    `Fee         ${fmt(q.feeAmount, sell)} (out of the sell amount: ${q.gas} gas at ${formatUnits(q.gasPriceWei, 9)} gwei + ${q.marginBps / 100}% margin)`,
  ];
}
