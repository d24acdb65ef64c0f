/**
 * `npm start`: the one-command devnet. Starts anvil + the local builder + contracts + funded accounts,
 * writes .veil/devnet.json and prints the URLs; Ctrl-C / SIGTERM stop everything (anvil by pid).
 *
 *   npm start -- [--port-base N] [--slot-ms N] [--out FILE] [--store sqlite|postgres] [--relays N]
 *
 * `--store postgres --relays 2` (issue 18): a real PostgreSQL from npm and two relay instances on it, one
 * leading; devnet.json gains `relayUrls` and `postgresUrl`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./binaries.js";
import { type Devnet, startDevnet } from "./startDevnet.js";

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm start -- [--port-base N] [--slot-ms N] [--out FILE] [--store sqlite|postgres] [--relays N]`,
  );
  process.exit(2);
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

async function main(): Promise<void> {
  let values: {
    "port-base"?: string;
    "slot-ms"?: string;
    out?: string;
    store?: string;
    relays?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        "port-base": { type: "string" },
        "slot-ms": { type: "string" },
        out: { type: "string" },
        store: { type: "string" },
        relays: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  if (values.help) usage("Veil devnet: anvil + local Flashbots builder + contracts");
  const portBase = intFlag("port-base", values["port-base"], 1024, 65533);
  const slotMs = intFlag("slot-ms", values["slot-ms"], 10, 60_000) ?? 1000;
  const out = resolve(values.out ?? join(REPO_ROOT, ".veil", "devnet.json"));
  const store = values.store ?? "sqlite";
  if (store !== "sqlite" && store !== "postgres") usage("--store must be sqlite or postgres");
  const relays = intFlag("relays", values.relays, 1, 8) ?? 1;
  if (relays > 1 && store !== "postgres") usage("--relays above 1 needs --store postgres (one shared store)");

  // Handlers go in first: a signal during start-up exits through process.exit, whose "exit" hook
  // (childProcesses.ts) kills anvil by pid; after start-up, stop() shuts everything down in order.
  let devnet: Devnet | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the devnet...`);
    if (!devnet) process.exit(1);
    devnet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => shutdown(signal));

  devnet = await startDevnet({ portBase, slotMs, quiet: false, relay: true, store, relays });

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(devnet.toJSON(), null, 2)}\n`);
  const { tokens, uniswapV2, settlement } = devnet.contracts;
  console.log(`Veil devnet (chain ${devnet.chainId}), a block every ${slotMs} ms`);
  console.log(`  anvil (direct)      ${devnet.rpcUrl}`);
  console.log(
    `  builder + RPC       ${devnet.builderUrl}   <- point wallets, cast and Flashbots clients here`,
  );
  const relayCount = devnet.relayUrls?.length ?? 0;
  for (const [i, url] of (devnet.relayUrls ?? []).entries())
    console.log(`  ${(relayCount > 1 ? `relay ${i + 1}` : "relay").padEnd(20)}${url}`);
  if (devnet.postgresUrl)
    console.log("  postgres            (URL with its password in devnet.json: postgresUrl)");
  console.log(`  tokens              WETH ${tokens.WETH}  USDC ${tokens.USDC}  DAI ${tokens.DAI}`);
  console.log(`  uniswap v2          factory ${uniswapV2.factory}  router ${uniswapV2.router}`);
  for (const [name, pair] of Object.entries(uniswapV2.pairs)) console.log(`    ${name.padEnd(17)} ${pair}`);
  console.log(`  settlement          ${settlement}`);
  console.log(
    `  accounts            ${devnet.accounts.map((a) => a.label).join(", ")} (keys in devnet.json)`,
  );
  console.log(`  wrote ${out}`);
  console.log("Ctrl-C to stop.");
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
