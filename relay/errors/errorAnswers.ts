/**
 * The one place where an error becomes an answer: {@link toRelayError} / {@link httpAnswer} for the REST
 * API (createApp's onError and not-found handler), {@link rpcErrorOf} for the JSON-RPC `error` member (the
 * wallet endpoint's /rpc). Both follow the relay's error table (client/wire/errorCodes.ts); anything that is
 * not a known refusal is answered as a generic internal error, whose detail stays in the logs.
 */
import { RpcError } from "../rpc/rpcErrors.js";
import { ERROR_CODES, type ErrorCode } from "./errorCodes.js";
import { type ErrorBody, RelayError } from "./relayError.js";

/** The JSON-RPC `error` member of a response. */
export type RpcErrorJson = { code: number; message: string; data?: unknown };

/** What a wallet is told about a failure that is not a refusal (a bug, or a non-Veil error). */
export const RPC_INTERNAL_MESSAGE = "internal error, please retry";

/**
 * Wraps anything thrown into a RelayError: relay errors keep themselves, typed errors with a code of the
 * table (CryptoError's DECRYPT_FAILED / INVALID_SIGNATURE) keep their code, message and `reason` (as
 * `details.reason`); everything else is INTERNAL with the original as `cause`.
 */
export function toRelayError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in ERROR_CODES && code !== "INTERNAL") {
    const reason = (err as { reason?: unknown }).reason;
    return new RelayError(code as ErrorCode, (err as Error).message, {
      details: typeof reason === "string" ? { reason } : undefined,
      cause: err,
    });
  }
  return new RelayError("INTERNAL", "internal error", { cause: err });
}

/** The REST answer of any error: its status and `{error: {code, message, details?}}` body. */
export function httpAnswer(err: unknown): { error: RelayError; status: number; body: ErrorBody } {
  const error = toRelayError(err);
  return { error, status: error.status, body: error.toBody() };
}

/**
 * The JSON-RPC `error` member of any error: a wallet RPC refusal as it is (its code, message, data), a
 * relay refusal with the table's JSON-RPC code (`data: {code, details}` when it has details), anything
 * else a generic -32603 that leaks nothing.
 */
export function rpcErrorOf(err: unknown): RpcErrorJson {
  if (err instanceof RpcError) return err.toJson();
  const relay = toRelayError(err);
  if (relay.code === "INTERNAL") return { code: ERROR_CODES.INTERNAL.rpc, message: RPC_INTERNAL_MESSAGE };
  return relay.details === undefined
    ? { code: relay.rpcCode, message: relay.message }
    : { code: relay.rpcCode, message: relay.message, data: { code: relay.code, details: relay.details } };
}
