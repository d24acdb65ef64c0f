import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "./binaries.js";

/** Where bundles go: inside the repository, so the bundle's bare imports resolve from its node_modules. */
const BUNDLES_DIR = join(REPO_ROOT, "dist", "relay-bundles");

let built: string | undefined;

/**
 * Bundles the relay (`relay/main.ts` and its intake worker `relay/intake/sealedOrderWorker.ts`) into plain
 * JavaScript with esbuild, once per process, into a fresh directory under `dist/relay-bundles/` that is
 * removed when this process exits; returns the path of the bundled `main.js`.
 *
 * Why: a relay run through tsx's loader keeps the loader and every transformed module in memory. Measured
 * idle on a devnet: 231-253 MB RSS under tsx, 177 MB bundled (main thread plus one intake worker). Packages
 * stay external (resolved from node_modules, native addons included), so the bundle holds only our code and
 * is rebuilt from the sources on every start: it can never be stale. Bundles left by processes that died
 * without an "exit" event (a signal) are removed by the next build.
 * @example spawn(process.execPath, [bundleRelay(), "--rpc-url", url, ...])
 */
export function bundleRelay(): string {
  if (built && existsSync(built)) return built;
  const require = createRequire(import.meta.url);
  const esbuild = require("esbuild") as typeof import("esbuild");
  mkdirSync(BUNDLES_DIR, { recursive: true });
  removeOrphans();
  const outdir = mkdtempSync(join(BUNDLES_DIR, `${process.pid}-`));
  process.once("exit", () => rmSync(outdir, { recursive: true, force: true }));
  esbuild.buildSync({
    entryPoints: [join(REPO_ROOT, "relay/main.ts"), join(REPO_ROOT, "relay/intake/sealedOrderWorker.ts")],
    entryNames: "[name]",
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    keepNames: true,
    logLevel: "error",
  });
  built = join(outdir, "main.js");
  return built;
}

/** Removes bundle directories (named `<pid>-…`) whose process is gone. */
function removeOrphans(): void {
  for (const name of readdirSync(BUNDLES_DIR)) {
    const pid = Number(name.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
      rmSync(join(BUNDLES_DIR, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
