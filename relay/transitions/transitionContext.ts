import type { BatchEvent, OrderEvent } from "../events/relayEvents.js";
import type { RelayContext } from "../relayContext.js";

/**
 * What a state transition needs of the relay: the store it writes, the events it emits, the open batch a
 * requeued order goes to, the head its timing rules read. A test builds one from a real store.
 */
export type TransitionContext = Pick<
  RelayContext,
  "store" | "events" | "logger" | "metrics" | "openBatch" | "head" | "confirmations" | "revealWindow"
>;

/** Events a transition collects while it writes; they go out only once its transaction committed. */
export type PendingEvents = { order(e: OrderEvent): void; batch(e: BatchEvent): void };

/**
 * Runs `write` in one store transaction and emits the events it collected after the commit, in order: a
 * subscriber (SSE client, proof recorder) never sees a state the store could still roll back, and a write
 * that throws (or a compare-and-set that lost and returned early) emits nothing it did not commit.
 * @example const won = await commitThenEmit(ctx, async (out) => { ...; out.order({ id, state, batchId }); return true; })
 */
export async function commitThenEmit<T>(
  ctx: Pick<TransitionContext, "store" | "events">,
  write: (out: PendingEvents) => Promise<T>,
): Promise<T> {
  const queued: (["order", OrderEvent] | ["batch", BatchEvent])[] = [];
  const out: PendingEvents = {
    order: (e) => queued.push(["order", e]),
    batch: (e) => queued.push(["batch", e]),
  };
  const result = await ctx.store.transaction(() => write(out));
  for (const [kind, e] of queued) {
    if (kind === "order") ctx.events.order(e);
    else ctx.events.batch(e);
  }
  return result;
}
