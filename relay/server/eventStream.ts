import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { RelayError } from "../errors/relayError.js";
import type { BatchEvent, OrderEvent, RelayEvents } from "../events/relayEvents.js";

/** Caps of `GET /v1/events`: streams open in total and per client, and events queued per stream. */
export type EventStreamLimits = { maxSubscribers: number; maxPerClient: number; queueMax: number };

/** How long a stream cut off for reading too slowly gets to flush its final event before its socket goes. */
export const SLOW_READER_GRACE_MS = 1_000;
/** A comment line sent after this long without an event, so proxies keep the stream open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Counts open event streams, in total and per client key (bounded: one entry per client with an open
 * stream), so a stranger cannot hold more than its share of them.
 */
export class EventStreamSlots {
  #total = 0;
  readonly #perClient = new Map<string, number>();

  constructor(private readonly limits: EventStreamLimits) {}

  /** Takes a slot for `client`, or throws RATE_LIMITED when the relay or this client is at its cap. */
  acquire(client: string): void {
    const mine = this.#perClient.get(client) ?? 0;
    if (this.#total >= this.limits.maxSubscribers)
      throw new RelayError("RATE_LIMITED", "the relay serves as many event streams as it can; retry later", {
        details: { maxSubscribers: this.limits.maxSubscribers },
      });
    if (mine >= this.limits.maxPerClient)
      throw new RelayError(
        "RATE_LIMITED",
        `at most ${this.limits.maxPerClient} event streams per client; close one first`,
        { details: { maxPerClient: this.limits.maxPerClient } },
      );
    this.#total++;
    this.#perClient.set(client, mine + 1);
  }

  /** Gives `client`'s slot back. */
  release(client: string): void {
    this.#total = Math.max(0, this.#total - 1);
    const mine = (this.#perClient.get(client) ?? 1) - 1;
    if (mine <= 0) this.#perClient.delete(client);
    else this.#perClient.set(client, mine);
  }

  /** Streams open now. */
  get open(): number {
    return this.#total;
  }
}

/**
 * Streams the relay's events to one subscriber as SSE: a `ready` event, then what `select` keeps of each
 * event (null drops it), with keep-alives. Memory per subscriber is bounded: at most `queueMax` events wait;
 * a reader that falls that far behind is sent a final `closed` event (`{reason: "TOO_SLOW"}`) and cut off,
 * its socket destroyed after {@link SLOW_READER_GRACE_MS} if the event cannot even be written. The caller
 * holds a slot (see {@link EventStreamSlots}) that is released when the stream ends.
 * @example return serveEventStream(c, { events, queueMax: 256, head: () => 1n, select, onEnd })
 */
export function serveEventStream(
  c: Context,
  opts: {
    events: RelayEvents;
    queueMax: number;
    head: () => bigint;
    /** What to send of an event (null: nothing); may read the store (async), events keep their order. */
    select: (
      kind: "order" | "batch",
      data: OrderEvent | BatchEvent,
    ) => unknown | null | Promise<unknown | null>;
    onEnd: () => void;
  },
): Response {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return streamSSE(c, async (stream) => {
    let id = 0;
    const queue: { kind: string; data: unknown | Promise<unknown> }[] = [];
    let wake: (() => void) | null = null;
    let tooSlow = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      opts.onEnd();
    };
    const cutOff = () => {
      tooSlow = true;
      queue.length = 0;
      unsubscribe();
      // The loop writes the final event once the write in flight is done; a reader that never reads never
      // lets it finish, so its socket is destroyed after a grace period and its buffers go too.
      const timer = setTimeout(() => {
        incoming?.socket?.destroy();
        stream.abort();
      }, SLOW_READER_GRACE_MS);
      timer.unref?.();
      wake?.();
    };
    const unsubscribe = opts.events.subscribe((kind, data) => {
      if (tooSlow) return;
      const selected = opts.select(kind, data);
      if (selected === null) return;
      if (queue.length >= opts.queueMax) return cutOff();
      // a store read in flight keeps its place in the queue; a failed one sends nothing
      if (selected instanceof Promise) selected.catch(() => null);
      queue.push({ kind, data: selected });
      wake?.();
    });
    stream.onAbort(() => {
      end();
      wake?.();
    });
    try {
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ head: opts.head().toString() }) });
      while (!stream.aborted && !stream.closed && !tooSlow) {
        const next = queue.shift();
        if (next) {
          const data = await Promise.resolve(next.data).catch(() => null);
          if (data !== null)
            await stream.writeSSE({ event: next.kind, data: JSON.stringify(data), id: String(++id) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, KEEP_ALIVE_MS).unref?.();
        });
        wake = null;
        if (queue.length === 0 && !stream.aborted && !tooSlow) await stream.write(": keep-alive\n\n");
      }
      if (tooSlow && !stream.aborted)
        await stream.writeSSE({
          event: "closed",
          data: JSON.stringify({ reason: "TOO_SLOW", queueMax: opts.queueMax }),
        });
    } catch {
      // the client went away mid-write: nothing to answer
    } finally {
      end();
    }
  });
}
