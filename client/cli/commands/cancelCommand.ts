import { parseArgs } from "node:util";
import { isAddressEqual } from "viem";
import { BaseError } from "../../errors/baseError.js";
import { orderIdArg } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { toJson } from "../output.js";

/** `veil cancel ID`: signed off-chain cancel at the relay, or `--on-chain` nonce invalidation. */
export const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel an order at the relay (or on chain with --on-chain)",
  help: `Usage: veil cancel ID [--on-chain] [options]

Signs Cancel(trader, ID) and asks the relay to drop the order; works while its batch is still open (the relay
answers CANCEL_TOO_LATE after that, exit 3).
--on-chain: burns the order's nonce with invalidateNonces on the settlement contract instead; needs no relay
cooperation beyond reading the order's nonce, and works until the order is settled.

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("cancel", () =>
      parseArgs({
        args: argv,
        options: { ...COMMON_OPTIONS, ...{ "on-chain": { type: "boolean" } } },
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
    const status = await client.getOrder({ id });
    if (!status.order)
      throw new BaseError(`The relay does not know order ${id}'s nonce yet (not revealed)`, "ORDER_STATE");
    const order = status.order; // already decoded by the relay answer schema
    const me = await client.signer!.getAddress();
    if (!isAddressEqual(order.trader, me))
      throw new BaseError(
        `Order ${id} belongs to ${order.trader}, not to this key (${me})`,
        "TRADER_MISMATCH",
      );
    const { txHashes } = await client.cancelOnChain({ nonces: [order.nonce] });
    process.stdout.write(
      values.json
        ? `${toJson({ id, nonce: order.nonce, txHashes })}\n`
        : `Nonce ${order.nonce} invalidated on chain (tx ${txHashes[0]}); order ${id} can no longer settle\n`,
    );
    return EXIT_CODES.OK;
  },
};
