import type { AddressInfo } from "node:net";
import { BlockBuilder, type BuilderLog, type BuildHooks, type BuildReport } from "./blockBuilder.js";
import type { BuilderSettings } from "./builderAdmin.js";
import { createBuilderServer } from "./builderServer.js";
import { BundlePool } from "./bundlePool.js";

/** A running local builder. */
export type LocalBuilder = {
  url: string;
  port: number;
  /** Builds and mines one block now (bundles + public txs); returns its number. */
  buildBlock(): Promise<bigint>;
  /** The last builds (bounded): bundles chosen, how many arrived during the build, seal time. */
  reports: readonly BuildReport[];
  stop(): Promise<void>;
};

export type StartBuilderOptions = {
  anvilUrl: string;
  chainId: number;
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Block interval; null = blocks only through buildBlock(). */
  slotMs?: number | null;
  log?: BuilderLog;
  /** Hook points inside each build (tests). */
  hooks?: BuildHooks;
  /** Lowest bundle gas price considered (builderAdmin.ts); default 0. `builder_setMinBundleGasPrice` changes it. */
  minBundleGasPriceWei?: bigint;
};

/**
 * Starts the local Flashbots-compatible builder in front of an anvil running with --no-mining, and (unless
 * slotMs is null) a slot timer that builds one block every slotMs. The slot timer waits for each build to
 * finish before scheduling the next, so slow builds never pile up.
 *
 * @example const builder = await startBuilder({ anvilUrl, chainId: 31337, slotMs: 1000 });
 */
export async function startBuilder({
  anvilUrl,
  chainId,
  port = 0,
  host = "127.0.0.1",
  slotMs = 1000,
  log = (line) => console.error(line),
  hooks,
  minBundleGasPriceWei = 0n,
}: StartBuilderOptions): Promise<LocalBuilder> {
  const pool = new BundlePool();
  const settings: BuilderSettings = { minBundleGasPriceWei };
  const blocks = new BlockBuilder(anvilUrl, pool, log, hooks, settings);
  const server = createBuilderServer({ anvilUrl, chainId, pool, blocks, log, settings });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await blocks.buildBlock();
    } catch (err) {
      if (!stopped) log(`builder: block build failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!stopped) timer = setTimeout(tick, slotMs!);
  };
  if (slotMs !== null) timer = setTimeout(tick, slotMs);

  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    buildBlock: () => blocks.buildBlock(),
    reports: blocks.reports,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await blocks.idle(); // let a build in progress finish
    },
  };
}
