import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import pino, { type Logger } from "pino";
import type { Address } from "viem";
import { Batcher } from "./batch/batcher.js";
import { OpenBatch } from "./batch/openBatch.js";
import { OperatorLoop } from "./batch/operatorLoop.js";
import { BundleSubmitter } from "./bundles/bundleSubmitter.js";
import { BlockPoller } from "./chain/blockPoller.js";
import { newChainHealth } from "./chain/chainHealth.js";
import { createChainReader } from "./chain/chainReader.js";
import { ChainTracker } from "./chain/chainTracker.js";
import { LeanChainReads } from "./chain/leanChainReads.js";
import { createOperatorSigner } from "./chain/operatorSigner.js";
import { PoolRegistry } from "./chain/poolRegistry.js";
import { ABUSE_DEFAULTS, type RelayConfig, redactConfig } from "./config.js";
import { createOrderHasher } from "./crypto/createOrderHasher.js";
import { eciesKeyFromSecret, loadOrCreateEciesKey } from "./crypto/eciesKey.js";
import { watchBatchEconomics } from "./economics/batchEconomics.js";
import { bridgeEvents } from "./events/eventBridge.js";
import { RelayEvents } from "./events/relayEvents.js";
import { ContractSignatureCheck } from "./intake/contractSignatureCheck.js";
import { IntakeChainChecks } from "./intake/intakeChainChecks.js";
import { IntakeService } from "./intake/intakeService.js";
import { WriteQueue } from "./intake/writeQueue.js";
import { postgresLeaderElection, soleLeader } from "./leader/leaderElection.js";
import { createRelayMetrics } from "./metrics/relayMetrics.js";
import type { RelayContext } from "./relayContext.js";
import { NodeClient } from "./rpc/nodeClient.js";
import { rpcSettings } from "./rpc/rpcContext.js";
import { createPrivateTxWatcher, createRpcContext, rpcRoutes } from "./rpc/rpcRoutes.js";
import { createApp } from "./server/createApp.js";
import { openPostgresStore } from "./store/postgresStore.js";
import { openSqliteStore } from "./store/sqliteStore.js";

/** Block time assumed until the poller has measured one (a devnet slot; mainnet's 12 s is measured). */
const INITIAL_BLOCK_TIME_MS = 1000;

/**
 * How often a follower tries the leader lock (ms): with a dead leader's connection closed at once by the
 * server, the failover takes about this long plus the new leader's first step.
 */
const LEADER_RETRY_MS = 250;

/** How often final records past `--retention-days` are pruned (and once at start). */
const RETENTION_EVERY_MS = 10 * 60_000;

