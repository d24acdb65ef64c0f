import { parseArgs } from "node:util";
import { formatUnits } from "viem";
import type { SubmitCommittedReturnType } from "../../actions/submitCommitted.js";
import type { OrderStatus } from "../../relay/relaySchemas.js";
import { orderToJson } from "../../wire/orderWire.js";
import { noPositionals, parseTokenAmount, required, secondsFlag } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import { UsageError } from "../cliErrors.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { progressLine, toJson } from "../output.js";
import { quoteLines } from "./quoteCommand.js";

const DEFAULT_TIMEOUT_S = 120;

/** `veil order`: build, sign and submit an order (sealed by default, or commit-reveal), optionally wait. */
export const orderCommand: Command = {
  name: "order",
  summary: "sign and submit a sell order (sealed, or --commit for commit-reveal)",
  help: `Usage: veil order --sell TOKEN:AMOUNT --buy TOKEN [--min AMOUNT | --slippage BPS] [--commit] [--wait] [options]

Sells exactly AMOUNT of the sell token for at least --min of the buy token (fill-or-kill), in the relay's
next batch. TOKEN is a symbol (see \`veil info\`) or an address; amounts are human units ("1.5").
The order signs the relay's fee (\`veil quote\`), in the sell token and out of AMOUNT; the limit applies to
the rest. Without --min the limit is the quote's buy amount less --slippage basis points (default 50),
and the quote is shown before the order is signed.

Sealed (default): the order is encrypted to the relay's key and sent in one request.
--commit: only a salted hash is sent; once the batch root is on chain the client verifies its Merkle proof
against the root read from the contract and, once the chain is past the order's commit-by block, reveals
the order (never if the proof is wrong): from then on no batch that could still take it can be committed.

Every order carries a signed commit-by block: its batch must be committed by then (the contract refuses it
in a later batch). The default is the head plus the blocks the relay needs to commit it (from \`veil info\`).

Options:
  --sell TOKEN:AMOUNT   token and amount to sell, e.g. WETH:1.5
  --buy TOKEN           token to buy, e.g. USDC
  --min AMOUNT          least amount of the buy token to accept, e.g. 2500 (default: from the quote)
  --slippage BPS        without --min: limit this far below the quoted buy amount (default 50 = 0.5%)
  --fee AMOUNT          sign this fee (sell-token base units) instead of the quoted one
  --commit              commit-reveal mode
  --wait                wait until settled; checks the Trade event on chain; exit 7 if not filled
  --valid-for SECONDS   order lifetime (default 300, capped by the relay)
  --commit-by BLOCK     last block its batch may be committed in (default: head + the relay's lead)
  --timeout SECONDS     how long to wait for commit / settlement (default ${DEFAULT_TIMEOUT_S})

Example (devnet, after \`veil approve WETH\`):
  veil order --sell WETH:1 --buy USDC --min 1000 --wait
  veil order --sell WETH:1 --buy USDC --slippage 100 --wait

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("order", () =>
      parseArgs({
        args: argv,
        options: {
          ...COMMON_OPTIONS,
          ...{
            sell: { type: "string" },
            buy: { type: "string" },
            min: { type: "string" },
            slippage: { type: "string" },
            fee: { type: "string" },
            commit: { type: "boolean" },
            wait: { type: "boolean" },
            "valid-for": { type: "string" },
            "commit-by": { type: "string" },
            timeout: { type: "string" },
          },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    noPositionals("order", positionals);
    const sell = parseTokenAmount("order", "--sell", required("order", "--sell", values.sell));
    const buyToken = required("order", "--buy", values.buy);
    const min = values.min;
    if (min !== undefined && values.slippage !== undefined)
      throw new UsageError(
        "--min and --slippage exclude each other (--slippage sets the limit from the quote)",
        {
          command: "order",
        },
      );
    const slippage = values.slippage ?? "50";
    if (!/^[0-9]{1,4}$/.test(slippage) || Number(slippage) >= 10_000)
      throw new UsageError(`--slippage must be basis points in [0, 9999], got "${slippage}"`, {
        command: "order",
      });
    if (values.fee !== undefined && !/^(0|[1-9][0-9]{0,77})$/.test(values.fee))
      throw new UsageError(`--fee must be an amount in base units of the sell token, got "${values.fee}"`, {
        command: "order",
      });
    const timeoutMs = secondsFlag("order", "--timeout", values.timeout, DEFAULT_TIMEOUT_S);
    const validForMs = secondsFlag("order", "--valid-for", values["valid-for"], 300);
    const json = values.json === true;
    const commitByFlag = values["commit-by"];
    if (commitByFlag !== undefined && !/^[0-9]{1,19}$/.test(commitByFlag))
      throw new UsageError(`--commit-by must be a block number, got "${commitByFlag}"`, { command: "order" });

    const client = makeClient("order", values, { needsKey: true });
    const [sellInfo, buyInfo] = await Promise.all([
      client.resolveToken({ token: sell.token }),
      client.resolveToken({ token: buyToken }),
    ]);
    if (min === undefined && !json) {
      const q = await client.getQuote({
        sellToken: sellInfo.address,
        buyToken: buyInfo.address,
        sellAmount: sell.amount,
      });
      process.stderr.write(`${quoteLines(q, sellInfo, buyInfo).join("\n")}\n`);
    }
    const order = await client.buildOrder({
      sellToken: sellInfo.address,
      buyToken: buyInfo.address,
      sellAmount: sell.amount,
      ...(min === undefined ? { slippageBps: Number(slippage) } : { minBuyAmount: min }),
      ...(values.fee === undefined ? {} : { feeAmount: BigInt(values.fee) }),
      validForSeconds: Math.ceil(validForMs / 1000),
      ...(commitByFlag === undefined ? {} : { commitBy: BigInt(commitByFlag) }),
    });
    let progress: ReturnType<typeof progressLine> | undefined;
    const onState = (s: OrderStatus) => {
      if (json) return;
      progress ??= progressLine(s.id);
      progress.update(s);
    };
    const submitted = values.commit
      ? await client.submitCommitted({ order, timeoutMs, onState })
      : await client.submitSealed({ order });
    if (values.wait && !values.commit) onState({ id: submitted.id, state: "pending", mode: "sealed" });
    const result = values.wait
      ? await client.waitForSettlement({ id: submitted.id, order, timeoutMs, onState })
      : undefined;
    progress?.done();
    const inclusion = "inclusion" in submitted ? (submitted as SubmitCommittedReturnType).inclusion : null;

    const state = result?.state ?? (values.commit ? "revealed" : "pending");
    if (json) {
      process.stdout.write(
        `${toJson({
          id: submitted.id,
          mode: submitted.mode,
          batchId: submitted.batchId,
          state,
          reason: result?.reason ?? null,
          order: orderToJson(order),
          inclusion,
          fill: result?.fill ?? null,
        })}\n`,
      );
    } else {
      const fmt = (v: bigint, t: { decimals: number; symbol: string }) =>
        `${formatUnits(v, t.decimals)} ${t.symbol}`;
      const lines = [
        `Order ${submitted.id}`,
        `  ${submitted.mode}: sell ${fmt(order.sellAmount, sellInfo)} (fee ${fmt(order.feeAmount, sellInfo)} included) for at least ${fmt(order.minBuyAmount, buyInfo)}, valid until ${new Date(Number(order.validTo) * 1000).toISOString()}, commit by block ${order.commitBy}`,
      ];
      if (inclusion)
        lines.push(`  included in on-chain batch ${inclusion.chainBatchId} (proof verified), revealed`);
      if (result?.fill)
        lines.push(
          `  filled: sold ${fmt(result.fill.sellAmount, sellInfo)} for ${fmt(result.fill.buyAmount, buyInfo)} in tx ${result.fill.txHash} (block ${result.fill.blockNumber}, Trade event verified)`,
        );
      else if (result) lines.push(`  ${result.state}${result.reason ? `: ${result.reason}` : ""}`);
      else lines.push(`  follow it with: veil status ${submitted.id} --wait`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return result && result.state !== "filled" ? EXIT_CODES.NOT_FILLED : EXIT_CODES.OK;
  },
};
