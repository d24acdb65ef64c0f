#!/usr/bin/env node
// Runs a Foundry tool (forge, cast, anvil) from its @foundry-rs platform package and exits with ITS status.
// Why: `node_modules/.bin/forge` and `.bin/cast` are the @foundry-rs npm wrappers (1.7.1), which start the
// real binary but always exit 0, so a failing `forge test` never failed `npm test` or CI. Every npm script
// that runs forge or cast goes through this file; TypeScript code uses `foundryBinary()` (same path).
// Usage: node scripts/foundry.js forge test [args...]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const TOOLS = ["forge", "cast", "anvil"];
const [tool, ...args] = process.argv.slice(2);
if (!TOOLS.includes(tool)) {
  console.error(`usage: node scripts/foundry.js <${TOOLS.join("|")}> [args...]`);
  process.exit(2);
}
const binary = fileURLToPath(
  new URL(`../node_modules/@foundry-rs/${tool}-linux-amd64/bin/${tool}`, import.meta.url),
);
if (!existsSync(binary)) {
  console.error(`${tool} binary not found at ${binary}: run \`npm install\` (Foundry comes from npm here)`);
  process.exit(127);
}
const child = spawn(binary, args, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (error) => {
  console.error(`${tool}: ${error.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
});
