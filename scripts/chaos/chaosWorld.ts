import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Hex } from "viem";
import { ensureContractsBuilt } from "../devnet/buildContracts.js";
import { type LocalBuilder, startBuilder } from "../devnet/builder/startBuilder.js";
import { deployDevnetContracts } from "../devnet/deployDevnetContracts.js";
import { devnetAccounts } from "../devnet/devnetAccounts.js";
import { deployWithStateCache } from "../devnet/devnetStateCache.js";
import { rpcCall } from "../devnet/jsonRpc.js";
import { type AnvilProcess, spawnAnvil } from "../devnet/spawnAnvil.js";
import { devnetRelayOptions, type RelayProcess, spawnRelay } from "../devnet/spawnRelay.js";
import type { DevnetJson } from "../devnet/startDevnet.js";
import type { Prng } from "../scenarios/prng.js";

const CHAIN_ID = 31337;
/** Snapshots kept for reorgs: one per block, enough for the deepest reorg the harness injects. */
const SNAPSHOTS_KEPT = 8;

/**
 * The chaos devnet: anvil, two local builders that take turns building blocks (like two builders winning
 * alternate slots), and the relay as a child process on a fixed port, plus the faults the chaos run injects:
 * kill -9 and restart of the relay, reorgs (revert to a snapshot taken d blocks ago, then the builders build
 * new blocks at those heights), a builder down for a while, and the node restarted from a state dump taken
 * a few seconds earlier (state lost back to the dump).
 */
export class ChaosWorld {
  private relay!: RelayProcess;
  private readonly builders: (LocalBuilder | null)[] = [];
  private readonly builderPorts: number[] = [];
  private snapshots: { block: bigint; id: Hex }[] = [];
  private clock: NodeJS.Timeout | undefined;
  private building: Promise<unknown> = Promise.resolve();
  private paused = false;
  private stopped = false;
  private lastDump: Hex | null = null;
  readonly relayLines: string[] = [];

  private constructor(
    private anvil: AnvilProcess,
    readonly devnet: DevnetJson,
    private readonly dataDir: string,
    private readonly relayPort: number,
    private readonly slotMs: number,
    private readonly prng: Prng,
    private readonly logLevel: string,
  ) {}

  /**
   * Starts anvil, deploys (cached state), two builders with no slot timer of their own, and the relay
   * (`logLevel` "warn" unless a trace needs its "debug" lines: bundle targets, batch closes).
   */
  static async start(opts: {
    slotMs: number;
    prng: Prng;
    relayPort: number;
    logLevel?: string;
  }): Promise<ChaosWorld> {
    await ensureContractsBuilt(["DemoToken", "VeilSettlement"], () => {});
    const anvil = await spawnAnvil({ chainId: CHAIN_ID });
    const accounts = devnetAccounts();
    const contracts = await deployWithStateCache(
      anvil.url,
      CHAIN_ID,
      () => deployDevnetContracts(anvil.url, CHAIN_ID, accounts),
      false,
    );
    const quiet = () => {};
    const a = await startBuilder({ anvilUrl: anvil.url, chainId: CHAIN_ID, slotMs: null, log: quiet });
    const b = await startBuilder({ anvilUrl: anvil.url, chainId: CHAIN_ID, slotMs: null, log: quiet });
    const devnet: DevnetJson = {
      chainId: CHAIN_ID,
      rpcUrl: anvil.url,
      builderUrl: a.url,
      contracts: {
        tokens: contracts.tokens,
        uniswapV2: contracts.uniswapV2,
        settlement: contracts.settlement,
      },
      accounts,
    };
    const dataDir = mkdtempSync(join(tmpdir(), "veil-chaos-"));
    const world = new ChaosWorld(
      anvil,
      devnet,
      dataDir,
      opts.relayPort,
      opts.slotMs,
      opts.prng,
      opts.logLevel ?? "warn",
    );
    world.builders.push(a, b);
    world.builderPorts.push(a.port, b.port);
    await world.startRelay();
    world.devnet.relayUrl = world.relayUrl;
    await world.takeSnapshot();
    world.tick();
    return world;
  }

  get relayUrl(): string {
    return this.relay.url;
  }

  /** The builders' URLs, as the relay is configured with them. */
  get builderUrls(): string[] {
    return this.builderPorts.map((p) => `http://127.0.0.1:${p}`);
  }

