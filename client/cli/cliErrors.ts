import { BaseError } from "../errors/baseError.js";
import { RelayError } from "../errors/relayError.js";
import { EXIT_CODES, type ExitCode } from "./exitCodes.js";

/** A mistake in how the CLI was called; printed with a pointer to `--help`, exit code 2. */
export class UsageError extends BaseError {
  override name = "UsageError";
  constructor(message: string, { command }: { command?: string } = {}) {
    super(message, "USAGE", {
      metaMessages: [`Run \`veil ${command ? `${command} ` : ""}--help\` for usage.`],
    });
  }
}

const CODE_TO_EXIT: Record<string, ExitCode> = {
  USAGE: EXIT_CODES.USAGE,
  INVALID_AMOUNT: EXIT_CODES.USAGE,
  UNKNOWN_TOKEN: EXIT_CODES.USAGE,
  ACCOUNT_REQUIRED: EXIT_CODES.USAGE,
  SAME_TOKEN: EXIT_CODES.USAGE,
  TRADER_MISMATCH: EXIT_CODES.USAGE,
  RELAY_UNREACHABLE: EXIT_CODES.UNREACHABLE,
  RPC_UNREACHABLE: EXIT_CODES.UNREACHABLE,
  WRONG_CHAIN: EXIT_CODES.VERIFICATION_FAILED,
  WRONG_SETTLEMENT: EXIT_CODES.VERIFICATION_FAILED,
  PROOF_MISMATCH: EXIT_CODES.VERIFICATION_FAILED,
  SETTLEMENT_MISMATCH: EXIT_CODES.VERIFICATION_FAILED,
  RELAY_MISBEHAVIOR: EXIT_CODES.VERIFICATION_FAILED,
  RELAY_BAD_RESPONSE: EXIT_CODES.VERIFICATION_FAILED,
  TIMEOUT: EXIT_CODES.TIMEOUT,
  ORDER_STATE: EXIT_CODES.NOT_FILLED,
};

const HINTS: Record<string, string> = {
  INSUFFICIENT_ALLOWANCE: "Hint: approve the settlement contract first: `veil approve <SELL_TOKEN>`.",
  INSUFFICIENT_BALANCE: "Hint: the trader's balance of the sell token is lower than the sell amount.",
  UNKNOWN_PAIR: "Hint: `veil info` lists the relay's tokens; the pair needs a pool the relay knows.",
  TOO_MANY_MISSES: "Hint: this trader missed too many reveals; use sealed mode (drop --commit).",
  UNFUNDED_COMMITMENT:
    "Hint: commit mode needs a funded trader: hold and approve (`veil approve <TOKEN>`) one of the relay's tokens.",
  CANCEL_TOO_LATE: "Hint: the batch is already committed; cancel on chain with `veil cancel ID --on-chain`.",
};

/** Exit code for an error thrown by a command. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof RelayError) return EXIT_CODES.RELAY_REFUSED;
  if (err instanceof BaseError) return CODE_TO_EXIT[err.code] ?? EXIT_CODES.INTERNAL;
  return EXIT_CODES.INTERNAL;
}

/** Human text for an error: the message and hints, never a stack trace (set VEIL_DEBUG=1 for one). */
export function formatError(err: unknown): string {
  if (process.env.VEIL_DEBUG && err instanceof Error && err.stack) return `veil: ${err.stack}`;
  if (err instanceof BaseError) {
    const hint = HINTS[err.code];
    return `veil: ${err.message}${hint ? `\n${hint}` : ""}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `veil: unexpected error: ${message}\n(set VEIL_DEBUG=1 for a stack trace)`;
}

/** The error as JSON for `--json` output. */
export function errorJson(err: unknown) {
  if (err instanceof BaseError)
    return { error: { code: err.code, message: err.shortMessage, details: err.details ?? null } };
  return {
    error: { code: "INTERNAL", message: err instanceof Error ? err.message : String(err), details: null },
  };
}
