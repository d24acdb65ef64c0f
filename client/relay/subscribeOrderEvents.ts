import { orderEventSchema } from "./relaySchemas.js";

/** One `order` event from the relay's SSE stream (`GET /v1/events?order=ID`). */
export type OrderEvent = { id: string; state: string };

/**
 * Follows the relay's server-sent events for one order and calls `onEvent` for each `order` event. Resolves
 * when the stream ends or `signal` aborts; rejects when it cannot connect (callers fall back to polling).
 * Malformed events are skipped: the caller re-reads the order by GET anyway, SSE only wakes it early.
 */
export async function subscribeOrderEvents(
  relayUrl: string,
  orderId: string,
  onEvent: (event: OrderEvent) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  const url = `${relayUrl.replace(/\/+$/, "")}/v1/events?order=${encodeURIComponent(orderId)}`;
  const res = await fetch(url, { headers: { accept: "text/event-stream" }, signal });
  if (!res.ok || !res.body) throw new Error(`SSE ${url} answered HTTP ${res.status}`);
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        dispatch(buffer.slice(0, end), onEvent);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    reader.releaseLock();
  }
}

function dispatch(block: string, onEvent: (event: OrderEvent) => void): void {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (event !== "order" || data.length === 0) return;
  try {
    const parsed = orderEventSchema.safeParse(JSON.parse(data.join("\n")));
    if (parsed.success) onEvent(parsed.data);
  } catch {
    // not JSON: ignore, polling still covers this order
  }
}
