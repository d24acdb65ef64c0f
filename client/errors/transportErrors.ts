import { BaseError } from "./baseError.js";

/** The relay could not be reached at all (connection refused, DNS, TLS, aborted). Check the URL and that it runs. */
export class RelayUnreachableError extends BaseError {
  override name = "RelayUnreachableError";
  url: string;
  constructor({ url, cause }: { url: string; cause?: unknown }) {
    super(`Relay unreachable at ${url}`, "RELAY_UNREACHABLE", {
      details: `${cause instanceof Error ? cause.message : String(cause)}. Is the relay running and is --relay / relayUrl right?`,
      cause,
    });
    this.url = url;
  }
}

/** The relay answered something that is not the pinned API shape (wrong JSON, missing fields). */
export class RelayResponseError extends BaseError {
  override name = "RelayResponseError";
  constructor({ url, details, cause }: { url: string; details: string; cause?: unknown }) {
    super(`Relay at ${url} sent an answer the client cannot read`, "RELAY_BAD_RESPONSE", { details, cause });
  }
}

/** Waiting for something (a batch commit, a settlement, a receipt) took longer than allowed. */
export class TimeoutError extends BaseError {
  override name = "TimeoutError";
  constructor({ what, timeoutMs, details }: { what: string; timeoutMs: number; details?: string }) {
    super(`Timed out after ${timeoutMs} ms waiting for ${what}`, "TIMEOUT", { details });
  }
}

/** The chain's JSON-RPC node could not be reached or failed a basic read. Check --rpc / rpcUrl. */
export class RpcUnreachableError extends BaseError {
  override name = "RpcUnreachableError";
  url: string;
  constructor({ url, cause }: { url: string; cause?: unknown }) {
    super(`RPC node unreachable at ${url}`, "RPC_UNREACHABLE", {
      details: `${cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause)}. Is --rpc / rpcUrl right?`,
      cause,
    });
    this.url = url;
  }
}
