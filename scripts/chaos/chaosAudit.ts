import { createPublicClient, type Hex, http, parseEventLogs } from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { hashOrder } from "../../client/order/order.js";
import { FINAL_ORDER_STATES } from "../../client/relay/relaySchemas.js";
import type { AcceptedOrder, AcceptedTx } from "./chaosLoad.js";

/** One thing the relay and the chain disagree about (or an order the relay lost). */
export type AuditFinding = { kind: "order" | "tx"; id: Hex; problem: string };

export type AuditResult = {
  ordersAccepted: number;
  filled: number;
  unfilledByReason: Record<string, number>;
  privateTxs: { accepted: number; included: number; byStatus: Record<string, number> };
  lost: number;
  doubleSettled: number;
  disagreements: number;
  findings: AuditFinding[];
  /** Accepted -> the block of its settle, filled orders only (final = that block + confirmations - 1). */
  latency: Latency | null;
  /** The same by mode: commit-mode orders also wait for their client to reveal after `commitBy`. */
  latencyByMode: { sealed: Latency | null; commit: Latency | null };
};

type Latency = {
  count: number;
  settledP50Ms: number;
  settledP99Ms: number;
  settledP50Blocks: number;
  settledP99Blocks: number;
};

type RelayOrder = {
  state: string;
  reason?: string | null;
  fill?: { txHash: Hex; blockNumber: string } | null;
};

/** Reads what the relay says about every accepted order and private tx (null when it does not know it). */
export async function readRelayViews(relayUrl: string, orders: AcceptedOrder[], txs: AcceptedTx[]) {
  const orderViews = new Map<Hex, RelayOrder | null>();
  for (const o of orders) {
    const res = await fetch(`${relayUrl}/v1/orders/${o.id}`).catch(() => null);
    orderViews.set(o.id, res?.ok ? ((await res.json()) as RelayOrder) : null);
  }
  const txViews = new Map<Hex, string>();
  for (const t of txs) {
    const body = await fetch(`${relayUrl}/tx/${t.hash}`)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .catch(() => ({ status: "UNREACHABLE" }));
    txViews.set(t.hash, body.status ?? "UNKNOWN");
  }
  return { orderViews, txViews };
}

/** True when every accepted order is final and no private tx is pending, per the relay. */
export function quiet(views: Awaited<ReturnType<typeof readRelayViews>>): boolean {
  for (const v of views.orderViews.values())
    if (!v || !FINAL_ORDER_STATES.includes(v.state as never)) return false;
  for (const s of views.txViews.values()) if (s === "PENDING") return false;
  return true;
}

/**
 * Audits the relay's answers against the canonical chain: a `filled` order needs exactly one `Trade` event
 * with its digest, in the receipt of the fill's tx on the canonical chain; any other final state needs no
 * `Trade` at all; an order the relay does not know or never finished is lost. An `INCLUDED` private tx needs
 * a canonical receipt; a `FAILED`/`CANCELLED` one must have none.
 */
export async function auditAgainstChain(
  rpcUrl: string,
  settlement: Hex,
  chainId: number,
  orders: AcceptedOrder[],
  txs: AcceptedTx[],
  views: Awaited<ReturnType<typeof readRelayViews>>,
): Promise<AuditResult> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const logs = await client.getLogs({ address: settlement, fromBlock: 0n, toBlock: "latest" });
  const trades = parseEventLogs({ abi: veilSettlementAbi, eventName: "Trade", logs });
  const tradesByDigest = new Map<string, typeof trades>();
  for (const t of trades) {
    const key = (t.args.orderDigest as Hex).toLowerCase();
    tradesByDigest.set(key, [...(tradesByDigest.get(key) ?? []), t]);
  }
  const findings: AuditFinding[] = [];
  const unfilledByReason: Record<string, number> = {};
  let filled = 0;
  let lost = 0;
  let doubleSettled = 0;
  let disagreements = 0;
  const samples: { mode: AcceptedOrder["mode"]; ms: number; blocks: number }[] = [];
  for (const o of orders) {
    const view = views.orderViews.get(o.id);
    const onChain = tradesByDigest.get(hashOrder(o.order, chainId, settlement).toLowerCase()) ?? [];
    if (onChain.length > 1) {
      doubleSettled++;
      findings.push({ kind: "order", id: o.id, problem: `${onChain.length} Trade events` });
    }
    if (!view || !FINAL_ORDER_STATES.includes(view.state as never)) {
      lost++;
      findings.push({
        kind: "order",
        id: o.id,
        problem: `relay says ${view ? view.state : "unknown"} after quiet`,
      });
      continue;
    }
    if (view.state === "filled") {
      filled++;
      const fillTx = view.fill?.txHash?.toLowerCase();
      if (!onChain.some((t) => t.transactionHash.toLowerCase() === fillTx)) {
        disagreements++;
        findings.push({
          kind: "order",
          id: o.id,
          problem: `relay says filled in ${fillTx}; no such Trade on chain`,
        });
      } else {
        const block = onChain[0].blockNumber;
        const { timestamp } = await client.getBlock({ blockNumber: block });
        samples.push({
          mode: o.mode,
          blocks: Number(block - o.acceptedAtBlock),
          ms: Math.max(0, Number(timestamp) * 1000 - o.acceptedAtMs),
        });
      }
    } else {
      const reason = view.reason ?? view.state;
      unfilledByReason[reason] = (unfilledByReason[reason] ?? 0) + 1;
      if (onChain.length > 0) {
        disagreements++;
        findings.push({ kind: "order", id: o.id, problem: `relay says ${view.state}; chain has a Trade` });
      }
    }
  }
  const byStatus: Record<string, number> = {};
  let included = 0;
  for (const t of txs) {
    const status = views.txViews.get(t.hash) ?? "UNKNOWN";
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const receipt = await client.getTransactionReceipt({ hash: t.hash }).catch(() => null);
    if (status === "INCLUDED") {
      included++;
      if (!receipt) {
        disagreements++;
        findings.push({
          kind: "tx",
          id: t.hash,
          problem: "relay says INCLUDED; no receipt on the canonical chain",
        });
      }
    } else if (status === "PENDING" || status === "UNKNOWN" || status === "UNREACHABLE") {
      lost++;
      findings.push({ kind: "tx", id: t.hash, problem: `relay says ${status} after quiet` });
    } else if (receipt) {
      disagreements++;
      findings.push({ kind: "tx", id: t.hash, problem: `relay says ${status}; the chain has its receipt` });
    }
  }
  return {
    ordersAccepted: orders.length,
    filled,
    unfilledByReason,
    privateTxs: { accepted: txs.length, included, byStatus },
    lost,
    doubleSettled,
    disagreements,
    findings,
    latency: latencyOf(samples),
    latencyByMode: {
      sealed: latencyOf(samples.filter((x) => x.mode === "sealed")),
      commit: latencyOf(samples.filter((x) => x.mode === "commit")),
    },
  };
}

function latencyOf(samples: { ms: number; blocks: number }[]): Latency | null {
  if (samples.length === 0) return null;
  const ms = samples.map((x) => x.ms);
  const blocks = samples.map((x) => x.blocks);
  return {
    count: samples.length,
    settledP50Ms: percentile(ms, 0.5),
    settledP99Ms: percentile(ms, 0.99),
    settledP50Blocks: percentile(blocks, 0.5),
    settledP99Blocks: percentile(blocks, 0.99),
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
