/**
 * `npx tsx scripts/chaos/traceLatency.ts [--seconds S] [--seed N] [--out FILE]`: where an order's blocks go.
 * Runs the chaos devnet with no faults and the chaos load for S seconds (relay at log level debug), watches
 * the head every 20 ms, and for every filled order lays its life out in blocks after the block it was
 * accepted at: batch closed, commit bundle first sent (head then, and its target), commit included, (commit
 * mode: client revealed), settle bundle first sent (head, target), settle included. Prints the medians and
 * p99 per stage, by mode and by whether the batch held commit-mode orders; writes them as JSON with --out.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { freeFixedPort } from "../devnet/freeFixedPort.js";
import { rpcCall } from "../devnet/jsonRpc.js";
import { createPrng } from "../scenarios/prng.js";
import { quiet, readRelayViews } from "./chaosAudit.js";
import { type AcceptedOrder, ChaosLoad } from "./chaosLoad.js";
import { ChaosWorld } from "./chaosWorld.js";

type Flags = { seconds: number; seed: number; out: string | null };

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { seconds: 40, seed: 1, out: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === "--seconds") flags.seconds = Number(value);
    else if (name === "--seed") flags.seed = Number(value);
    else if (name === "--out") flags.out = value;
    else throw new Error(`unknown flag ${name} (known: --seconds, --seed, --out)`);
  }
  return flags;
}

/** When each block number was first seen (ms), so a log line's time can be turned into "the head then". */
class HeadWatch {
  readonly seen: { block: bigint; atMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rpcUrl: string) {}

  start(): void {
    const poll = async () => {
      const n = BigInt(await rpcCall<Hex>(this.rpcUrl, "eth_blockNumber").catch(() => "0x0"));
      if (n > (this.seen.at(-1)?.block ?? -1n)) this.seen.push({ block: n, atMs: Date.now() });
      this.timer = setTimeout(poll, 20);
    };
    void poll();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The head at wall time `ms`. */
  headAt(ms: number): bigint {
    let head = this.seen[0]?.block ?? 0n;
    for (const s of this.seen) {
      if (s.atMs > ms) break;
      head = s.block;
    }
    return head;
  }
}

type BundleLine = { time: number; target: bigint; txs: string[] };

function bundleLines(file: string): BundleLine[] {
  const out: BundleLine[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.includes('"bundle sent"')) continue;
    try {
      const j = JSON.parse(line) as { time: number; target: string | number; txs: string[] };
      out.push({ time: j.time, target: BigInt(j.target), txs: j.txs });
    } catch {
      // a partial line
    }
  }
  return out;
}

type Row = Record<string, number | null> & { mode: number };

const STAGES = [
  "closed",
  "commitSentAtHead",
  "commitTarget",
  "commitIncluded",
  "revealAfter",
  "revealed",
  "settleSentAtHead",
  "settleTarget",
  "settleIncluded",
] as const;