  /**
   * Starts the relay, trying again (a few times) when a start fails: on a loaded machine a start can time
   * out, and the run must go on with a relay (a failed start is not a fault the relay is being tested for).
   */
  private async startRelay(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawnRelayOnce();
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        this.relayLines.push(
          `chaos: relay start ${attempt} failed: ${(err as Error).message.split("\n")[0]}`,
        );
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async spawnRelayOnce(): Promise<void> {
    this.relay = await spawnRelay({
      ...devnetRelayOptions(this.devnet),
      builderUrl: this.builderUrls.join(","),
      dataDir: this.dataDir,
      port: this.relayPort,
      extraArgs: ["--batch-interval-ms", "1000", "--log-level", this.logLevel, "--rate-limit", "0"],
      onLine: (l) => {
        // CHAOS_RELAY_LOG=<file>: keep every relay line (warn and up) of the run, for a post-mortem.
        if (process.env.CHAOS_RELAY_LOG) appendFileSync(process.env.CHAOS_RELAY_LOG, `${l}\n`);
        this.relayLines.push(l);
        if (this.relayLines.length > 2000) this.relayLines.shift();
      },
    });
  }

  /** One block per slot, built by a random builder that is up; a snapshot after each (for reorgs). */
  private tick(): void {
    if (this.stopped) return;
    this.clock = setTimeout(() => {
      this.building = this.buildOne().finally(() => this.tick());
    }, this.slotMs);
  }

  private async buildOne(): Promise<void> {
    if (this.paused) return;
    const up = this.builders.filter((b): b is LocalBuilder => b !== null);
    if (up.length === 0) return;
    try {
      await this.prng.pick(up).buildBlock();
      await this.takeSnapshot();
    } catch {
      // the node may be restarting: the next slot tries again
    }
  }

  private async takeSnapshot(): Promise<void> {
    const block = BigInt(await rpcCall<Hex>(this.anvil.url, "eth_blockNumber"));
    const id = await rpcCall<Hex>(this.anvil.url, "evm_snapshot");
    this.snapshots.push({ block, id });
    if (this.snapshots.length > SNAPSHOTS_KEPT) this.snapshots.shift();
  }

  /** Pauses block production and waits for a build in progress to finish. */
  private async pause(): Promise<void> {
    this.paused = true;
    await this.building;
  }

  private resume(): void {
    this.paused = false;
  }

  /** kill -9 the relay, then start it again on the same data dir and port. */
  async killRelay(): Promise<void> {
    await this.relay.stop("SIGKILL");
    await this.startRelay();
  }

  /**
   * Reorgs the last `depth` blocks away: reverts to the snapshot taken at head - depth; the builders then
   * build new blocks at those heights (txs that were only in the dropped blocks are gone from the node, as
   * a reorg can leave them). Right after another reorg or a node restart fewer snapshots exist: then the
   * deepest one available is used, and with none yet it waits (up to ~10 s) for blocks to pile up instead of
   * silently skipping the fault. Returns the depth actually reorged (0 only if no history came).
   */
  async reorg(depth: number): Promise<number> {
    for (let waited = 0; waited < 10; waited++) {
      const done = await this.reorgOnce(depth);
      if (done > 0) return done;
      await new Promise((r) => setTimeout(r, this.slotMs));
    }
    return 0;
  }

  private async reorgOnce(depth: number): Promise<number> {
    await this.pause();
    try {
      const head = BigInt(await rpcCall<Hex>(this.anvil.url, "eth_blockNumber"));
      const usable = this.snapshots
        .map((s, index) => ({ ...s, index }))
        .filter((s) => s.block < head && s.block >= head - BigInt(depth));
      if (usable.length === 0) return 0;
      const target = usable[0]; // the deepest available, at most `depth` back
      const ok = await rpcCall<boolean>(this.anvil.url, "evm_revert", [target.id]);
      this.snapshots = this.snapshots.slice(0, target.index); // later ids die with the revert
      if (!ok) return 0;
      await this.takeSnapshot();
      return Number(head - target.block);
    } finally {
      this.resume();
    }
  }

  /** Stops builder `index` for `ms`, then starts it again on the same port. */
  async builderOutage(index: number, ms: number): Promise<void> {
    const builder = this.builders[index];
    if (!builder) return;
    this.builders[index] = null;
    await builder.stop();
    await new Promise((r) => setTimeout(r, ms));
    this.builders[index] = await startBuilder({
      anvilUrl: this.anvil.url,
      chainId: CHAIN_ID,
      port: this.builderPorts[index],
      slotMs: null,
      log: () => {},
    });
  }

  /** Keeps a state dump to restart the node from (call every few seconds). */
  async dumpState(): Promise<void> {
    if (this.paused) return;
    this.lastDump = await rpcCall<Hex>(this.anvil.url, "anvil_dumpState").catch(() => this.lastDump);
  }

  /**
   * Restarts the node from the last state dump on the same port: every block after the dump is lost. The dump
   * goes back as a `--load-state` file, not through `anvil_loadState`: a 14-minute run's state is a request
   * anvil refuses ("Invalid request"), and the node then came back empty (no contracts: no relay could start).
   */
  async restartNode(): Promise<boolean> {
    if (!this.lastDump) return false;
    await this.pause();
    try {
      const port = this.anvil.port;
      const stateFile = `${this.dataDir}-node-state.json`;
      writeFileSync(stateFile, gunzipSync(Buffer.from(this.lastDump.slice(2), "hex")));
      await this.anvil.stop();
      this.anvil = await spawnAnvil({ chainId: CHAIN_ID, port, loadState: stateFile });
      rmSync(stateFile, { force: true });
      this.snapshots = [];
      await this.takeSnapshot();
      return true;
    } finally {
      this.resume();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.clock);
    await this.building;
    await this.relay?.stop().catch(() => undefined);
    for (const b of this.builders) await b?.stop().catch(() => undefined);
    await this.anvil.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
