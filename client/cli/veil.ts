import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { COMMON_HELP } from "./cliContext.js";
import { errorJson, exitCodeOf, formatError, UsageError } from "./cliErrors.js";
import type { Command } from "./command.js";
import { approveCommand } from "./commands/approveCommand.js";
import { cancelCommand } from "./commands/cancelCommand.js";
import { infoCommand } from "./commands/infoCommand.js";
import { orderCommand } from "./commands/orderCommand.js";
import { quoteCommand } from "./commands/quoteCommand.js";
import { statusCommand } from "./commands/statusCommand.js";
import { EXIT_CODES, EXIT_CODES_HELP } from "./exitCodes.js";
import { toJson } from "./output.js";

const COMMANDS: Command[] = [
  infoCommand,
  approveCommand,
  quoteCommand,
  orderCommand,
  statusCommand,
  cancelCommand,
];

const MAIN_HELP = `veil: trade through a Veil relay (MEV-protected batch settlement)

Usage: veil <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join("\n")}

Run \`veil <command> --help\` for a command's options.
The trader key comes from env VEIL_PRIVATE_KEY or --key-file PATH. On the devnet (\`npm start\`), relay/RPC
URLs and token symbols default from .veil/devnet.json.

${COMMON_HELP}

${EXIT_CODES_HELP}`;

/**
 * Runs the CLI with `argv` (without `node veil`) and returns the exit code. Errors are printed as one clear
 * message (or `{"error":...}` with --json), never as a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes("--json");
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    process.stdout.write(`${cmd ? cmd.help : MAIN_HELP}\n`);
    return name === undefined ? EXIT_CODES.USAGE : EXIT_CODES.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command)
      throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${command.help}\n`);
      return EXIT_CODES.OK;
    }
    return await command.run(rest);
  } catch (err) {
    if (json) process.stdout.write(`${toJson(errorJson(err))}\n`);
    process.stderr.write(`${formatError(err)}\n`);
    return exitCodeOf(err);
  }
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${formatError(err)}\n`);
      process.exit(EXIT_CODES.INTERNAL);
    },
  );
}
