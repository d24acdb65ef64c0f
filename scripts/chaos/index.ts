/**
 * `npm run chaos -- [--kills N] [--reorgs N] [--builder-outages N] [--node-restarts N] [--minutes M]
 * [--seed S] [--slot-ms MS] [--quiet-timeout-ms MS] [--out FILE]`: steady load on a real two-builder devnet
 * while the relay is killed (-9) and restarted, the chain reorged, a builder taken down and the node restarted
 * from a state dump; then every accepted order and private tx is audited against the chain.
 * Writes bench/results/chaos.json by default. Exit 0 when nothing was lost, double-settled or disagreed on.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { runChaos } from "./runChaos.js";

// Issue 17: these tools sign orders by hand with no fee, so their relays run with the fee floor off unless the
// caller sets VEIL_FEE_POLICY (the relay's own default is enforce; relays spawned from here inherit the env).
process.env.VEIL_FEE_POLICY ??= "off";

const FLAGS = {
  kills: 5,
  reorgs: 2,
  "builder-outages": 1,
  "node-restarts": 1,
  minutes: 3,
  seed: 1,
  "slot-ms": 1000,
  "quiet-timeout-ms": 180_000,
} as const;

function parseArgs(argv: string[]) {
  const values: Record<string, number> = { ...FLAGS };
  let out = "bench/results/chaos.json";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (name === "out") out = value;
    else if (name in FLAGS) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0)
        throw new Error(`--${name} must be a non-negative number, got "${value}"`);
      values[name] = n;
    } else throw new Error(`unknown flag --${name} (known: ${[...Object.keys(FLAGS), "out"].join(", ")})`);
  }
  return { values, out: resolve(out) };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const v = args.values;
  const result = await runChaos({
    kills: v.kills,
    reorgs: v.reorgs,
    builderOutages: v["builder-outages"],
    nodeRestarts: v["node-restarts"],
    minutes: v.minutes,
    seed: v.seed,
    slotMs: v["slot-ms"],
    quietTimeoutMs: v["quiet-timeout-ms"],
    log: (line) => console.log(line),
  });
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  const { findings, ...summary } = result;
  console.log(JSON.stringify(summary, null, 2));
  for (const f of findings.slice(0, 20)) console.log(`  ${f.kind} ${f.id}: ${f.problem}`);
  console.log(`written to ${args.out}`);
  return result.lost === 0 && result.doubleSettled === 0 && result.disagreements === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
