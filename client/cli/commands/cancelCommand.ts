import { parseArgs } from "node:util";
import { isAddressEqual } from "viem";
import { BaseError } from "../../errors/baseError.js";
import { orderIdArg } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import { UsageError } from "../cliErrors.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { toJson } from "../output.js";

/** `veil cancel ID`: signed off-chain cancel at the relay, or `--on-chain` nonce invalidation. */
export const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel an order at the relay (or on chain with --on-chain)",
  help: `Usage: veil cancel ID [--on-chain [--nonce N]] [options]

Signs Cancel(trader, ID) and asks the relay to drop the order; works while its batch is still open (the relay
answers CANCEL_TOO_LATE after that, exit 3).
--on-chain: burns the order's nonce with invalidateNonces on the settlement contract instead; works until the
order is settled and needs no relay cooperation.
--nonce N: the order's nonce (\`veil order\` prints it with the order). Needed with --on-chain while the order
is live: the relay shows an order's content only once it is final, never before.

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("cancel", () =>
      parseArgs({
        args: argv,
        options: { ...COMMON_OPTIONS, ...{ "on-chain": { type: "boolean" }, nonce: { type: "string" } } },
        allowPositionals: true,
        strict: true,
      }),
    );
    const id = orderIdArg("cancel", positionals);
    const client = makeClient("cancel", values, { needsKey: true });
    if (!values["on-chain"]) {
      const res = await client.cancel({ id });
      process.stdout.write(values.json ? `${toJson(res)}\n` : `Order ${res.id} cancelled at the relay\n`);
      return EXIT_CODES.OK;
    }
    const nonce = values.nonce === undefined ? await nonceFromRelay(client, id) : parseNonce(values.nonce);
    const { txHashes } = await client.cancelOnChain({ nonces: [nonce] });
    process.stdout.write(
      values.json
        ? `${toJson({ id, nonce, txHashes })}\n`
        : `Nonce ${nonce} invalidated on chain (tx ${txHashes[0]}); order ${id} can no longer settle\n`,
    );
    return EXIT_CODES.OK;
  },
};

function parseNonce(raw: string): bigint {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(raw))
    throw new UsageError("--nonce must be a decimal integer (the order's nonce)", { command: "cancel" });
  return BigInt(raw);
}

/** The relay shows the order (and its nonce) only once it is final; checks it is this key's order. */
async function nonceFromRelay(client: ReturnType<typeof makeClient>, id: string): Promise<bigint> {
  const status = await client.getOrder({ id });
  if (!status.order)
    throw new BaseError(
      `The relay shows order ${id}'s content only once it is final (now ${status.state}); pass --nonce N (printed by \`veil order\`)`,
      "ORDER_STATE",
    );
  const me = await client.signer!.getAddress();
  if (!isAddressEqual(status.order.trader, me))
    throw new BaseError(
      `Order ${id} belongs to ${status.order.trader}, not to this key (${me})`,
      "TRADER_MISMATCH",
    );
  return status.order.nonce;
}
