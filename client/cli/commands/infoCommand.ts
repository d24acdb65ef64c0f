import { parseArgs } from "node:util";
import { noPositionals } from "../cliArgs.js";
import { COMMON_HELP, COMMON_OPTIONS, makeClient, withUsageErrors } from "../cliContext.js";
import type { Command } from "../command.js";
import { EXIT_CODES } from "../exitCodes.js";
import { toJson } from "../output.js";

/** `veil info`: the relay's parameters, after checking its chain id and settlement contract against the chain. */
export const infoCommand: Command = {
  name: "info",
  summary: "show the relay's parameters, verified against the chain",
  help: `Usage: veil info [options]

Shows the relay's chain, settlement contract, batch timing and tokens. The chain id is compared with the RPC
node's and the settlement contract's code and EIP-712 domain are checked; a mismatch exits with code 5.

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = withUsageErrors("info", () =>
      parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...{} }, allowPositionals: true, strict: true }),
    );
    noPositionals("info", positionals);
    const client = makeClient("info", values, { needsKey: false });
    const info = await client.verifyRelay();
    const tokens = { ...(info.tokens ?? {}), ...(client.tokens ?? {}) };
    if (values.json) {
      process.stdout.write(`${toJson({ relayUrl: client.relayUrl, verified: true, ...info, tokens })}\n`);
      return EXIT_CODES.OK;
    }
    const lines = [
      `Relay       ${client.relayUrl}`,
      `Chain       ${info.chainId} (matches the RPC node)`,
      `Settlement  ${info.settlement} (code and EIP-712 domain verified)`,
      `Batches     every ${info.batchIntervalMs} ms, at most ${info.maxBatchSize} orders`,
      `Timing      reveal delay ${info.revealDelayBlocks} blocks, expiry ${info.expiryBlocks} blocks, reveal window ${info.revealWindowBlocks} blocks`,
      `Orders      valid for at most ${info.maxValiditySeconds} s; missed reveals allowed: ${info.missLimit}`,
      `Commit-by   head + ${info.minCommitLeadBlocks} to head + ${info.maxCommitLeadBlocks} blocks (blocks every ~${info.blockTimeMs} ms)`,
      `Tokens      ${
        Object.entries(tokens)
          .map(([s, a]) => `${s} ${a}`)
          .join(", ") || "(none listed; use addresses)"
      }`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return EXIT_CODES.OK;
  },
};
