import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (scripts/devnet/ is two levels below it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Path of a Foundry binary shipped by the @foundry-rs npm packages. We spawn the binary itself, never the
 * `npx` wrapper chain, so the devnet can stop it by its own pid (killing a wrapper orphans the binary).
 *
 * @param tool "anvil" | "forge" | "cast"
 * @returns absolute path of the executable
 * @example spawn(foundryBinary("anvil"), ["--no-mining"])
 */
export function foundryBinary(tool: "anvil" | "forge" | "cast"): string {
  const path = join(REPO_ROOT, "node_modules", "@foundry-rs", `${tool}-linux-amd64`, "bin", tool);
  if (!existsSync(path)) {
    throw new Error(`${tool} binary not found at ${path}: run \`npm install\` (Foundry comes from npm here)`);
  }
  return path;
}
