import { BaseError } from "./baseError.js";

/** A human amount could not be turned into base units (not a number, too many decimals, negative, zero). */
export class InvalidAmountError extends BaseError {
  override name = "InvalidAmountError";
  constructor({ amount, reason }: { amount: string; reason: string }) {
    super(`Invalid amount "${amount}": ${reason}`, "INVALID_AMOUNT");
  }
}

/** A token symbol is not known to the relay / config, or an address is not an ERC-20 with code. */
export class UnknownTokenError extends BaseError {
  override name = "UnknownTokenError";
  constructor({ token, known }: { token: string; known?: string[] }) {
    super(`Unknown token "${token}"`, "UNKNOWN_TOKEN", {
      details: known?.length
        ? `Known symbols: ${known.join(", ")}; or pass a token address.`
        : "Pass a token address.",
    });
  }
}

/** The action needs to sign or send, but the client was created without an account or signer. */
export class AccountRequiredError extends BaseError {
  override name = "AccountRequiredError";
  constructor({ action }: { action: string }) {
    super(`${action} needs an account`, "ACCOUNT_REQUIRED", {
      details: "Create the client with `account`, `walletClient` or `ethersSigner`.",
    });
  }
}

/** The order is in a final state that does not allow the requested step (e.g. reveal after it was cancelled). */
export class OrderStateError extends BaseError {
  override name = "OrderStateError";
  constructor({
    id,
    state,
    wanted,
    reason,
  }: { id: string; state: string; wanted: string; reason?: string | null }) {
    super(`Order ${id} is ${state}${reason ? ` (${reason})` : ""}; cannot ${wanted}`, "ORDER_STATE");
  }
}
