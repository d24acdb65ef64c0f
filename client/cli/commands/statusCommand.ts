import { parseArgs } from "node:util";
import type { VerifyInclusionReturnType } from "../../actions/verifyInclusion.js";
import type { WaitForSettlementReturnType } from "../../actions/waitForSettlement.js";
import type { OrderStatus } from "../../relay/relaySchemas.js";
import { orderIdArg, secondsFlag } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { progressLine, toJson } from "../output.js";

/** `veil status ID`: the relay's view of an order, with its inclusion proof checked against the chain. */
export const statusCommand: Command = {
  name: "status",
  summary: "show an order's state; verifies its inclusion proof against the on-chain root",
  help: `Usage: veil status ID [--wait] [--timeout SECONDS] [options]

Shows the order's state (pending -> committed -> revealed -> filled | unfilled | failed | cancelled), its
batch and fill. Once its batch is committed, the Merkle proof is verified against the root read from the
settlement contract (exit 5 if it does not verify). Needs no key.

Options:
  --wait                wait until the order is final; a fill is checked against the Trade event on chain;
                        exit 7 if it ends unfilled, failed or cancelled
  --timeout SECONDS     how long to wait (default 120)

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("status", () =>
      parseArgs({
        args: argv,
        options: {
          ...COMMON_OPTIONS,
          ...{
            wait: { type: "boolean" },
            timeout: { type: "string" },
          },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    const id = orderIdArg("status", positionals);
    const timeoutMs = secondsFlag("status", "--timeout", values.timeout, 120);
    const client = makeClient("status", values, { needsKey: false });
    let settled: WaitForSettlementReturnType | undefined;
    if (values.wait) {
      const progress = values.json ? undefined : progressLine(id);
      settled = await client.waitForSettlement({ id, timeoutMs, onState: (s) => progress?.update(s) });
      progress?.done();
    }
    const status = await client.getOrder({ id });
    const inclusion: VerifyInclusionReturnType | null =
      status.chainBatchId != null && status.proof ? await client.verifyInclusion({ id, status }) : null;
    if (values.json) {
      process.stdout.write(`${toJson({ ...status, inclusion, verifiedFill: settled?.fill ?? null })}\n`);
    } else {
      process.stdout.write(`${describe(status, inclusion, settled).join("\n")}\n`);
    }
    if (settled && settled.state !== "filled") return EXIT_CODES.NOT_FILLED;
    return EXIT_CODES.OK;
  },
};

function describe(
  s: OrderStatus,
  inc: VerifyInclusionReturnType | null,
  settled?: WaitForSettlementReturnType,
) {
  const lines = [
    `Order ${s.id}`,
    `  state: ${s.state}${s.reason ? ` (${s.reason})` : ""}${s.error ? ` error: ${s.error}` : ""}`,
  ];
  // before an order is final the relay shows only its state (and, once committed, its proof)
  if (s.mode) lines.push(`  mode: ${s.mode}${s.trader ? `, trader ${s.trader}` : ""}`);
  if (s.batchId != null) lines.push(`  relay batch: ${s.batchId}`);
  if (inc)
    lines.push(
      `  on-chain batch ${inc.chainBatchId}, leaf ${inc.leafIndex} of ${inc.leafCount}: proof verified against root ${inc.root}`,
    );
  if (s.fill)
    lines.push(
      `  fill: sold ${s.fill.sellAmount} for ${s.fill.buyAmount} (base units) in tx ${s.fill.txHash}, block ${s.fill.blockNumber}${settled?.fill ? " (Trade event verified)" : ""}`,
    );
  return lines;
}
