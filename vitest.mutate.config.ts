import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs for `npm run mutate` (stryker.config.json): in-process, no devnet, a few
// seconds in all, so each mutant is judged by the tests of its own module only.
export default defineConfig({
  test: {
    include: [
      "relay/solver/**/*.test.ts",
      "relay/crypto/**/*.test.ts",
      "relay/limits/**/*.test.ts",
      "relay/batch/revealWindow.test.ts",
    ],
    testTimeout: 30_000,
  },
});
