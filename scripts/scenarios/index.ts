/**
 * `npm run scenario -- <name|all> [--seed N] [--trades N] [--out DIR] [--relay-wait-ms N]`: replays MEV
 * scenarios on a fresh devnet (anvil + local builder + relay) and writes `<out>/<scenario>-<seed>.{json,md,svg}`.
 */
import { resolve } from "node:path";
import { SCENARIOS } from "./catalog/index.js";
import { runScenario } from "./runScenario.js";
import { startScenarioDevnet } from "./startScenarioDevnet.js";
import { writeReport } from "./writeReport.js";

// Issue 17: the scenarios' relays run with the fee floor on, as a relay for real users does, and every Veil
// order signs the fee the relay quotes (routes/quoteFee.ts), so the report's fee and all-in cost columns say
// what a Veil trader pays. VEIL_FEE_POLICY=off still wins (relays spawned from here inherit the env).
process.env.VEIL_FEE_POLICY ??= "enforce";

const DEFAULT_OUT = "bench/results/scenarios";

function parseArgs(argv: string[]) {
  const names: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [k, v] = a.includes("=") ? a.slice(2).split("=", 2) : [a.slice(2), argv[++i]];
      if (v === undefined) throw new Error(`--${k} needs a value`);
      flags[k] = v;
    } else names.push(a);
  }
  const int = (k: string, d: number) => {
    if (flags[k] === undefined) return d;
    const n = Number(flags[k]);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${k} must be a non-negative integer, got "${flags[k]}"`);
    return n;
  };
  const unknown = Object.keys(flags).filter((k) => !["seed", "trades", "out", "relay-wait-ms"].includes(k));
  if (unknown.length) throw new Error(`unknown flag(s): ${unknown.map((k) => `--${k}`).join(", ")}`);
  return {
    names,
    seed: int("seed", 1),
    trades: int("trades", 20),
    out: resolve(flags.out ?? DEFAULT_OUT),
    relayWaitMs: flags["relay-wait-ms"] === undefined ? undefined : int("relay-wait-ms", 0),
  };
}

/** The one-line usage, for --help and for a bad command line. */
const usage = () =>
  `usage: npm run scenario -- <${[...Object.keys(SCENARIOS), "all"].join("|")}> [--seed N] [--trades N] [--out DIR] [--relay-wait-ms N]`;

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage());
    return;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const available = Object.keys(SCENARIOS);
  const [name] = args.names;
  if (!name || (name !== "all" && !SCENARIOS[name]) || args.names.length > 1) {
    console.error(usage());
    process.exit(2);
  }
  for (const scenarioName of name === "all" ? available : [name]) {
    const scenario = SCENARIOS[scenarioName];
    console.log(`\n== scenario ${scenarioName} (seed ${args.seed}, ${args.trades} trades) ==`);
    const devnet = await startScenarioDevnet();
    try {
      const report = await runScenario(scenario, devnet, {
        seed: args.seed,
        trades: args.trades,
        relayWaitMs: args.relayWaitMs,
        log: (m) => console.log(m),
      });
      const files = writeReport(report, args.out);
      console.log(`\n${files.markdown}`);
      console.log(`finished in ${(report.durationMs / 1000).toFixed(1)} s; wrote ${files.paths.join(", ")}`);
    } finally {
      await devnet.stop();
    }
  }
}

await main();
