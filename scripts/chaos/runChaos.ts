import type { Hex } from "viem";
import { freeFixedPort } from "../devnet/freeFixedPort.js";
import { createPrng } from "../scenarios/prng.js";
import { type AuditResult, auditAgainstChain, quiet, readRelayViews } from "./chaosAudit.js";
import { ChaosLoad } from "./chaosLoad.js";
import { ChaosWorld } from "./chaosWorld.js";

export type ChaosOptions = {
  kills: number;
  reorgs: number;
  builderOutages: number;
  nodeRestarts: number;
  minutes: number;
  seed: number;
  slotMs: number;
  /** How long to wait, after load and faults stop, for every order and tx to be final. */
  quietTimeoutMs: number;
  log?: (line: string) => void;
};

export type ChaosResult = {
  seed: number;
  minutes: number;
  slotMs: number;
  kills: number;
  reorgs: number;
  reorgDepths: number[];
  builderOutages: number;
  nodeRestarts: number;
  submitErrors: number;
  quietReached: boolean;
} & Omit<AuditResult, "findings"> & { findings: AuditResult["findings"] };

type Fault = { atMs: number; kind: "kill" | "reorg" | "builder" | "node" };

/**
 * The chaos run: steady load on a two-builder devnet while faults land at seeded random moments, then a quiet
 * period and an audit of every accepted order and private tx against the canonical chain. With every fault
 * count at 0 it is the latency harness (accepted -> settled in ms and blocks).
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => {});
  const prng = createPrng(o.seed);
  const durationMs = o.minutes * 60_000;
  const faults: Fault[] = [];
  const schedule = (n: number, kind: Fault["kind"]) => {
    // never in the first 10% (let load build up) nor the last 10% (let the last fault's effects show)
    for (let i = 0; i < n; i++) faults.push({ atMs: durationMs * (0.1 + 0.8 * prng.next()), kind });
  };
  schedule(o.kills, "kill");
  schedule(o.reorgs, "reorg");
  schedule(o.builderOutages, "builder");
  schedule(o.nodeRestarts, "node");
  faults.sort((a, b) => a.atMs - b.atMs);

  const world = await ChaosWorld.start({ slotMs: o.slotMs, prng, relayPort: await freeFixedPort() });
  const counts = { kills: 0, reorgs: 0, builderOutages: 0, nodeRestarts: 0 };
  const reorgDepths: number[] = [];
  try {
    const load = new ChaosLoad(world, prng);
    load.start();
    const started = Date.now();
    const dumper = setInterval(() => void world.dumpState(), 5_000);
    for (const fault of faults) {
      const wait = started + fault.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        if (fault.kind === "kill") {
          await world.killRelay();
          counts.kills++;
        } else if (fault.kind === "reorg") {
          const depth = await world.reorg(prng.int(1, 6));
          if (depth > 0) {
            counts.reorgs++;
            reorgDepths.push(depth);
          }
        } else if (fault.kind === "builder") {
          await world.builderOutage(prng.int(0, 1), prng.int(5_000, 20_000));
          counts.builderOutages++;
        } else if (await world.restartNode()) counts.nodeRestarts++;
        log(`t+${Math.round((Date.now() - started) / 1000)}s ${fault.kind} (${JSON.stringify(counts)})`);
      } catch (err) {
        log(`fault ${fault.kind} failed: ${(err as Error).message}`);
      }
    }
    const left = started + durationMs - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    clearInterval(dumper);
    log(`load stops: ${load.orders.length} orders and ${load.txs.length} private txs accepted`);
    await load.stop();

    const quietUntil = Date.now() + o.quietTimeoutMs;
    let views = await readRelayViews(world.relayUrl, load.orders, load.txs);
    while (!quiet(views) && Date.now() < quietUntil) {
      await new Promise((r) => setTimeout(r, 2_000));
      views = await readRelayViews(world.relayUrl, load.orders, load.txs);
    }
    const quietReached = quiet(views);
    log(quietReached ? "quiet: every order final, no tx pending" : "quiet timeout: auditing anyway");
    const audit = await auditAgainstChain(
      world.devnet.rpcUrl,
      world.devnet.contracts.settlement as Hex,
      world.devnet.chainId,
      load.orders,
      load.txs,
      views,
    );
    return {
      seed: o.seed,
      minutes: o.minutes,
      slotMs: o.slotMs,
      ...counts,
      reorgDepths,
      submitErrors: load.submitErrors,
      quietReached,
      ...audit,
    };
  } finally {
    await world.stop();
  }
}
