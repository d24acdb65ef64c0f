import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foundryBinary, REPO_ROOT } from "../devnet/binaries.js";
import { CONTRACT_MUTANTS, type ContractMutant } from "./contractMutants.js";

/** One mutant's outcome: caught when the forge suite failed with it applied. */
export type MutantResult = {
  id: string;
  file: string;
  line: number;
  why: string;
  caught: boolean;
  failingTests: string[];
  seconds: number;
};

/** What the scratch copy holds: the Foundry project's sources, tests, config and compiler shim. */
const PROJECT_FILES = [
  "contracts/src",
  "contracts/test",
  "foundry.toml",
  "solc-shim",
  "scripts/solc-shim.cjs",
];

/**
 * Applies each hand-picked contract mutant, one at a time, to a scratch copy of the Foundry project (never
 * the working tree: other people edit it) and runs the whole forge suite there with the real binary (the npm
 * wrapper exits 0 whatever happens). A mutant is caught when forge exits non-zero; the failing tests say which
 * test caught it. The unmutated suite must pass first, or the results would mean nothing.
 * @param only ids to run (all when empty)
 * @param source "HEAD" (default: the last commit, a consistent state even while others edit) or "worktree"
 */
export function runContractMutants(
  only: readonly string[] = [],
  source: "HEAD" | "worktree" = "HEAD",
): MutantResult[] {
  const scratch = mkdtempSync(join(tmpdir(), "veil-contract-mutants-"));
  try {
    if (source === "HEAD") {
      const archive = spawnSync("git", ["archive", "--format=tar", "HEAD", ...PROJECT_FILES], {
        cwd: REPO_ROOT,
        maxBuffer: 256 * 1024 * 1024,
      });
      if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
      const untar = spawnSync("tar", ["-x", "-C", scratch], { input: archive.stdout });
      if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
    } else {
      for (const entry of PROJECT_FILES)
        cpSync(join(REPO_ROOT, entry), join(scratch, entry), { recursive: true });
    }
    symlinkSync(join(REPO_ROOT, "node_modules"), join(scratch, "node_modules"));
    mkdirSync(join(scratch, "bench", "results"), { recursive: true });

    const baseline = forgeTest(scratch);
    if (!baseline.ok)
      throw new Error(
        `the unmutated forge suite fails in the scratch copy:\n${baseline.output.slice(-3000)}`,
      );

    const results: MutantResult[] = [];
    for (const m of CONTRACT_MUTANTS) {
      if (only.length > 0 && !only.includes(m.id)) continue;
      results.push(runOne(scratch, m));
      const r = results.at(-1)!;
      console.log(
        `${r.caught ? "caught  " : "SURVIVED"} ${r.id} (${r.file}:${r.line}) ${r.failingTests.join(", ")} [${r.seconds} s]`,
      );
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function runOne(scratch: string, m: ContractMutant): MutantResult {
  const path = join(scratch, m.file);
  const original = readFileSync(path, "utf8");
  const at = original.indexOf(m.find);
  if (at < 0 || original.indexOf(m.find, at + 1) >= 0) {
    // The source moved on: report the entry as stale (to be updated) rather than abort the whole run.
    return {
      id: m.id,
      file: m.file,
      line: 0,
      why: m.why,
      caught: false,
      failingTests: ["(stale: text not found once)"],
      seconds: 0,
    };
  }
  const line = original.slice(0, at).split("\n").length;
  writeFileSync(path, original.slice(0, at) + m.replace + original.slice(at + m.find.length));
  const started = Date.now();
  try {
    const run = forgeTest(scratch);
    return {
      id: m.id,
      file: m.file,
      line,
      why: m.why,
      caught: !run.ok,
      failingTests: run.failing,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    writeFileSync(path, original);
  }
}

function forgeTest(cwd: string): { ok: boolean; failing: string[]; output: string } {
  const res = spawnSync("nice", ["-n", "10", foundryBinary("forge"), "test", "--color", "never"], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // No optimizer: solcjs compiles the whole project again for every mutant, and the optimizer (1M runs)
    // makes that several times slower; what the tests observe does not depend on it. Fewer fuzz and
    // invariant runs than `npm test` (each invariant campaign is 256 x 50 calls): a mutant that breaks a
    // property shows within far fewer, and 30 mutants x the full campaign would take hours on 2 cores.
    env: {
      ...process.env,
      FOUNDRY_OFFLINE: "true",
      FOUNDRY_OPTIMIZER: "false",
      FOUNDRY_FUZZ_RUNS: "64",
      FOUNDRY_INVARIANT_RUNS: "32",
      FOUNDRY_INVARIANT_DEPTH: "25",
    },
  });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  // forge lists failures after "Failing tests:", each ending "name() (gas: ...)" or, for fuzz and
  // invariant campaigns (whose counterexample sequence comes first), "name() (runs: ...)".
  const summary = output.slice(Math.max(0, output.indexOf("Failing tests:")));
  const failing = output.includes("Failing tests:")
    ? [...summary.matchAll(/(\w+)\(\)\s*\((?:gas|runs):/g)].map((x) => x[1])
    : [];
  // A compile error also counts as "not ok"; name it so the report shows it rather than a test.
  if (res.status !== 0 && failing.length === 0) failing.push("(compile error or no test ran)");
  return { ok: res.status === 0, failing: [...new Set(failing)], output };
}
