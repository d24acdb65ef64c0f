import { defineConfig } from "vitest/config";

// Suites run against real processes (anvil, the local builder, the relay): generous timeouts. Each file starts
// its own isolated devnet on free ports. Locally two files run at once; in CI (2 cores, nothing else to share
// them with) one at a time, so slot- and interval-driven suites never compete with a second devnet for the CPU.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "relay/**/*.test.ts", "client/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: process.env.CI ? 1 : 2,
    // Issue 17: suites sign orders without fees unless they test fees; those pass `--fee-policy enforce`
    // (a flag wins over the env). Spawned relays inherit this; in-process ones pass it on.
    env: { VEIL_FEE_POLICY: "off" },
  },
});
