import type { RouteName, RouteSummary, ScenarioRun, TradeResult } from "./scenario.js";
import { ROUTE_NAMES } from "./scenario.js";

/** The whole report of one scenario run: what `<out>/<scenario>-<seed>.json` holds. */
export type ScenarioReport = {
  scenario: string;
  description: string;
  seed: number;
  chainId: number;
  durationMs: number;
  /** Routes that could not run and why (null = ran). */
  unavailable: Record<RouteName, string | null>;
  summary: RouteSummary[];
  trades: TradeResult[];
  notes?: string[];
  extra?: Record<string, unknown>;
};

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Per-route summary over the trades: mean/median/max loss in bps over executed trades (a trade that did
 * not execute has no price to compare; it is counted in `trades - executed`), total loss per buy token,
 * the bots' total profit, mean trader gas (over all the route's trades: a reverted tx still pays) and
 * blocks to inclusion, and over executed trades the mean signed fee and the mean all-in cost (loss + fee +
 * trader gas, allInCost.ts) so routes that charge gas and routes that charge a fee compare in one unit.
 */
export function summarize(
  args: Omit<ScenarioReport, "summary" | "trades" | "notes" | "extra"> & { run: ScenarioRun },
): ScenarioReport {
  const { run, ...head } = args;
  const present = ROUTE_NAMES.filter((r) => run.trades.some((t) => t.routes.some((x) => x.route === r)));
  const summary: RouteSummary[] = present.map((route) => {
    const rows = run.trades.flatMap((t) => t.routes.filter((r) => r.route === route).map((r) => ({ t, r })));
    const executed = rows.filter(({ r }) => r.status === "ok");
    const bps = executed.map(({ r }) => r.lossBps);
    const totalLoss: Record<string, bigint> = {};
    for (const { t, r } of executed) totalLoss[t.trade.buy] = (totalLoss[t.trade.buy] ?? 0n) + BigInt(r.loss);
    const blocks = executed.map(({ r }) => r.blocksToInclusion).filter((b): b is number => b !== null);
    const gas = rows.reduce((s, { r }) => s + BigInt(r.gasPaidWei), 0n);
    // fees and all-in costs over executed trades only (an unfilled order pays no fee and has no loss)
    const fees = executed.reduce((s, { r }) => s + BigInt(r.feePaidWei ?? "0"), 0n);
    const costed = executed.filter(({ r }) => r.allInCostBps != null);
    const costBps = costed.map(({ r }) => r.allInCostBps as number);
    const costWei = costed.reduce((s, { r }) => s + BigInt(r.allInCostWei ?? "0"), 0n);
    const byBot: Record<string, bigint> = {};
    for (const { r } of rows)
      for (const [bot, wei] of Object.entries(r.botProfitByBot ?? {}))
        byBot[bot] = (byBot[bot] ?? 0n) + BigInt(wei);
    return {
      route,
      trades: rows.length,
      meanLossBps: round2(bps.length ? bps.reduce((a, b) => a + b, 0) / bps.length : 0),
      botProfitWei: rows.reduce((s, { r }) => s + BigInt(r.botProfitWei), 0n).toString(),
      botProfitWeiByBot: Object.fromEntries(Object.entries(byBot).map(([k, v]) => [k, v.toString()])),
      executed: executed.length,
      unavailable: rows.filter(({ r }) => r.status === "unavailable").length,
      medianLossBps: round2(median(bps)),
      maxLossBps: round2(bps.length ? Math.max(...bps) : 0),
      totalLoss: Object.fromEntries(Object.entries(totalLoss).map(([k, v]) => [k, v.toString()])),
      meanGasPaidWei: (rows.length ? gas / BigInt(rows.length) : 0n).toString(),
      meanFeePaidWei: (executed.length ? fees / BigInt(executed.length) : 0n).toString(),
      meanAllInCostBps: round2(costBps.length ? costBps.reduce((a, b) => a + b, 0) / costBps.length : 0),
      meanAllInCostWei: (costed.length ? costWei / BigInt(costed.length) : 0n).toString(),
      meanBlocksToInclusion: blocks.length ? round2(blocks.reduce((a, b) => a + b, 0) / blocks.length) : null,
    };
  });
  return { ...head, summary, trades: run.trades, notes: run.notes, extra: run.extra };
}
