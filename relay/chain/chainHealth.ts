import type { BuilderHealthView } from "../bundles/builderHealth.js";

/**
 * What the block poller knows about the node, for `/healthz` and for the operator loop (which sends nothing
 * while the node is on another chain). Aggregates only: no ids, no traders (THREATS.md).
 */
export type ChainHealth = {
  /** Wall-clock ms of the last successful poll of the node (null: never). */
  lastPollOkAt: number | null;
  /** Wall-clock ms the head last changed (a new block, or a reorg). */
  lastHeadAt: number | null;
  /** Last poll error (node unreachable), cleared by the next success. */
  lastError: string | null;
  /** Set when the node answers for another chain (chain id or genesis hash changed): the relay stops sending. */
  wrongChain: string | null;
  /** Reorgs (incl. heads that went back and node state lost) seen since start, and the deepest. */
  reorgs: number;
  deepestReorg: number;
  /** Times the node was found restarted with lost state or on another chain. */
  nodeResets: number;
};

export function newChainHealth(): ChainHealth {
  return {
    lastPollOkAt: null,
    lastHeadAt: null,
    lastError: null,
    wrongChain: null,
    reorgs: 0,
    deepestReorg: 0,
    nodeResets: 0,
  };
}

/** The `/healthz` body; `ok` false means the relay cannot do its job now (the route answers 503). */
export type HealthReport = {
  ok: boolean;
  problems: string[];
  head: string;
  headAgeMs: number | null;
  node: { reachable: boolean; sameChain: boolean; reorgs: number; deepestReorg: number; resets: number };
  builders: { total: number; healthy: number };
  confirmations: number;
};

/**
 * Judges the relay's health from aggregates: the node answered recently, the head moved recently (a node that
 * stopped producing blocks stalls every batch), the node is on the chain the relay started on, and at least one
 * builder is healthy (bundles go nowhere otherwise). `staleHeadMs` is a generous multiple of the block time.
 */
export function healthReport(input: {
  health: ChainHealth;
  head: bigint;
  builders: BuilderHealthView[];
  staleHeadMs: number;
  pollMs: number;
  confirmations: number;
  now?: number;
}): HealthReport {
  const now = input.now ?? Date.now();
  const h = input.health;
  const problems: string[] = [];
  const reachable = h.lastPollOkAt !== null && now - h.lastPollOkAt <= Math.max(5_000, input.pollMs * 20);
  if (!reachable) problems.push("node unreachable");
  const headAgeMs = h.lastHeadAt === null ? null : now - h.lastHeadAt;
  if (headAgeMs === null || headAgeMs > input.staleHeadMs) problems.push("chain head is stale");
  if (h.wrongChain) problems.push("node is on another chain");
  const healthy = input.builders.filter((b) => b.healthy).length;
  if (healthy === 0) problems.push("no builder healthy");
  return {
    ok: problems.length === 0,
    problems,
    head: input.head.toString(),
    headAgeMs,
    node: {
      reachable,
      sameChain: h.wrongChain === null,
      reorgs: h.reorgs,
      deepestReorg: h.deepestReorg,
      resets: h.nodeResets,
    },
    builders: { total: input.builders.length, healthy },
    confirmations: input.confirmations,
  };
}
