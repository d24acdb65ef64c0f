import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { REPO_ROOT } from "../devnet/binaries.js";

type ReportMutant = {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
};
type Report = { files: Record<string, { mutants: ReportMutant[] }> };

/** Per file and overall: killed (incl. timeouts), survived, not covered; the score is killed / valid. */
export type MutationSummary = {
  score: number;
  killed: number;
  valid: number;
  files: { file: string; score: number; killed: number; survived: number; noCoverage: number }[];
  survivors: { where: string; mutator: string; replacement: string; status: string }[];
};

/**
 * Condenses Stryker's mutation.json (mutation-testing-report-schema) into the small summary committed under
 * bench/results/mutation/ (the HTML report is megabytes). Compile and runtime errors are not valid mutants,
 * as in Stryker's own score.
 */
export function summarizeStryker(path: string): MutationSummary {
  const report = JSON.parse(readFileSync(path, "utf8")) as Report;
  const files: MutationSummary["files"] = [];
  const survivors: MutationSummary["survivors"] = [];
  let killed = 0;
  let valid = 0;
  for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const name = relative(REPO_ROOT, file) || file;
    const counted = mutants.filter((m) => !["CompileError", "RuntimeError", "Ignored"].includes(m.status));
    const k = counted.filter((m) => m.status === "Killed" || m.status === "Timeout").length;
    const survived = counted.filter((m) => m.status === "Survived");
    const noCoverage = counted.filter((m) => m.status === "NoCoverage");
    killed += k;
    valid += counted.length;
    files.push({
      file: name,
      score: counted.length ? k / counted.length : 1,
      killed: k,
      survived: survived.length,
      noCoverage: noCoverage.length,
    });
    for (const m of [...survived, ...noCoverage])
      survivors.push({
        where: `${name}:${m.location.start.line}:${m.location.start.column}`,
        mutator: m.mutatorName,
        replacement: (m.replacement ?? "").slice(0, 120),
        status: m.status,
      });
  }
  return { score: valid ? killed / valid : 1, killed, valid, files, survivors };
}

/** The committed markdown view of a {@link MutationSummary}: score per file and every survivor. */
export function strykerMarkdown(s: MutationSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    "# TypeScript mutation score (StrykerJS)",
    "",
    "`npm run mutate`: stryker.config.json (modules and their unit tests, one test process).",
    "Killed includes timeouts; compile/runtime errors are not counted, as in Stryker's own score.",
    "",
    `**${pct(s.score)}** (${s.killed}/${s.valid} killed)`,
    "",
    "| file | score | killed | survived | not covered |",
    "|---|---|---|---|---|",
    ...s.files.map((f) => `| ${f.file} | ${pct(f.score)} | ${f.killed} | ${f.survived} | ${f.noCoverage} |`),
    "",
    "## Survivors",
    "",
    "| where | mutator | replacement | status |",
    "|---|---|---|---|",
    ...s.survivors.map(
      (m) =>
        `| ${m.where} | ${m.mutator} | \`${m.replacement.replace(/\|/g, "\\|").replace(/\n/g, " ")}\` | ${m.status} |`,
    ),
    "",
  ].join("\n");
}
