import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Store } from "../store/store.js";

const ORDER_STATES = ["pending", "committed", "revealed", "filled", "unfilled", "failed", "cancelled"];

/**
 * The relay's Prometheus metrics on their own registry (served at `GET /metrics`): orders by state (read
 * from the store at scrape time, so they survive restarts), batch latency from close to settlement, bundle
 * attempts by kind and outcome, and intake rejections by code.
 */
export function createRelayMetrics(store: Store) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "veil_relay_" });
  const ordersByState = new Gauge({
    name: "veil_orders",
    help: "Orders known to the relay, by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const counts = await store.countOrdersByState();
      for (const s of ORDER_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  const batchLatency = new Histogram({
    name: "veil_batch_latency_seconds",
    help: "Seconds from a batch closing to its settle transaction landing",
    buckets: [0.5, 1, 2, 5, 10, 20, 60, 120, 300],
    registers: [registry],
  });
  const bundleAttempts = new Counter({
    name: "veil_bundle_attempts_total",
    help: "Bundles sent to builders, by tx kind and outcome",
    labelNames: ["kind", "outcome"],
    registers: [registry],
  });
  const intake = new Counter({
    name: "veil_intake_total",
    help: "Intake requests by endpoint and result code (ok or the error code)",
    labelNames: ["endpoint", "result"],
    registers: [registry],
  });
  const settlePoolWaits = new Counter({
    name: "veil_settle_pool_waits_total",
    help:
      "Blocks a settle waited because of the same-block pool guard (F2): own_settle = another settle of this " +
      "relay on the same pool took the bundle; pool_touched = a target block missed while another tx traded one of its pools in it",
    labelNames: ["cause"],
    registers: [registry],
  });
  const settledBatches = new Counter({
    name: "veil_settled_batches_total",
    help: "Batches whose settle landed (the base the pool waits are counted against)",
    registers: [registry],
  });
  const builderRequests = new Counter({
    name: "veil_builder_requests_total",
    help: "Requests to each configured builder (by index in --builder-url), by operation and outcome",
    labelNames: ["builder", "op", "outcome"],
    registers: [registry],
  });
  const reorgs = new Counter({
    name: "veil_reorgs_total",
    help: "Chain reorganisations seen by the block poller (incl. a head that went back and node state lost)",
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: "veil_reorg_rollbacks_total",
    help: "Commits, settles and private txs moved back a state because a reorg removed them (by kind)",
    labelNames: ["kind"],
    registers: [registry],
  });
  return {
    registry,
    reorgs,
    rollbacks,
    ordersByState,
    batchLatency,
    bundleAttempts,
    intake,
    settlePoolWaits,
    settledBatches,
    builderRequests,
  };
}

export type RelayMetrics = ReturnType<typeof createRelayMetrics>;
