import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { Order } from "../client/order/order.js";
import type { OpenBatch } from "./batch/openBatch.js";
import type { BundleSubmitter } from "./bundles/bundleSubmitter.js";
import type { ChainHealth } from "./chain/chainHealth.js";
import type { ChainReader } from "./chain/chainReader.js";
import type { ChainTracker } from "./chain/chainTracker.js";
import type { PoolRegistry } from "./chain/poolRegistry.js";
import type { RelayConfig } from "./config.js";
import type { EciesKey } from "./crypto/eciesKey.js";
import type { RelayEvents } from "./events/relayEvents.js";
import type { IntakeChainChecks } from "./intake/intakeChainChecks.js";
import type { OrderRules } from "./intake/validateOrder.js";
import type { WriteQueue } from "./intake/writeQueue.js";
import type { RelayMetrics } from "./metrics/relayMetrics.js";
import type { Store } from "./store/store.js";

/**
 * Everything the relay's parts share, built once by `startRelay`: config, store, chain access, keys and the
 * facts read from the contract at start. Passed explicitly (no globals), so a test can build two relays in
 * one process.
 */
export type RelayContext = {
  config: RelayConfig;
  store: Store;
  writeQueue: WriteQueue;
  events: RelayEvents;
  metrics: RelayMetrics;
  logger: Logger;
  chain: ChainReader;
  submitter: BundleSubmitter;
  pools: PoolRegistry;
  chainId: number;
  settlement: Address;
  operator: Address;
  revealDelay: bigint;
  expiry: bigint;
  /** Effective reveal window in blocks (the flag, or the contract's reveal delay). */
  revealWindow: bigint;
  eciesKey: EciesKey;
  hashOrder: (order: Order) => Hex;
  orderRules: OrderRules;
  intakeChecks: IntakeChainChecks;
  openBatch: OpenBatch;
  /** Token symbol -> address, read from the pools' ERC-20s at start (for `GET /v1/info`). */
  tokenSymbols: Map<string, Address>;
  /** Latest block seen by the block poller, and the wall-clock time between heads it measures (EMA). */
  head: { block: bigint; timestamp: bigint; baseFee: bigint; blockTimeMs: number };
  /** Canonical block hashes of the recent chain (followed by parent hash): is a landed tx still there? */
  tracker: ChainTracker;
  /** Node reachability, head freshness, reorgs and chain identity, for `/healthz` and the operator loop. */
  chainHealth: ChainHealth;
  /** Blocks a landed tx needs before it is final (`--confirmations`, at least 1). */
  confirmations: number;
};
