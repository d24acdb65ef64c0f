/**
 * `npm run bench -- solver`: time for `solveBatch` on 1k, 10k and 100k orders (median of several warmed-up
 * runs), next to a baseline measured in the same run on the same orders: one comparator sort of the orders
 * by limit price (`Array.prototype.sort`), the O(n log n) step any price-ordered solver has to pay. Each
 * solution is re-checked against the contract's rules (limits, exact buy amounts, conservation) outside the
 * timed part. Writes bench/results/solver.json `{"results": [{"orders", "ms"}], ...}`.
 *
 * Batches: three tokens in a cycle (X/Y, X/Z, Y/Z) with V2 pools at consistent prices, orders on both sides
 * with sizes over three decades and limits within +-5% of the pool price (some cross each other, some need
 * the pool, some cannot fill).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkSolution } from "../../relay/solver/solutionChecks.js";
import { solveBatch } from "../../relay/solver/solveBatch.js";
import {
  address,
  pool,
  prng,
  randomBatch,
  TOKEN_X as X,
  TOKEN_Y as Y,
  TOKEN_Z as Z,
} from "../../relay/solver/solverFixtures.js";
import { REPO_ROOT } from "../devnet/binaries.js";

const SIZES = [1_000, 10_000, 100_000];
const GOALS_MS: Record<number, number> = { 10000: 20, 100000: 300 };
/** Warm-up solves per size: enough total orders for the JIT to optimize the hot loops (2 at 100k). */
const warmupRuns = (n: number) => Math.max(2, Math.ceil(200_000 / n));
const RUNS = 7;
const E18 = 10n ** 18n;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Flags: `--sizes=1000,5000`, `--runs=N`. */
export async function run(flags: string[]): Promise<void> {
  const sizesFlag = flags.find((f) => f.startsWith("--sizes="));
  const sizes = sizesFlag ? sizesFlag.slice(8).split(",").map(Number) : SIZES;
  const runsFlag = flags.find((f) => f.startsWith("--runs="));
  const runs = runsFlag ? Number(runsFlag.slice(7)) : RUNS;
  const pools = [
    pool(address(0x1001), X, 1_000_000n * E18, Y, 2_000_000n * E18),
    pool(address(0x1002), X, 1_000_000n * E18, Z, 3_000_000n * E18),
    pool(address(0x1003), Y, 2_000_000n * E18, Z, 3_000_000n * E18),
  ];
  const pairs = [
    { a: X, b: Y, rate: 2 },
    { a: X, b: Z, rate: 3 },
    { a: Y, b: Z, rate: 1.5 },
  ];
  const rows: { orders: number; ms: number; baselineMs: number; fills: number; swaps: number }[] = [];
  for (const n of sizes) {
    const orders = randomBatch(prng(n), n, pairs, { sizeDecades: 3 });
    const solution = solveBatch(orders, pools);
    const errors = checkSolution(orders, pools, solution);
    if (errors.length > 0)
      throw new Error(`solver produced an invalid solution for ${n} orders: ${errors[0]}`);
    const solveMs: number[] = [];
    const sortMs: number[] = [];
    const warmup = warmupRuns(n);
    for (let i = 0; i < warmup + runs; i++) {
      let t = performance.now();
      solveBatch(orders, pools);
      const s = performance.now() - t;
      const copy = orders.map((o) => ({
        id: o.id,
        limit: Number(o.order.minBuyAmount) / Number(o.order.sellAmount),
      }));
      t = performance.now();
      copy.sort((x, y) => (x.limit !== y.limit ? x.limit - y.limit : x.id < y.id ? -1 : 1));
      const b = performance.now() - t;
      if (i >= warmup) {
        solveMs.push(s);
        sortMs.push(b);
      }
    }
    rows.push({
      orders: n,
      ms: Number(median(solveMs).toFixed(2)),
      baselineMs: Number(median(sortMs).toFixed(2)),
      fills: solution.fills.length,
      swaps: solution.swaps.length,
    });
  }

  console.log("orders    solve ms (median)  sort-baseline ms  ratio  goal ms  fills   swaps");
  for (const r of rows) {
    const goal = GOALS_MS[r.orders];
    console.log(
      `${String(r.orders).padEnd(9)} ${r.ms.toFixed(2).padStart(17)}  ${r.baselineMs.toFixed(2).padStart(16)}  ${(
        r.ms / r.baselineMs
      )
        .toFixed(1)
        .padStart(
          5,
        )}x  ${String(goal ?? "-").padStart(7)}  ${String(r.fills).padStart(6)}  ${String(r.swaps).padStart(5)}`,
    );
  }
  console.log(
    `(median of ${runs} timed runs after ${sizes.map((n) => warmupRuns(n)).join("/")} warm-up runs; ratio = solve / sort of the same orders)`,
  );
  const dir = join(REPO_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "solver.json"),
    `${JSON.stringify(
      {
        results: rows.map((r) => ({ orders: r.orders, ms: r.ms })),
        baseline: {
          what: "Array.prototype.sort of the same orders by limit price, same run",
          results: rows.map((r) => ({ orders: r.orders, ms: r.baselineMs })),
        },
        solutions: rows.map((r) => ({ orders: r.orders, fills: r.fills, swaps: r.swaps })),
      },
      null,
      2,
    )}\n`,
  );
}