/** Prunes final history older than `--retention-days` now and every {@link RETENTION_EVERY_MS}; returns stop. */
function startRetention(ctx: RelayContext): () => void {
  const days = ctx.config.retentionDays ?? ABUSE_DEFAULTS.retentionDays;
  if (days <= 0) return () => undefined;
  const prune = async () => {
    try {
      const counts = await ctx.store.pruneFinal(Date.now() - days * 86_400_000);
      if (Object.values(counts).some((n) => n > 0)) ctx.logger.info({ counts, days }, "pruned final history");
    } catch (err) {
      ctx.logger.warn({ err }, "pruning final history failed; retrying at the next interval");
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), RETENTION_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A running relay: its URL, its context, and its HTTP app (tests call `app.request` on it, no socket), and
 * `close()` for a graceful stop.
 */
export type RunningRelay = { url: string; ctx: RelayContext; app: Hono; close(): Promise<void> };

/**
 * Starts the whole relay from a validated config: store, chain facts (chain id, reveal delay, expiry,
 * operator allow-listed, pools), ECIES key, HTTP server, batcher, per-block operator loop and the wallet RPC
 * watcher. `close()` stops accepting, finishes queued writes and closes the store (graceful shutdown).
 * @example const relay = await startRelay(loadConfig(argv, env))
 */
export async function startRelay(
  config: RelayConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningRelay> {
  logger.info({ config: redactConfig(config) }, "starting Veil relay");
  const chain = createChainReader(config.rpcUrl, config.settlement);
  const chainId = await chain.chainId();
  const signer = createOperatorSigner(config.operatorKey, chainId, config.settlement);
  const [revealDelay, expiry, isOperator, pools, head, genesis] = await Promise.all([
    chain.revealDelay(),
    chain.expiry(),
    chain.isOperator(signer.address),
    PoolRegistry.load(chain, config.pools),
    chain.latestBlock(),
    chain.blockByNumber(0n),
  ]);
  if (!isOperator)
    throw new Error(
      `the operator key's address ${signer.address} is not an operator of ${config.settlement}`,
    );
  const tokenSymbols = new Map<string, Address>();
  for (const t of pools.tokens()) tokenSymbols.set(await chain.symbol(t).catch(() => t), t);

  const postgresUrl = config.store && config.store !== "sqlite" ? config.store : null;
  const pgStore = postgresUrl ? await openPostgresStore(postgresUrl) : null;
  const store = pgStore ?? openSqliteStore(config.dataDir);
  // Several instances on one PostgreSQL store: one leads (batcher, operator loop, private-tx watcher,
  // retention), the others serve requests; SQLite: this instance alone, always the leader.
  const election = postgresUrl
    ? postgresLeaderElection(postgresUrl, {
        retryMs: LEADER_RETRY_MS,
        onLost: (err) => {
          // It can no longer know it holds the lock: stop at once, before a follower takes over (exit 75 =
          // temporary failure: a supervisor restarts it as a follower).
          logger.fatal({ err }, "lost the leader lock connection: exiting");
          process.exit(75);
        },
        onError: (err) => logger.warn({ err }, "leader election: database error; retrying"),
      })
    : soleLeader();
  const metrics = createRelayMetrics(store);
  const submitter = await BundleSubmitter.create({
    rpcUrl: config.rpcUrl,
    builderUrls: config.builderUrls,
    authKey: config.authKey,
    chainId,
    onBuilderOutcome: ({ index, op, ok, error, transition }) => {
      metrics.builderRequests.inc({ builder: String(index), op, outcome: ok ? "ok" : "error" });
      if (transition === "down")
        logger.warn({ builder: index, op, error }, "builder unreachable: backing off");
      if (transition === "recovered") logger.info({ builder: index, op }, "builder healthy again");
    },
  });
  const hashOrder = createOrderHasher(chainId, config.settlement);
  // The relay's one raw JSON-RPC client of the node (keep-alive agent): intake's lean reads and the wallet RPC
  const node = new NodeClient(config.rpcUrl);
  // the head is read at request time, once ctx exists (the block poller keeps it)
  const contractSignatures = new ContractSignatureCheck(chain, () => ctx.head.block, {
    perMinute: config.walletCheckPerMinute ?? ABUSE_DEFAULTS.walletCheckPerMinute,
    burst: config.walletCheckBurst ?? ABUSE_DEFAULTS.walletCheckBurst,
  });
  const ctx: RelayContext = {
    config,
    store,
    writeQueue: new WriteQueue(store),
    events: new RelayEvents(),
    metrics,
    logger,
    chain,
    submitter,
    pools,
    chainId,
    settlement: config.settlement,
    operator: signer.address,
    revealDelay,
    expiry,
    revealWindow: config.revealWindow === null ? revealDelay : BigInt(config.revealWindow),
    eciesKey: config.eciesKey ? eciesKeyFromSecret(config.eciesKey) : loadOrCreateEciesKey(config.dataDir),
    hashOrder,
    orderRules: {
      chainId,
      settlement: config.settlement,
      hashOrder,
      pools,
      maxValiditySeconds: config.maxValiditySeconds,
      chain,
      contractSignatures,
    },
    intakeChecks: new IntakeChainChecks(
      chain,
      config.checkFunds,
      { tokens: pools.tokens(), minUnits: config.commitMinUnits ?? ABUSE_DEFAULTS.commitMinUnits },
      // raw eth_calls over a keep-alive agent: a stranger's refused order costs one cheap read (issue 13)
      new LeanChainReads(node, config.settlement),
    ),
    // the batcher listens for it filling up; a follower's reads the store's open batch
    openBatch: postgresUrl
      ? await OpenBatch.follow(store, config.maxBatchSize)
      : await OpenBatch.open(store, config.maxBatchSize),
    tokenSymbols,
    head: {
      block: head.number ?? 0n,
      timestamp: head.timestamp,
      baseFee: head.baseFeePerGas ?? 1_000_000_000n,
      blockTimeMs: INITIAL_BLOCK_TIME_MS,
    },
    tracker: new ChainTracker({ blockByNumber: (n) => chain.blockByNumber(n) }),
    chainHealth: newChainHealth(),
    confirmations: Math.max(1, config.confirmations ?? 2),
  };
  const batcher = new Batcher(ctx);
  const operatorLoop = new OperatorLoop(ctx, signer);

  // The wallet RPC's one context (its `--rpc-*` flags, the relay's store, chain view and poller), built here
  // once and passed to its routes and its watcher.
  const rpc = createRpcContext({
    ...rpcSettings(config),
    rpcUrl: config.rpcUrl,
    node,
    chainId,
    submitter,
    privateTxs: store.privateTxs,
    logger: logger.child({ part: "rpc" }),
    chain: {
      head: () => ctx.head.block,
      hashAt: (n: bigint) => ctx.tracker.hashAt(n),
      confirmations: ctx.confirmations,
    },
  });
  const rpcWatcher = createPrivateTxWatcher(rpc);
  // One poller for the whole relay: order flow and wallet RPC see the same heads and the same reorgs.
  const poller = new BlockPoller(ctx, genesis?.hash ?? null, {
    onNewBlock: async () => {
      if (election.role !== "leader") return; // a follower only keeps its head current (intake reads it)
      await batcher.onBlock(); // first: a batch closed for its commit deadline is committed in this block's bundle
      void rpcWatcher.onHead(ctx.head.block);
      return operatorLoop.onBlock();
    },
    onReorg: (forkBlock) => {
      if (election.role !== "leader") return;
      rpcWatcher.onReorg(forkBlock);
      void operatorLoop.onReorg(forkBlock);
    },
  });
  const intake = new IntakeService(ctx);
  // Merkle proofs are computed once, when a batch's commit lands (after the event, off its caller's path).
  const proofs = store.proofs;
  ctx.events.subscribe((kind, data) => {
    if (kind !== "batch" || (data as { state: string }).state !== "committed" || election.role !== "leader")
      return;
    setImmediate(async () => {
      try {
        const b = await store.getBatch((data as { id: number }).id);
        if (b?.root && b.leaves) await proofs.record(b.root, b.leaves);
      } catch (err) {
        logger.warn({ err }, "recording a batch's Merkle proofs failed; a read records them later");
      }
    });
  });
  const stopEconomics = watchBatchEconomics(ctx); // fees vs gas per settled batch (issue 17)
  const app = createApp(ctx, intake, { rpc: rpcRoutes(rpc), proofs, role: () => election.role });
  // every instance's events reach every instance's SSE subscribers
  const stopBridge = pgStore
    ? await bridgeEvents(ctx.events, pgStore.pool, postgresUrl as string, (err) =>
        logger.warn({ err }, "event bridge: database error"),
      )
    : async () => undefined;
  await intake.ready(); // the intake workers are loaded before the first order can arrive

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port });
  // Keep idle connections well past clients' own keep-alive timeouts (undici: 4 s), so a client never
  // reuses a socket the relay is closing at that very moment ("other side closed").
  const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  poller.start();
  let stopRetention: () => void = () => undefined;
  let leading = false;
  void election
    .start(async () => {
      leading = true;
      await ctx.openBatch.lead();
      batcher.start();
      void operatorLoop.onBlock();
      stopRetention = startRetention(ctx);
      logger.info(
        { pid: process.pid },
        "leading: batcher, operator loop and private-tx watcher running here",
      );
    })
    .catch((err) => logger.error({ err }, "leader election failed"));

  let closed = false;
  return {
    url,
    ctx,
    app,
    async close() {
      if (closed) return;
      closed = true;
      await election.stop();
      stopRetention();
      stopEconomics();
      if (leading) batcher.stop();
      await stopBridge();
      await poller.stop();
      await rpcWatcher.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await ctx.writeQueue.flush();
      await intake.close();
      node.close();
      submitter.close();
      await store.close();
      logger.info("relay stopped");
    },
  };
}
