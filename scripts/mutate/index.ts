import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../devnet/binaries.js";
import { runContractMutants } from "./runContractMutants.js";
import { strykerMarkdown, summarizeStryker } from "./summarizeStryker.js";

/**
 * `npm run mutate` runs StrykerJS over the modules unit tests cover quickly (stryker.config.json: one
 * process, small file set, so it does not take a shared machine's CPU); `npm run mutate -- contracts [id...]`
 * applies the hand-picked contract mutants (scripts/mutate/contractMutants.ts) in a scratch copy. Each writes
 * its summary to bench/results/mutation/. Not part of `npm test`: a run takes many minutes.
 */
const OUT = join(REPO_ROOT, "bench", "results", "mutation");
const [what = "ts", ...rest] = process.argv.slice(2);
mkdirSync(OUT, { recursive: true });

if (what === "contracts") {
  const worktree = rest.includes("--worktree");
  const ids = rest.filter((a) => a !== "--worktree");
  const results = runContractMutants(ids, worktree ? "worktree" : "HEAD");
  const caught = results.filter((r) => r.caught).length;
  const summary = {
    caught,
    total: results.length,
    score: results.length ? caught / results.length : 0,
    results,
  };
  if (ids.length === 0) {
    writeFileSync(join(OUT, "contracts.json"), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(OUT, "contracts.md"), contractMarkdown(summary));
  }
  console.log(`contract mutants: ${caught}/${results.length} caught`);
  process.exitCode = caught === results.length ? 0 : 1;
} else if (what === "ts") {
  const stryker = join(REPO_ROOT, "node_modules", ".bin", "stryker");
  const run = spawnSync("nice", ["-n", "10", stryker, "run", "stryker.config.json", ...rest], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (run.status !== 0) {
    console.error(`stryker exited ${run.status}`);
    process.exit(run.status ?? 1);
  }
  const summary = summarizeStryker(join(REPO_ROOT, "reports", "mutation", "mutation.json"));
  writeFileSync(join(OUT, "typescript.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(OUT, "typescript.md"), strykerMarkdown(summary));
  console.log(`mutation score ${(summary.score * 100).toFixed(1)}% (${summary.killed}/${summary.valid})`);
} else {
  console.error("usage: npm run mutate [-- ts | contracts [--worktree] [mutant-id...]]");
  process.exit(2);
}

function contractMarkdown(s: {
  caught: number;
  total: number;
  results: ReturnType<typeof runContractMutants>;
}): string {
  const rows = s.results.map(
    (r) =>
      `| ${r.id} | ${r.file}:${r.line} | ${r.why} | ${r.caught ? "caught" : "**survived**"} | ${r.failingTests.join(", ")} |`,
  );
  return [
    "# Contract mutants",
    "",
    "`npm run mutate -- contracts`: each hand-picked single-line mutant (scripts/mutate/contractMutants.ts)",
    "applied alone to a scratch copy, the whole forge suite run with the real forge binary.",
    "",
    `**${s.caught}/${s.total} caught.**`,
    "",
    "| mutant | where | what it would allow | result | failing tests |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
