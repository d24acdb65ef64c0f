import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";
import { forgeArtifactPath } from "./artifacts.js";
import { REPO_ROOT } from "./binaries.js";
import type { DevnetContracts } from "./deployDevnetContracts.js";
import { rpcCall } from "./jsonRpc.js";

const CACHE_DIR = join(REPO_ROOT, ".veil", "cache");

/**
 * Everything the deployed state depends on: our contracts' artifacts, the deploy scripts, the anvil
 * version. Any change gives a new key, so a stale snapshot is never loaded.
 */
function cacheKey(chainId: number): string {
  const hash = createHash("sha256").update(`chain ${chainId}\n`);
  const inputs = [
    forgeArtifactPath("DemoToken"),
    forgeArtifactPath("VeilSettlement"),
    join(REPO_ROOT, "node_modules", "@foundry-rs", "anvil", "package.json"),
    ...["deployDemo.ts", "deploySettlement.ts", "deployDevnetContracts.ts", "devnetAccounts.ts"].map((f) =>
      join(REPO_ROOT, "scripts", "devnet", f),
    ),
  ];
  for (const path of inputs) hash.update(readFileSync(path));
  return hash.digest("hex").slice(0, 16);
}

type CachedState = { state: Hex; contracts: DevnetContracts };

/**
 * Deploys the devnet contracts once per set of inputs and reuses the result: the first devnet dumps anvil's
 * state after deploying (anvil_dumpState); later ones load it (anvil_loadState, which restores accounts,
 * code, storage and blocks) in a fraction of the seconds a deploy takes. Suites start many devnets, so this
 * is most of their start-up time.
 *
 * @param anvilUrl a fresh anvil
 * @param chainId its chain id
 * @param deploy the real deployment, run on a cache miss (or when `fresh`)
 * @param fresh skip the cache (still refreshes it)
 * @example const contracts = await deployWithStateCache(url, 31337, () => deployDevnetContracts(...), false);
 */
export async function deployWithStateCache(
  anvilUrl: string,
  chainId: number,
  deploy: () => Promise<DevnetContracts>,
  fresh: boolean,
): Promise<DevnetContracts> {
  const file = join(CACHE_DIR, `devnet-${cacheKey(chainId)}.json`);
  if (!fresh && existsSync(file)) {
    try {
      const cached = JSON.parse(readFileSync(file, "utf8")) as CachedState;
      await rpcCall(anvilUrl, "anvil_loadState", [cached.state]);
      const code = await rpcCall<Hex>(anvilUrl, "eth_getCode", [cached.contracts.settlement, "latest"]);
      if (code !== "0x") return cached.contracts;
    } catch {
      // unreadable or incompatible snapshot: deploy instead (a fresh anvil has nothing to undo)
    }
  }
  const contracts = await deploy();
  const state = await rpcCall<Hex>(anvilUrl, "anvil_dumpState");
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ state, contracts } satisfies CachedState));
  renameSync(tmp, file); // atomic: parallel suites never read a half-written snapshot
  for (const old of readdirSync(CACHE_DIR)) {
    // snapshots of earlier builds can never be used again
    if (old.startsWith("devnet-") && old.endsWith(".json") && join(CACHE_DIR, old) !== file) {
      rmSync(join(CACHE_DIR, old), { force: true });
    }
  }
  return contracts;
}
