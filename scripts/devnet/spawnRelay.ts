import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Address, Hex } from "viem";
import { bundleRelay } from "./bundleRelay.js";
import { trackChild } from "./childProcesses.js";
import { devnetAccount } from "./devnetAccounts.js";
import { withParentDeathSignal } from "./parentDeathSignal.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const LISTENING = /Veil relay listening on (http:\/\/\S+)/;
const STARTUP_TIMEOUT_MS = 60_000;

export type SpawnRelayOptions = {
  rpcUrl: string;
  builderUrl: string;
  settlement: Address;
  pools: Address[];
  operatorKey: Hex;
  authKey: Hex;
  dataDir: string;
  port?: number;
  /** Any further relay flags, e.g. ["--batch-interval-ms", "300"]. */
  extraArgs?: string[];
  /** Flags for node itself, e.g. ["--cpu-prof"] to profile the relay. */
  nodeArgs?: string[];
  /**
   * Further env for the relay (secrets such as VEIL_ECIES_KEY or a VEIL_STORE URL with its password go by env,
   * never on the command line, where `ps` would show them).
   */
  env?: Record<string, string>;
  /** Called with each line of the relay's output (pino JSON and the banner). */
  onLine?: (line: string) => void;
  /**
   * How to run it: "bundle" (default; the sources bundled by {@link bundleRelay} at the first start in this
   * process, as an operator would deploy it) or "tsx" (the TypeScript sources through tsx's loader).
   */
  runtime?: "bundle" | "tsx";
};

/** A relay child process. */
export type RelayProcess = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Stops it: SIGTERM (graceful) by default, or SIGKILL to simulate a crash. Resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
};

/** What a devnet tells its relay: node, builder, settlement and pools, and its labelled accounts. */
export type RelayDevnetFacts = {
  rpcUrl: string;
  builderUrl: string;
  contracts: { settlement: Address; uniswapV2: { pairs: Record<string, Address> } };
  accounts: readonly { label: string; privateKey: Hex }[];
};

/**
 * node arguments that run `relay/main.ts` with tsx as a loader in that very process (not the tsx CLI, which
 * forks a second node): the pid we hold is the relay itself, so SIGKILL really kills it.
 */
function tsxEntry(): string[] {
  const require = createRequire(import.meta.url);
  const tsxLoader = pathToFileURL(join(dirname(require.resolve("tsx/package.json")), "dist/loader.mjs")).href;
  return ["--import", tsxLoader, join(ROOT, "relay/main.ts")];
}

/**
 * The {@link spawnRelay} options a devnet implies: its node, builder, settlement, every V2 pair as a pool,
 * the `operator` account as operator key and `relay-auth` as the Flashbots signing key.
 * @example await spawnRelay({ ...devnetRelayOptions(devnet), dataDir })
 */
export function devnetRelayOptions(
  d: RelayDevnetFacts,
): Pick<SpawnRelayOptions, "rpcUrl" | "builderUrl" | "settlement" | "pools" | "operatorKey" | "authKey"> {
  const key = (label: string) => devnetAccount(d, label).privateKey;
  return {
    rpcUrl: d.rpcUrl,
    builderUrl: d.builderUrl,
    settlement: d.contracts.settlement,
    pools: Object.values(d.contracts.uniswapV2.pairs),
    operatorKey: key("operator"),
    authKey: key("relay-auth"),
  };
}

/**
 * Starts `relay/main.ts` as a child process (node running the relay bundled from the sources, or with the tsx
 * loader from node_modules: one process either way, so it can be stopped by its own pid), with the keys passed by env (never on the command line, where `ps` would show them), and
 * waits for its "listening" line and a 200 from `/healthz`.
 * @example const relay = await spawnRelay({ rpcUrl, builderUrl, settlement, pools, operatorKey, authKey, dataDir })
 */
export async function spawnRelay(o: SpawnRelayOptions): Promise<RelayProcess> {
  const args = [
    ...(o.nodeArgs ?? []),
    ...(o.runtime === "tsx" ? tsxEntry() : [bundleRelay()]),
    "--rpc-url",
    o.rpcUrl,
    "--builder-url",
    o.builderUrl,
    "--settlement",
    o.settlement,
    "--pools",
    o.pools.join(","),
    "--data-dir",
    o.dataDir,
    "--port",
    String(o.port ?? 0),
    ...(o.extraArgs ?? []),
  ];
  // if this process dies, even by SIGKILL, the relay gets SIGTERM and shuts down as on Ctrl-C
  const [command, argv] = withParentDeathSignal(process.execPath, args, "TERM");
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...o.env, VEIL_OPERATOR_KEY: o.operatorKey, VEIL_AUTH_KEY: o.authKey },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const untrack = trackChild(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let tail = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started relay behind: it would hold the port (and the data dir) of the next try.
      child.kill("SIGKILL");
      reject(new Error(`relay did not start in time:\n${tail}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        o.onLine?.(line);
        tail = `${tail}\n${line}`.slice(-4000);
        const m = LISTENING.exec(line);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code ?? signal}) before listening:\n${tail}`));
    });
  });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    child,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killTimer);
      }
      untrack();
    },
  };
}
