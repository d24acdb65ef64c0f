import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { startEmbeddedPostgres } from "../devnet/embeddedPostgres.js";
import {
  devnetRelayOptions,
  type RelayDevnetFacts,
  type RelayProcess,
  spawnRelay,
} from "../devnet/spawnRelay.js";
import { loadGenerator } from "./_ingestLoad.js";

/** Orders sent (and not timed) to each instance before the timed phase. */
const WARMUP_PER_RELAY = 500;
/** Mainnet's slot, for the failover time in slots. */
const MAINNET_SLOT_MS = 12_000;

/** What the scale-out phase of `npm run bench -- ingest -- --store postgres --relays N` records. */
export type ScaleOutResult = {
  store: "postgres";
  relays: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** This figure over the SQLite single-instance figure of the same run. */
  ratioToSqliteX1: number;
  sqliteX1OrdersPerSecond: number;
  failoverMs: number;
  failoverSlots: number;
  failoverMainnetSlots: number;
  slotMs: number;
};

/**
 * The scale-out phase of the ingest bench (issue 18): `relays` relay processes on one real PostgreSQL from
 * npm, sharing one ECIES key, take the same closed-loop saturation load as the SQLite relay did (the bodies
 * split evenly, `concurrency` connections in total), timed from the first request to the last answer
 * across all instances. Then the leader is killed with SIGKILL and a follower's /healthz is polled until
 * it reports `leader`: the failover time. Stops everything it started.
 * @example result.scaleOut = await scaleOut(devnet, 2, 64, 12_000, 12_000, prepare, { ordersPerSecond })
 */
export async function scaleOut(
  devnet: RelayDevnetFacts,
  relays: number,
  concurrency: number,
  orders: number,
  slotMs: number,
  prepare: (n: number, sealTo: Hex) => Promise<{ bodies: string[] }>,
  sqlite: { ordersPerSecond: number },
): Promise<ScaleOutResult> {
  const pg = await startEmbeddedPostgres();
  const dirs: string[] = [];
  const procs: RelayProcess[] = [];
  try {
    const env = { VEIL_STORE: pg.url, VEIL_ECIES_KEY: `0x${randomBytes(32).toString("hex")}` };
    for (let i = 0; i < relays; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), "veil-bench-scale-"));
      dirs.push(dataDir);
      procs.push(
        await spawnRelay({
          ...devnetRelayOptions(devnet),
          dataDir,
          env,
          extraArgs: ["--rate-limit", "0", "--log-level", "warn"],
        }),
      );
    }
    const info = (await (await fetch(`${procs[0].url}/v1/info`)).json()) as { eciesPublicKey: Hex };
    const split = (bodies: string[]) => procs.map((_, i) => bodies.filter((__, j) => j % procs.length === i));
    const spread = async (bodies: string[]) => {
      const parts = split(bodies);
      const start = performance.now();
      const runs = await Promise.all(
        procs.map((p, i) =>
          loadGenerator(p.url, parts[i], Math.max(1, Math.floor(concurrency / procs.length))),
        ),
      );
      return { runs, seconds: (performance.now() - start) / 1000 };
    };
    const warm = await prepare(WARMUP_PER_RELAY * relays, info.eciesPublicKey);
    await spread(warm.bodies);
    const timed = await prepare(orders, info.eciesPublicKey);
    const { runs, seconds } = await spread(timed.bodies);
    const statuses: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const r of runs) {
      for (const [s, n] of r.statuses) statuses[s] = (statuses[s] ?? 0) + n;
      for (const [e, n] of Object.entries(r.errors)) errors[e] = (errors[e] ?? 0) + n;
    }
    const ok = statuses["201"] ?? 0;
    const ordersPerSecond = Math.round(ok / seconds);
    const p50Ms = Math.max(...runs.map((r) => r.p50Ms));
    const p99Ms = Math.max(...runs.map((r) => r.p99Ms));

    // failover: kill the leader, time until another instance leads
    const roles = await Promise.all(
      procs.map(async (p) => ((await (await fetch(`${p.url}/healthz`)).json()) as { role: string }).role),
    );
    const leader = procs[roles.indexOf("leader")];
    const others = procs.filter((p) => p !== leader);
    const killedAt = performance.now();
    await leader.stop("SIGKILL");
    let failoverMs = Number.NaN;
    while (performance.now() - killedAt < 60_000) {
      const led = await Promise.all(
        others.map((p) =>
          fetch(`${p.url}/healthz`)
            .then((r) => r.json() as Promise<{ role: string }>)
            .then((h) => h.role === "leader")
            .catch(() => false),
        ),
      );
      if (led.some(Boolean)) {
        failoverMs = performance.now() - killedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const result: ScaleOutResult = {
      store: "postgres",
      relays,
      ordersPerSecond,
      p50Ms: Number(p50Ms.toFixed(2)),
      p99Ms: Number(p99Ms.toFixed(2)),
      statuses,
      errors,
      ratioToSqliteX1: Number((ordersPerSecond / Math.max(1, sqlite.ordersPerSecond)).toFixed(2)),
      sqliteX1OrdersPerSecond: sqlite.ordersPerSecond,
      failoverMs: Math.round(failoverMs),
      failoverSlots: Number((failoverMs / slotMs).toFixed(3)),
      failoverMainnetSlots: Number((failoverMs / MAINNET_SLOT_MS).toFixed(3)),
      slotMs,
    };
    console.log(
      `\nscale-out: ${relays} relays on PostgreSQL, ${orders} orders, ${concurrency} connections in all`,
    );
    console.log(
      `orders/s ${ordersPerSecond} (SQLite x1 ${sqlite.ordersPerSecond}: ratio ${result.ratioToSqliteX1}), p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`,
    );
    console.log(
      `statuses ${JSON.stringify(statuses)}${Object.keys(errors).length ? ` errors ${JSON.stringify(errors)}` : ""}`,
    );
    console.log(
      `failover after SIGKILL of the leader: ${result.failoverMs} ms = ${result.failoverSlots} slots of ${slotMs} ms (${result.failoverMainnetSlots} mainnet slots)`,
    );
    return result;
  } finally {
    for (const p of procs) await p.stop().catch(() => undefined);
    await pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
