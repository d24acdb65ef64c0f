import { formatEther } from "viem";
import type { ScenarioReport } from "./summarize.js";

/**
 * The Markdown summary of a run: one row per route (pinned summary fields first, then the extra columns),
 * followed by unavailable routes and notes. Bot profit in ETH for reading; the JSON keeps exact wei.
 */
export function markdownReport(report: ScenarioReport, chartFile?: string): string {
  const lines = [
    `### Scenario \`${report.scenario}\` (seed ${report.seed}, ${report.trades.length} trades)`,
    "",
    report.description,
    "",
    "| route | trades | executed | mean loss (bps) | median loss (bps) | max loss (bps) | bot profit (ETH) | by bot (ETH) | mean trader gas (ETH) | mean fee (ETH) | mean all-in cost (bps) | mean all-in cost (ETH) | mean blocks to inclusion |",
    "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
  ];
  for (const s of report.summary) {
    const byBot =
      Object.entries(s.botProfitWeiByBot ?? {})
        .map(([bot, wei]) => `${bot} ${trim(formatEther(BigInt(wei)))}`)
        .join(", ") || "-";
    lines.push(
      `| ${s.route} | ${s.trades} | ${s.executed} | ${s.meanLossBps} | ${s.medianLossBps} | ${s.maxLossBps} | ${trim(formatEther(BigInt(s.botProfitWei)))} | ${byBot} | ${trim(formatEther(BigInt(s.meanGasPaidWei)))} | ${trim(formatEther(BigInt(s.meanFeePaidWei ?? "0")))} | ${s.meanAllInCostBps ?? "-"} | ${trim(formatEther(BigInt(s.meanAllInCostWei ?? "0")))} | ${s.meanBlocksToInclusion ?? "-"} |`,
    );
  }
  const missing = Object.entries(report.unavailable).filter(([, why]) => why);
  if (missing.length) {
    lines.push("", "Routes not run:");
    for (const [route, why] of missing) lines.push(`- ${route}: ${why}`);
  }
  if (report.notes?.length) lines.push("", ...report.notes.map((n) => `- ${n}`));
  lines.push(
    "",
    "Loss = baseline received - route received, per executed trade (the baseline is the same trade alone in a block,",
    "from the same starting state). Bot profit = the bots' net balance change (gas and builder bids included).",
    "Fee = the signed fee of a filled Veil order (the quote's, `GET /v1/quote`; the public and rpc routes pay none).",
    "All-in cost = loss + fee + trader gas per executed trade, valued at the trade's starting mid prices: in bps of",
    "the baseline's receipt (as the loss) and in ETH. Veil traders pay no gas (the operator does); the baseline pays gas.",
  );
  if (chartFile) lines.push("", `![loss per route](${chartFile})`);
  return `${lines.join("\n")}\n`;
}

function trim(eth: string): string {
  const [i, f = ""] = eth.split(".");
  return f ? `${i}.${f.slice(0, 6)}` : i;
}