function stats(rows: Row[], stage: string): { p50: number; p99: number; n: number } | null {
  const v = rows
    .map((r) => r[stage])
    .filter((x): x is number => x !== null && x !== undefined)
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), n: v.length };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const logDir = mkdtempSync(join(tmpdir(), "veil-trace-"));
  const logFile = join(logDir, "relay.log");
  process.env.CHAOS_RELAY_LOG = logFile;
  const prng = createPrng(flags.seed);
  const world = await ChaosWorld.start({
    slotMs: 1000,
    prng,
    relayPort: await freeFixedPort(),
    logLevel: "debug",
  });
  const heads = new HeadWatch(world.devnet.rpcUrl);
  heads.start();
  try {
    const load = new ChaosLoad(world, prng);
    load.start();
    await new Promise((r) => setTimeout(r, flags.seconds * 1000));
    await load.stop();
    const until = Date.now() + 60_000;
    let views = await readRelayViews(world.relayUrl, load.orders, load.txs);
    while (!quiet(views) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1_000));
      views = await readRelayViews(world.relayUrl, load.orders, load.txs);
    }
    const sends = bundleLines(logFile);
    const firstSend = (kind: string, batchId: number) =>
      sends.find((s) => s.txs.includes(`${kind}:${batchId}`)) ?? null;
    const batchOf = new Map<Hex, number>();
    const batches = new Map<number, { closedAt: number | null; commitBlock: string | null }>();
    for (const o of load.orders) {
      const v = (await fetch(`${world.relayUrl}/v1/orders/${o.id}`).then((r) => r.json())) as {
        batchId: number | null;
      };
      if (v.batchId === null) continue;
      batchOf.set(o.id, v.batchId);
      if (!batches.has(v.batchId))
        batches.set(
          v.batchId,
          (await fetch(`${world.relayUrl}/v1/batches/${v.batchId}`).then((r) => r.json())) as {
            closedAt: number | null;
            commitBlock: string | null;
          },
        );
    }
    const ordersOf = (batchId: number) => load.orders.filter((o) => batchOf.get(o.id) === batchId);
    const rows: { mode: AcceptedOrder["mode"]; mixed: boolean; r: Record<string, number | null> }[] = [];
    for (const o of load.orders) {
      const view = views.orderViews.get(o.id) as { state: string; fill?: { blockNumber: string } } | null;
      const batchId = batchOf.get(o.id);
      if (view?.state !== "filled" || !view.fill || batchId === undefined) continue;
      const a = o.acceptedAtBlock;
      const rel = (b: bigint | null) => (b === null ? null : Number(b - a));
      const batch = batches.get(batchId);
      const commit = firstSend("commit", batchId);
      const settle = firstSend("settle", batchId);
      const commitMode = ordersOf(batchId).filter((x) => x.mode === "commit");
      const revealAfter = commitMode.reduce<bigint | null>(
        (m, x) => (m === null || x.order.commitBy > m ? x.order.commitBy : m),
        null,
      );
      rows.push({
        mode: o.mode,
        mixed: commitMode.length > 0,
        r: {
          closed: batch?.closedAt ? rel(heads.headAt(batch.closedAt)) : null,
          commitSentAtHead: commit ? rel(heads.headAt(commit.time)) : null,
          commitTarget: commit ? rel(commit.target) : null,
          commitIncluded: batch?.commitBlock ? rel(BigInt(batch.commitBlock)) : null,
          revealAfter: rel(revealAfter),
          revealed: o.revealedAtMs ? rel(heads.headAt(o.revealedAtMs)) : null,
          settleSentAtHead: settle ? rel(heads.headAt(settle.time)) : null,
          settleTarget: settle ? rel(settle.target) : null,
          settleIncluded: rel(BigInt(view.fill.blockNumber)),
        },
      });
    }
    const groups = {
      sealed: rows.filter((x) => x.mode === "sealed"),
      "sealed, batch without commit-mode orders": rows.filter((x) => x.mode === "sealed" && !x.mixed),
      "sealed, batch with commit-mode orders": rows.filter((x) => x.mode === "sealed" && x.mixed),
      commit: rows.filter((x) => x.mode === "commit"),
    };
    const unfilled: Record<string, number> = {};
    for (const v of views.orderViews.values()) {
      const view = v as { state: string; reason?: string | null } | null;
      if (view?.state === "filled") continue;
      const why = view ? (view.reason ?? view.state) : "unknown";
      unfilled[why] = (unfilled[why] ?? 0) + 1;
    }
    // The same-block pool guard (F2): blocks a ready settle waited for another settle on its pool.
    const metrics = await fetch(`${world.relayUrl}/metrics`).then((r) => r.text());
    const poolWaits = Object.fromEntries(
      [...metrics.matchAll(/^veil_settle_pool_waits_total\{cause="(\w+)"\} (\d+)/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    const report: Record<string, unknown> = {
      seconds: flags.seconds,
      seed: flags.seed,
      orders: load.orders.length,
      filled: rows.length,
      unfilled,
      settlePoolWaits: poolWaits,
      blocks: heads.seen.length,
    };
    for (const [name, g] of Object.entries(groups)) {
      const stages: Record<string, unknown> = { count: g.length };
      for (const s of STAGES) stages[s] = stats(g.map((x) => ({ ...x.r, mode: 0 })) as Row[], s);
      report[name] = stages;
    }
    console.log(JSON.stringify(report, null, 2));
    if (flags.out) writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    heads.stop();
    await world.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
