/**
 * `npm run bench -- fuzz [--requests N] [--seed S]`: >= 10,000 generated requests (scripts/fuzz) across every
 * REST endpoint and /rpc method of a real relay on a real devnet, then an honest order placed through the
 * client must still settle. Writes bench/results/fuzz.json
 * `{requests, statuses, fiveXX, timeouts, rssStartMb, rssEndMb, validOrderSettledAfter, byKind, failures}`.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settleSealedOrder } from "../devnet/settleSealedOrder.js";
import { devnetRelayOptions, spawnRelay } from "../devnet/spawnRelay.js";
import { startDevnet } from "../devnet/startDevnet.js";
import { runFuzz } from "../fuzz/runFuzz.js";

const OUT = "bench/results/fuzz.json";

function flag(args: string[], name: string, fallback: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i].includes("=") ? args[i].split("=")[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** Resident set size of a process, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kb) / 102.4) / 10;
}

export async function run(args: string[]): Promise<void> {
  const requests = flag(args, "requests", 10_000);
  const seed = flag(args, "seed", 1);
  const devnet = await startDevnet({ slotMs: 1000, quiet: true });
  const dataDir = mkdtempSync(join(tmpdir(), "veil-bench-fuzz-"));
  try {
    const relay = await spawnRelay({
      ...devnetRelayOptions(devnet),
      dataDir,
      // one client IP sends everything: lift the per-IP limits so the requests reach the handlers
      extraArgs: ["--rate-limit", "0", "--log-level", "warn"],
    });
    try {
      const rssStartMb = rssMb(relay.pid);
      const t0 = performance.now();
      const result = await runFuzz({ relayUrl: relay.url, count: requests, seed });
      const seconds = (performance.now() - t0) / 1000;
      const rssEndMb = rssMb(relay.pid);

      const { state } = await settleSealedOrder(devnet, relay.url, "trader1", { timeoutMs: 120_000 });

      const out = {
        requests: result.requests,
        seconds: Math.round(seconds * 10) / 10,
        statuses: result.statuses,
        fiveXX: result.fiveXX,
        timeouts: result.timeouts,
        rssStartMb,
        rssEndMb,
        validOrderSettledAfter: state === "filled",
        byKind: result.byKind,
        failures: result.failures,
      };
      mkdirSync("bench/results", { recursive: true });
      writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
      console.log(
        `${out.requests} requests in ${out.seconds} s: statuses ${JSON.stringify(out.statuses)}; 5xx ${out.fiveXX}, ` +
          `timeouts ${out.timeouts}; relay RSS ${rssStartMb} -> ${rssEndMb} MB; honest order after: ${state}`,
      );
      console.log(`written to ${OUT}`);
    } finally {
      await relay.stop();
    }
  } finally {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
