import { parseArgs } from "node:util";
import { formatUnits, maxUint256 } from "viem";
import { parseAmount } from "../../utils/parseAmount.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import { UsageError } from "../cliErrors.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { toJson } from "../output.js";

/** `veil approve TOKEN`: lets the settlement contract pull the token when an order settles. */
export const approveCommand: Command = {
  name: "approve",
  summary: "approve the settlement contract to pull a token (needed once per sell token)",
  help: `Usage: veil approve TOKEN [--amount AMOUNT] [options]

Approves the verified settlement contract to spend TOKEN (symbol or address) for the trader. Sends nothing
when the allowance already covers AMOUNT (default: unlimited).

Options:
  --amount AMOUNT   human amount to approve (default: unlimited)

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("approve", () =>
      parseArgs({
        args: argv,
        options: { ...COMMON_OPTIONS, ...{ amount: { type: "string" } } },
        allowPositionals: true,
        strict: true,
      }),
    );
    if (positionals.length !== 1)
      throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : "missing TOKEN", {
        command: "approve",
      });
    const client = makeClient("approve", values, { needsKey: true });
    const token = await client.resolveToken({ token: positionals[0] });
    const amount = values.amount === undefined ? maxUint256 : parseAmount(values.amount, token.decimals);
    const res = await client.ensureAllowance({ token: token.address, amount, approveAmount: amount });
    if (values.json) process.stdout.write(`${toJson({ ...res, symbol: token.symbol })}\n`);
    else {
      const shown = `${res.allowance === maxUint256 ? "unlimited" : formatUnits(res.allowance, token.decimals)} ${token.symbol}`;
      process.stdout.write(
        res.txHash
          ? `Approved ${shown} for the settlement contract (tx ${res.txHash})\n`
          : `Allowance already ${shown}; nothing sent\n`,
      );
    }
    return EXIT_CODES.OK;
  },
};
