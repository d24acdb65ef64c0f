import { defineConfig } from "vitest/config";

// Suites run against real processes (anvil, the local builder, the relay): generous timeouts, and at most
// two files at once on these 2-core machines; each file starts its own isolated devnet on free ports.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "relay/**/*.test.ts", "client/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
