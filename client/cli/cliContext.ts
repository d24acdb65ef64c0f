import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { type Address, type Hex, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createVeilClient, type VeilClient } from "../createVeilClient.js";
import { UsageError } from "./cliErrors.js";

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  relay: { type: "string" },
  rpc: { type: "string" },
  "key-file": { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export const COMMON_HELP = `Common options:
  --relay URL       relay base URL (env VEIL_RELAY_URL; default: relayUrl in the config file)
  --rpc URL         JSON-RPC URL of a node you trust (env VEIL_RPC_URL; default: the config file's builderUrl,
                    which proxies reads to the devnet's anvil, else its rpcUrl)
  --key-file PATH   file holding the trader's private key (0x + 64 hex); or set env VEIL_PRIVATE_KEY
  --config PATH     devnet/config JSON (default: .veil/devnet.json, written by \`npm start\`)
  --json            machine-readable JSON on stdout (errors as {"error":{code,message}})
  -h, --help        this help`;

/** Where the CLI looks for defaults (written by `npm start`). */
export const DEFAULT_CONFIG_PATH = ".veil/devnet.json";

type ConfigFile = {
  relayUrl?: string;
  rpcUrl?: string;
  /** The devnet's builder URL: it proxies reads to anvil and is where public transactions should go. */
  builderUrl?: string;
  contracts?: { tokens?: Record<string, Address>; settlement?: Address };
};

/**
 * Runs node:util `parseArgs` for one command (`options` merged with {@link COMMON_OPTIONS}, strict, positionals
 * allowed) and turns every parse failure into a {@link UsageError}. The parse itself stays in the command so
 * its option types are inferred there.
 */
export function withUsageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""), {
      command,
    });
  }
}

type CommonValues = { relay?: string; rpc?: string; "key-file"?: string; config?: string };

/**
 * Builds the client for a command from flags, env and the config file (flags win, then env, then file).
 * The config file is local and trusted: its settlement address becomes the expected one.
 */
export function makeClient(
  command: string,
  values: CommonValues,
  { needsKey }: { needsKey: boolean },
): VeilClient {
  const config = readConfig(command, values.config);
  const relayUrl = values.relay ?? process.env.VEIL_RELAY_URL ?? config.relayUrl;
  const rpcUrl = values.rpc ?? process.env.VEIL_RPC_URL ?? config.builderUrl ?? config.rpcUrl;
  if (!relayUrl)
    throw new UsageError("missing relay URL: pass --relay URL or run `npm start` first", { command });
  if (!rpcUrl) throw new UsageError("missing RPC URL: pass --rpc URL or run `npm start` first", { command });
  for (const [flag, url] of [
    ["--relay", relayUrl],
    ["--rpc", rpcUrl],
  ] as const)
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new UsageError(`${flag} must be an http(s) URL, got "${url}"`, { command });
  const key = needsKey ? readKey(command, values["key-file"]) : undefined;
  return createVeilClient({
    relayUrl,
    rpcUrl,
    account: key ? privateKeyToAccount(key) : undefined,
    settlement: config.contracts?.settlement,
    tokens: config.contracts?.tokens,
  });
}

function readConfig(command: string, path: string | undefined): ConfigFile {
  const file = resolve(path ?? process.env.VEIL_CONFIG ?? DEFAULT_CONFIG_PATH);
  if (!existsSync(file)) {
    if (path) throw new UsageError(`config file not found: ${file}`, { command });
    return {};
  }
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as ConfigFile;
    const settlement = json.contracts?.settlement;
    if (settlement !== undefined && !isAddress(settlement, { strict: false }))
      throw new Error("contracts.settlement is not an address");
    return json;
  } catch (err) {
    throw new UsageError(`cannot read config file ${file}: ${(err as Error).message}`, { command });
  }
}

function readKey(command: string, keyFile: string | undefined): Hex {
  let raw: string | undefined;
  let source: string;
  if (keyFile) {
    source = `--key-file ${keyFile}`;
    try {
      raw = readFileSync(keyFile, "utf8").trim();
    } catch (err) {
      throw new UsageError(
        `cannot read key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
        { command },
      );
    }
  } else {
    source = "VEIL_PRIVATE_KEY";
    raw = process.env.VEIL_PRIVATE_KEY?.trim();
  }
  if (!raw) throw new UsageError("missing key: set VEIL_PRIVATE_KEY or pass --key-file PATH", { command });
  const hex = raw.startsWith("0x") ? raw : `0x${raw}`;
  // Never echo the key itself, not even a bad one.
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex) || BigInt(hex) === 0n)
    throw new UsageError(`invalid private key in ${source}: expected 32 bytes of hex (0x + 64 hex digits)`, {
      command,
    });
  return hex as Hex;
}
