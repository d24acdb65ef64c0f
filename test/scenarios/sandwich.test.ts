import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandwich } from "../../scripts/scenarios/catalog/sandwich.js";
import { runScenario } from "../../scripts/scenarios/runScenario.js";
import type { RouteName, TradeResult } from "../../scripts/scenarios/scenario.js";
import { startScenarioDevnet } from "../../scripts/scenarios/startScenarioDevnet.js";
import type { ScenarioReport } from "../../scripts/scenarios/summarize.js";
import type { Devnet } from "../helpers/devnet.js";

// Seed 1 draws three trades that all leave room for a sandwich (sizes 1.5%-4% of the pool, 0.3%-5% slippage).
const SEED = 1;
const TRADES = 3;
/** A trade "has room" when an optimal sandwich nets more than this after gas (0.001 ETH). */
const ROOM_WEI = 10n ** 15n;

const route = (t: TradeResult, name: RouteName) => t.routes.find((r) => r.route === name)!;

describe("scenario sandwich: a real bot against every route", () => {
  let devnet: Devnet;
  let report: ScenarioReport;

  beforeAll(async () => {
    // as `npm run scenario` does (issue 17): the relay's fee floor on, Veil orders signing the quoted fee
    process.env.VEIL_FEE_POLICY = "enforce";
    devnet = await startScenarioDevnet();
    report = await runScenario(sandwich, devnet, { seed: SEED, trades: TRADES });
  }, 300_000);

  afterAll(async () => {
    await devnet?.stop();
  });

  it("should run every route, none unavailable", () => {
    expect(report.unavailable).toEqual({
      baseline: null,
      public: null,
      rpc: null,
      sealed: null,
      commit: null,
    });
    expect(report.trades).toHaveLength(TRADES);
    for (const t of report.trades)
      expect(t.routes.map((r) => r.route)).toEqual(["baseline", "public", "rpc", "sealed", "commit"]);
  });

  it("should let the sandwich bot take a cut of every public trade with room, and profit from it", () => {
    const withRoom = report.trades.filter((t) => BigInt(t.trade.sandwichRoomWei ?? "0") > ROOM_WEI);
    expect(withRoom.length).toBeGreaterThan(0);
    for (const t of withRoom) {
      const pub = route(t, "public");
      expect(pub.status).toBe("ok");
      expect(BigInt(pub.loss)).toBeGreaterThan(0n);
      // the victim still gets its minimum: the bot sizes the front-run to the slippage limit
      expect(BigInt(pub.received)).toBeGreaterThanOrEqual(BigInt(t.trade.minBuyAmount));
      expect(BigInt(pub.botProfitWei)).toBeGreaterThan(0n);
    }
    expect(report.summary.find((s) => s.route === "public")!.meanLossBps).toBeGreaterThan(0);
  });

  it("should lose nothing against the baseline on the rpc, sealed and commit routes, with the bot earning nothing", () => {
    for (const t of report.trades) {
      const base = BigInt(route(t, "baseline").received);
      expect(base).toBeGreaterThan(0n);
      for (const name of ["rpc", "sealed", "commit"] as const) {
        const r = route(t, name);
        expect(r.status, `${name} trade ${t.index}: ${r.note ?? ""}`).toBe("ok");
        // up to rounding of the uniform clearing price: at most 1e-6 of the amount (0.01 bps)
        expect(BigInt(r.loss) * 1_000_000n).toBeLessThanOrEqual(base);
        expect(BigInt(r.botProfitWei)).toBe(0n);
      }
    }
    for (const name of ["rpc", "sealed", "commit"] as const) {
      const s = report.summary.find((x) => x.route === name)!;
      expect(s.meanLossBps).toBeLessThanOrEqual(0.01);
      expect(s.botProfitWei).toBe("0");
    }
  });

  it("should charge the Veil routes their quoted fee and no gas, the others gas and no fee, in the all-in cost", () => {
    for (const t of report.trades) {
      for (const name of ["sealed", "commit"] as const) {
        const r = route(t, name);
        expect(BigInt(r.feePaid), `${name} trade ${t.index}`).toBeGreaterThan(0n);
        expect(BigInt(r.feePaidWei)).toBeGreaterThan(0n);
        expect(r.gasPaidWei).toBe("0");
        expect(r.allInCostBps!).toBeGreaterThan(r.lossBps);
      }
      for (const name of ["baseline", "public", "rpc"] as const) {
        const r = route(t, name);
        expect(r.feePaid).toBe("0");
        expect(BigInt(r.gasPaidWei)).toBeGreaterThan(0n);
        expect(r.allInCostBps!).toBeGreaterThan(r.lossBps);
      }
    }
    const mean = (name: RouteName) => BigInt(report.summary.find((x) => x.route === name)!.meanFeePaidWei);
    expect(mean("sealed")).toBeGreaterThan(0n);
    expect(mean("commit")).toBeGreaterThan(0n);
    expect(mean("public")).toBe(0n);
  });
});
