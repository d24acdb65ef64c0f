import type { z } from "zod";
import { RELAY_ERROR_CODES, RelayError, type RelayErrorCode } from "../errors/relayError.js";
import { RelayResponseError, RelayUnreachableError } from "../errors/transportErrors.js";

/** How long one relay HTTP request may take before it counts as unreachable. */
export const RELAY_REQUEST_TIMEOUT_MS = 15_000;

export type RelayRequestParameters<S extends z.ZodType> = {
  method?: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  schema: S;
  signal?: AbortSignal;
};

/**
 * Times a request refused with `429 RATE_LIMITED` or `429 RELAY_BUSY` is sent again, after the answer's
 * `retry-after` (at most {@link MAX_RETRY_AFTER_S} s). Both refusals come before the relay stores anything, so
 * sending the same request again is safe, writes included; a trader sharing an IP with a busy neighbour, or
 * reaching a relay at capacity, gets through a second later instead of an error. Other 429s
 * (`TOO_MANY_OPEN_COMMITMENTS`) are about the trader, not the moment, and are not retried.
 */
export const RELAY_RETRIES_ON_429 = 2;
const MAX_RETRY_AFTER_S = 5;
const RETRIED_CODES = new Set(["RATE_LIMITED", "RELAY_BUSY"]);

/**
 * One JSON request to the relay. Connection failures become {@link RelayUnreachableError} (URL in the
 * message), 4xx/5xx answers a {@link RelayError} carrying the relay's code, and a 2xx answer that does not
 * match `schema` a {@link RelayResponseError}. A momentary refusal (`RATE_LIMITED`, `RELAY_BUSY`) is retried
 * {@link RELAY_RETRIES_ON_429} times after its `retry-after` before it is thrown.
 */
export async function relayRequest<S extends z.ZodType>(
  relayUrl: string,
  params: RelayRequestParameters<S>,
): Promise<z.output<S>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await relayRequestOnce(relayUrl, params);
    } catch (err) {
      if (
        attempt >= RELAY_RETRIES_ON_429 ||
        !(err instanceof RelayError) ||
        !RETRIED_CODES.has(err.code) ||
        err.retryAfterS === undefined
      )
        throw err;
      await sleep(err.retryAfterS * 1000, params.signal);
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function relayRequestOnce<S extends z.ZodType>(
  relayUrl: string,
  { method = "GET", path, body, schema, signal }: RelayRequestParameters<S>,
): Promise<z.output<S>> {
  const url = relayUrl.replace(/\/+$/, "") + path;
  const timeout = AbortSignal.timeout(RELAY_REQUEST_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new RelayUnreachableError({ url, cause: (cause as Error)?.cause ?? cause });
  }
  const text = await res.text().catch(() => "");
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw toRelayError(res, json, url, text);
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new RelayResponseError({
      url,
      details: `${method} ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`,
    });
  return parsed.data;
}

function toRelayError(res: Response, json: unknown, url: string, text: string): RelayError {
  const { status } = res;
  const e = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const known = typeof e?.code === "string" && (RELAY_ERROR_CODES as readonly string[]).includes(e.code);
  // a 429's wait in seconds (the relay sends whole seconds): 1 when absent or unreadable, at most the cap
  const wait = Number(res.headers.get("retry-after") ?? "1");
  return new RelayError({
    code: known ? (e?.code as RelayErrorCode) : `HTTP_${status}`,
    message: typeof e?.message === "string" ? e.message : text.slice(0, 200) || `HTTP ${status}`,
    status,
    url,
    details: e?.details,
    retryAfterS:
      status === 429
        ? Number.isFinite(wait) && wait >= 0
          ? Math.min(wait, MAX_RETRY_AFTER_S)
          : 1
        : undefined,
  });
}
