import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Abi, Hex } from "viem";
import { REPO_ROOT } from "./binaries.js";

/** ABI + creation bytecode: everything a deploy needs. */
export type ContractArtifact = { abi: Abi; bytecode: Hex };

/**
 * Where forge writes a contract's artifact (contracts/out/<File>.sol/<Name>.json).
 * @param name contract name, e.g. "DemoToken"
 * @param file source file name without .sol when it differs from the contract name
 */
export function forgeArtifactPath(name: string, file = name): string {
  return join(REPO_ROOT, "contracts", "out", `${file}.sol`, `${name}.json`);
}

/**
 * Loads a forge build artifact from contracts/out (run `forge build` / ensureContractsBuilt first).
 * The one place TypeScript reads our own contracts' bytecode.
 *
 * @param name contract name
 * @param file source file name without .sol when it differs from the contract name
 * @example const { abi, bytecode } = loadForgeArtifact("VeilSettlement");
 */
export function loadForgeArtifact(name: string, file = name): ContractArtifact {
  const path = forgeArtifactPath(name, file);
  if (!existsSync(path)) throw new Error(`missing forge artifact ${path}: run \`npm run build:contracts\``);
  const json = JSON.parse(readFileSync(path, "utf8")) as { abi: Abi; bytecode: { object: Hex } };
  return { abi: json.abi, bytecode: json.bytecode.object };
}

const UNISWAP_BUILDS = {
  UniswapV2Factory: "@uniswap/v2-core/build/UniswapV2Factory.json",
  UniswapV2Pair: "@uniswap/v2-core/build/UniswapV2Pair.json",
  UniswapV2Router02: "@uniswap/v2-periphery/build/UniswapV2Router02.json",
  WETH9: "@uniswap/v2-periphery/build/WETH9.json",
} as const;

export type UniswapArtifactName = keyof typeof UNISWAP_BUILDS;

/**
 * Loads the real Uniswap V2 (and canonical WETH9) build artifacts shipped on npm: deployed as-is, never
 * recompiled, so the pair init code hash matches the one hard-coded in Router02.
 *
 * @param name artifact name
 * @example const factory = loadUniswapArtifact("UniswapV2Factory");
 */
export function loadUniswapArtifact(name: UniswapArtifactName): ContractArtifact {
  const path = join(REPO_ROOT, "node_modules", UNISWAP_BUILDS[name]);
  const json = JSON.parse(readFileSync(path, "utf8")) as { abi: Abi; bytecode: string };
  const bytecode = (json.bytecode.startsWith("0x") ? json.bytecode : `0x${json.bytecode}`) as Hex;
  return { abi: json.abi, bytecode };
}
