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
 * One JSON request to the relay. Connection failures become {@link RelayUnreachableError} (URL in the
 * message), 4xx/5xx answers a {@link RelayError} carrying the relay's code, and a 2xx answer that does not
 * match `schema` a {@link RelayResponseError}.
 */
export async function relayRequest<S extends z.ZodType>(
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
  if (!res.ok) throw toRelayError(res.status, json, url, text);
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new RelayResponseError({
      url,
      details: `${method} ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`,
    });
  return parsed.data;
}

function toRelayError(status: number, json: unknown, url: string, text: string): RelayError {
  const e = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const known = typeof e?.code === "string" && (RELAY_ERROR_CODES as readonly string[]).includes(e.code);
  return new RelayError({
    code: known ? (e?.code as RelayErrorCode) : `HTTP_${status}`,
    message: typeof e?.message === "string" ? e.message : text.slice(0, 200) || `HTTP ${status}`,
    status,
    url,
    details: e?.details,
  });
}
