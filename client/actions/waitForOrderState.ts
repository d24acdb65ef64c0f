import type { Hex } from "viem";
import type { VeilClientBase } from "../createVeilClient.js";
import { isRelayError } from "../errors/relayError.js";
import { RelayResponseError, RelayUnreachableError, TimeoutError } from "../errors/transportErrors.js";
import type { OrderStatus } from "../relay/relaySchemas.js";
import { subscribeOrderEvents } from "../relay/subscribeOrderEvents.js";
import { getOrder } from "./getOrder.js";

/** Default time to wait for an order to reach a state. */
export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
/** With SSE connected, polling only backs it up, at this multiple of the polling interval. */
const SSE_POLL_FACTOR = 8;
/** How long to wait after the relay answered RATE_LIMITED before asking again (its limits refill per second). */
const RATE_LIMITED_BACKOFF_MS = 1_000;

export type WaitForOrderStateParameters = {
  id: Hex | string;
  /** Stop when this returns true for the order's status. */
  until: (status: OrderStatus) => boolean;
  timeoutMs?: number;
  /** Called with the status each time the state changes (for progress lines). */
  onState?: (status: OrderStatus) => void;
  /** What is awaited, for the timeout message. */
  what?: string;
};

/**
 * Waits until an order's status satisfies `until`. Follows the relay's SSE stream (`/v1/events?order=ID`) to
 * wake early and re-reads the order by GET on every event and on a polling interval, so a missing or broken
 * stream only makes it slower, never wrong. Transient relay outages are retried until the deadline.
 * @throws TimeoutError | RelayError
 * @example await waitForOrderState(client, { id, until: (s) => s.state !== "pending" })
 */
export async function waitForOrderState(
  client: VeilClientBase,
  {
    id,
    until,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    onState,
    what = "the order",
  }: WaitForOrderStateParameters,
): Promise<OrderStatus> {
  const deadline = Date.now() + timeoutMs;
  const abort = new AbortController();
  let sseOpen = false;
  let wake = () => {};
  subscribeOrderEvents(
    client.relayUrl,
    id,
    () => wake(),
    abort.signal,
    () => {
      sseOpen = true;
    },
  )
    .catch(() => {})
    .finally(() => {
      sseOpen = false;
    });
  let lastState: string | undefined;
  let lastError: unknown;
  try {
    for (;;) {
      try {
        const status = await getOrder(client, { id });
        lastError = undefined;
        if (status.state !== lastState) {
          lastState = status.state;
          onState?.(status);
        }
        if (until(status)) return status;
      } catch (err) {
        // Transient: the relay is down or busy, or this client (or its IP: a shared NAT) is over the relay's
        // rate limit. Waiting is what the relay asks for; the order's state is not lost meanwhile.
        const transient =
          err instanceof RelayUnreachableError ||
          err instanceof RelayResponseError ||
          isRelayError(err, "RATE_LIMITED");
        if (!transient) throw err;
        lastError = err;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new TimeoutError({
          what: `${what} ${id}`,
          timeoutMs,
          details: lastError
            ? `last error: ${(lastError as Error).message.split("\n")[0]}`
            : `last state: ${lastState ?? "unknown"}`,
        });
      const interval = isRelayError(lastError, "RATE_LIMITED")
        ? Math.max(RATE_LIMITED_BACKOFF_MS, client.pollingIntervalMs)
        : client.pollingIntervalMs * (sseOpen ? SSE_POLL_FACTOR : 1);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, interval));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    abort.abort();
  }
}
