import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { forgeArtifactPath } from "./artifacts.js";
import { foundryBinary, REPO_ROOT } from "./binaries.js";

const run = promisify(execFile);
const LOCK_DIR = join(REPO_ROOT, "contracts", ".build-lock");
const SOURCES_DIR = join(REPO_ROOT, "contracts", "src");
/** Touched after each successful build by the devnet: sources older than it need no rebuild. */
const STAMP = join(REPO_ROOT, "contracts", "out", ".devnet-build-stamp");

function newestSourceMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtimeMs(path));
    else if (entry.name.endsWith(".sol")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when every needed artifact exists and no source changed since the last devnet build. */
function upToDate(needed: string[]): boolean {
  if (!existsSync(STAMP) || needed.some((name) => !existsSync(forgeArtifactPath(name)))) return false;
  return newestSourceMtimeMs(SOURCES_DIR) < statSync(STAMP).mtimeMs;
}
const LOCK_STALE_MS = 120_000;
const LOCK_POLL_MS = 100;

async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  // mkdir is atomic: parallel test files starting devnets at once must not run forge concurrently
  // into the same out/ directory.
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      try {
        if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_STALE_MS) rmdirSync(LOCK_DIR);
      } catch {
        // lock vanished between calls: retry
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(LOCK_DIR);
  }
}

/**
 * Runs `forge build` when a contract source changed since the last devnet build (forge itself takes seconds
 * even for a no-op, as it starts the solcjs shim) so the devnet deploys bytecode that matches the sources. If the build fails (e.g. another contract is mid-edit) but every artifact the
 * devnet needs already exists, it goes on with those and warns, rather than refusing to start.
 *
 * @param needed forge contract names the caller will deploy, e.g. ["DemoToken"]
 * @param log where to report a tolerated build failure
 * @example await ensureContractsBuilt(["DemoToken"]);
 */
export async function ensureContractsBuilt(
  needed: string[],
  log: (line: string) => void = (line) => console.warn(line),
): Promise<void> {
  if (upToDate(needed)) return;
  await withBuildLock(async () => {
    if (upToDate(needed)) return; // another process built while we waited
    const startedAt = new Date();
    try {
      await run(foundryBinary("forge"), ["build"], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
      writeFileSync(STAMP, "");
      // Stamp with the start time: a source saved during the build stays newer than the stamp.
      utimesSync(STAMP, startedAt, startedAt);
    } catch (err) {
      const missing = needed.filter((name) => !existsSync(forgeArtifactPath(name)));
      const detail =
        err instanceof Error && "stderr" in err ? String((err as { stderr: unknown }).stderr) : String(err);
      if (missing.length > 0) {
        throw new Error(`forge build failed and ${missing.join(", ")} not built:\n${detail.slice(-4000)}`);
      }
      log(`warning: forge build failed; using existing artifacts for ${needed.join(", ")}`);
    }
  });
}
