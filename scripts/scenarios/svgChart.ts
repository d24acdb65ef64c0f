import type { ScenarioReport } from "./summarize.js";

const COLORS: Record<string, string> = {
  baseline: "#6b7280",
  public: "#dc2626",
  rpc: "#2563eb",
  sealed: "#059669",
  commit: "#7c3aed",
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A self-contained SVG of a run: left, the loss of every executed trade per route (dots, one per trade,
 * with the interquartile box and the mean as a diamond); right, the bots' total profit per route in ETH.
 * Hand-written (no plotting dependency), axes and legend labelled so it reads on its own.
 */
export function svgChart(report: ScenarioReport): string {
  const W = 1020;
  const H = 550;
  const routes = report.summary.map((s) => s.route);
  const losses = routes.map((r) =>
    report.trades.flatMap((t) =>
      t.routes.filter((x) => x.route === r && x.status === "ok").map((x) => x.lossBps),
    ),
  );
  const all = losses.flat();
  let yMin = Math.min(0, ...all);
  let yMax = Math.max(1, ...all);
  const step = niceStep(yMax - yMin, 6);
  yMin = Math.floor(yMin / step) * step;
  yMax = Math.ceil(yMax / step) * step;

  const L = { x: 80, y: 70, w: 520, h: 360 };
  const R = { x: 720, y: 70, w: 230, h: 360 };
  const yOf = (v: number) => L.y + L.h - ((v - yMin) / (yMax - yMin)) * L.h;
  const band = L.w / Math.max(routes.length, 1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${esc(`Scenario "${report.scenario}": trader loss vs no-MEV baseline (seed ${report.seed}, ${report.trades.length} trades)`)}</text>`,
  );
  // left panel: axes, grid, ticks
  out.push(
    `<text x="${L.x + L.w / 2}" y="${L.y - 12}" text-anchor="middle" font-weight="bold">Loss per trade (bps of the baseline amount)</text>`,
  );
  for (let v = yMin; v <= yMax + 1e-9; v += step) {
    const y = yOf(v);
    out.push(
      `<line x1="${L.x}" x2="${L.x + L.w}" y1="${y}" y2="${y}" stroke="${v === 0 ? "#111" : "#e5e7eb"}" stroke-width="${v === 0 ? 1.2 : 1}"/>`,
      `<text x="${L.x - 8}" y="${y + 4}" text-anchor="end">${+v.toFixed(2)}</text>`,
    );
  }
  out.push(
    `<line x1="${L.x}" x2="${L.x}" y1="${L.y}" y2="${L.y + L.h}" stroke="#111"/>`,
    `<text transform="translate(${L.x - 52} ${L.y + L.h / 2}) rotate(-90)" text-anchor="middle">loss (bps); below 0 = better than baseline</text>`,
  );
  routes.forEach((route, i) => {
    const cx = L.x + band * (i + 0.5);
    const color = COLORS[route] ?? "#000";
    const xs = [...losses[i]].sort((a, b) => a - b);
    const s = report.summary[i];
    out.push(
      `<text x="${cx}" y="${L.y + L.h + 20}" text-anchor="middle" font-weight="bold">${esc(route)}</text>`,
    );
    out.push(
      `<text x="${cx}" y="${L.y + L.h + 36}" text-anchor="middle" fill="#555" font-size="11">${s.executed}/${s.trades} filled</text>`,
    );
    if (xs.length === 0) {
      out.push(
        `<text x="${cx}" y="${L.y + L.h / 2}" text-anchor="middle" fill="#999">${s.unavailable ? "not available" : "no fills"}</text>`,
      );
      return;
    }
    const q1 = yOf(quantile(xs, 0.25));
    const q3 = yOf(quantile(xs, 0.75));
    out.push(
      `<rect x="${cx - band * 0.3}" y="${q3}" width="${band * 0.6}" height="${Math.max(q1 - q3, 1)}" fill="${color}" fill-opacity="0.15" stroke="${color}"/>`,
    );
    xs.forEach((v, k) => {
      // deterministic jitter so equal values stay visible
      const jx = cx + ((((k * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * band * 0.5;
      out.push(
        `<circle cx="${jx.toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="${color}" fill-opacity="0.6"/>`,
      );
    });
    const ym = yOf(s.meanLossBps);
    out.push(
      `<path d="M ${cx} ${ym - 7} L ${cx + 7} ${ym} L ${cx} ${ym + 7} L ${cx - 7} ${ym} Z" fill="white" stroke="#111" stroke-width="1.5"/>`,
      `<text x="${cx + 10}" y="${ym - 8}" font-weight="bold">${s.meanLossBps}</text>`,
    );
  });
  // right panel: bot profit per route
  const profits = report.summary.map((s) => Number(BigInt(s.botProfitWei)) / 1e18);
  let pMax = Math.max(0.001, ...profits);
  let pMin = Math.min(0, ...profits);
  const pStep = niceStep(pMax - pMin, 5);
  pMax = Math.ceil(pMax / pStep) * pStep;
  pMin = Math.floor(pMin / pStep) * pStep;
  const pyOf = (v: number) => R.y + R.h - ((v - pMin) / (pMax - pMin)) * R.h;
  out.push(
    `<text x="${R.x + R.w / 2}" y="${R.y - 12}" text-anchor="middle" font-weight="bold">Bot profit, all trades (ETH)</text>`,
  );
  for (let v = pMin; v <= pMax + 1e-12; v += pStep) {
    const y = pyOf(v);
    out.push(
      `<line x1="${R.x}" x2="${R.x + R.w}" y1="${y}" y2="${y}" stroke="${Math.abs(v) < 1e-12 ? "#111" : "#e5e7eb"}"/>`,
      `<text x="${R.x - 6}" y="${y + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`,
    );
  }
  out.push(`<line x1="${R.x}" x2="${R.x}" y1="${R.y}" y2="${R.y + R.h}" stroke="#111"/>`);
  const rb = R.w / Math.max(routes.length, 1);
  routes.forEach((route, i) => {
    const x = R.x + rb * i + rb * 0.15;
    const y0 = pyOf(0);
    const y1 = pyOf(profits[i]);
    out.push(
      `<rect x="${x}" y="${Math.min(y0, y1)}" width="${rb * 0.7}" height="${Math.max(Math.abs(y1 - y0), 1)}" fill="${COLORS[route] ?? "#000"}"/>`,
      `<text transform="translate(${x + rb * 0.35} ${R.y + R.h + 14}) rotate(35)" font-size="12">${esc(route)}</text>`,
    );
  });
  // legend
  const ly = H - 28;
  let lx = L.x;
  for (const route of routes) {
    out.push(
      `<circle cx="${lx}" cy="${ly}" r="5" fill="${COLORS[route] ?? "#000"}"/><text x="${lx + 9}" y="${ly + 4}">${esc(route)}</text>`,
    );
    lx += 90;
  }
  out.push(
    `<path d="M ${lx} ${ly - 6} L ${lx + 6} ${ly} L ${lx} ${ly + 6} L ${lx - 6} ${ly} Z" fill="white" stroke="#111" stroke-width="1.5"/><text x="${lx + 10}" y="${ly + 4}">mean</text>`,
    `<rect x="${lx + 60}" y="${ly - 6}" width="16" height="12" fill="#999" fill-opacity="0.2" stroke="#999"/><text x="${lx + 82}" y="${ly + 4}">middle 50% of trades (one dot per trade)</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}
