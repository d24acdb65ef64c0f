import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { markdownReport } from "./markdownReport.js";
import type { ScenarioReport } from "./summarize.js";
import { svgChart } from "./svgChart.js";

/**
 * Writes `<dir>/<scenario>-<seed>.json` (every trade, every route, summary), `.md` (table) and `.svg`
 * (chart). Returns the paths and the Markdown.
 */
export function writeReport(report: ScenarioReport, dir: string): { paths: string[]; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const base = `${report.scenario}-${report.seed}`;
  const json = join(dir, `${base}.json`);
  const md = join(dir, `${base}.md`);
  const svg = join(dir, `${base}.svg`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svg, svgChart(report));
  const markdown = markdownReport(report, `${base}.svg`);
  writeFileSync(md, markdown);
  return { paths: [json, md, svg], markdown };
}
