import { type Hex, isHex } from "viem";
import { UsageError } from "./cliErrors.js";

/** `TOKEN:AMOUNT` of `--sell` (the token may be a symbol or an address; split at the last colon). */
export function parseTokenAmount(
  command: string,
  flag: string,
  value: string,
): { token: string; amount: string } {
  const i = value.lastIndexOf(":");
  const token = i < 0 ? "" : value.slice(0, i).trim();
  const amount = i < 0 ? "" : value.slice(i + 1).trim();
  if (!token || !amount)
    throw new UsageError(
      `${flag} must be TOKEN:AMOUNT (a symbol or address, then a human amount), e.g. ${flag} WETH:1.5; got "${value}"`,
      {
        command,
      },
    );
  return { token, amount };
}

/** A required string flag. */
export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`missing ${flag}`, { command });
  return value;
}

/** A positive number of seconds flag, as milliseconds. */
export function secondsFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback * 1000;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || Number(value) <= 0)
    throw new UsageError(`${flag} must be a positive number of seconds, got "${value}"`, { command });
  return Math.round(Number(value) * 1000);
}

/** Exactly one positional: an order id (0x + 64 hex). */
export function orderIdArg(command: string, positionals: string[]): Hex {
  if (positionals.length === 0) throw new UsageError("missing order ID (0x + 64 hex digits)", { command });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, { command });
  const id = positionals[0];
  if (!isHex(id, { strict: true }) || id.length !== 66)
    throw new UsageError(`order ID must be 0x followed by 64 hex digits, got "${id}"`, { command });
  return id.toLowerCase() as Hex;
}

/** Rejects positionals for commands that take none. */
export function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, { command });
}
