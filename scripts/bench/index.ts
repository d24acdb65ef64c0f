/**
 * `npm run bench [-- NAME ...]`: runs the named benchmarks (default: all). Each benchmark is a module
 * `scripts/bench/<name>.ts` exporting `run(args: string[]): Promise<void>`, which prints its table and writes
 * `bench/results/<name>.json`. Figures are ratios against a baseline measured in the same run.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Issue 17: these tools sign orders by hand with no fee, so their relays run with the fee floor off unless the
// caller sets VEIL_FEE_POLICY (the relay's own default is enforce; relays spawned from here inherit the env).
process.env.VEIL_FEE_POLICY ??= "off";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.endsWith(".test.ts") && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();

// `--name value` is taken as `--name=value` when the value is no benchmark's name (`npm run bench -- ingest --
// --store postgres --relays 2`); a bare `--` separator is dropped
const raw = process.argv.slice(2).filter((a) => a !== "--");
const args: string[] = [];
for (let i = 0; i < raw.length; i++) {
  const a = raw[i];
  const value = raw[i + 1];
  if (
    a.startsWith("--") &&
    !a.includes("=") &&
    value !== undefined &&
    !value.startsWith("-") &&
    !available.includes(value)
  ) {
    args.push(`${a}=${value}`);
    i++;
  } else args.push(a);
}
const names = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(", ")} (available: ${available.join(", ")})`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : available) {
  console.log(`\n== bench ${name} ==`);
  const mod = (await import(join(here, `${name}.ts`))) as { run: (args: string[]) => Promise<void> };
  await mod.run(flags);
}
