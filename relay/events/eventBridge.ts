import { randomBytes } from "node:crypto";
import pg from "pg";
import type { BatchEvent, OrderEvent, RelayEvents } from "./relayEvents.js";

/** The PostgreSQL channel the relay instances share their events on. */
export const EVENTS_CHANNEL = "veil_events";

type Envelope = { from: string; kind: "order" | "batch"; data: OrderEvent | BatchEvent };

/**
 * Shares one instance's events with every other instance on the same PostgreSQL database, so an SSE
 * subscriber sees every state change whichever instance it is connected to: each local event (emitted after
 * its write committed) is published with `pg_notify` (delivered only once the publishing statement commits,
 * in commit order per sender), and every notification from another instance is re-emitted locally. An
 * instance never re-publishes what it received. Payloads are the small event objects (well under
 * PostgreSQL's 8000-byte limit). Returns the stop function.
 * @example const stopBridge = await bridgeEvents(ctx.events, store.pool, url)
 */
export async function bridgeEvents(
  events: RelayEvents,
  pool: pg.Pool,
  url: string,
  onError: (err: unknown) => void = () => undefined,
): Promise<() => Promise<void>> {
  const self = randomBytes(8).toString("hex");
  let replaying = false;
  let stopped = false;
  let listener: pg.Client | null = null;

  const listen = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    c.on("notification", (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      let e: Envelope;
      try {
        e = JSON.parse(n.payload) as Envelope;
      } catch {
        return;
      }
      if (e.from === self) return;
      replaying = true;
      try {
        if (e.kind === "order") events.order(e.data as OrderEvent);
        else events.batch(e.data as BatchEvent);
      } finally {
        replaying = false;
      }
    });
    const reconnect = (err: unknown) => {
      if (stopped || listener !== c) return;
      listener = null;
      onError(err);
      setTimeout(() => void listen().catch(onError), 500).unref();
    };
    c.on("error", reconnect);
    c.on("end", () => reconnect(new Error("event listener connection closed")));
    await c.connect();
    await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    listener = c;
  };
  await listen();

  const unsubscribe = events.subscribe((kind, data) => {
    if (replaying || stopped) return;
    const payload: Envelope = { from: self, kind, data };
    pool.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, JSON.stringify(payload)]).catch(onError);
  });

  return async () => {
    stopped = true;
    unsubscribe();
    const c = listener;
    listener = null;
    await c?.end().catch(() => undefined);
  };
}
