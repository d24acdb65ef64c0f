/**
 * The wallet endpoint's dependencies (RpcDeps, what the relay passes in) and the context built from them once
 * (node client, store, limiters, defaults applied) by whoever composes the endpoint (relay/startRelay.ts, or
 * a harness without a relay), then passed explicitly to the route handlers and the block watcher.
 */
import type { Logger } from "pino";
import type { Hex } from "viem";
import { RPC_DEFAULTS, type RelayConfig } from "../config.js";
import { type ClientKeyOf, createClientKey, trustedProxyList } from "../limits/clientKey.js";
import { type RateLimit, RateLimiter } from "../limits/rateLimiter.js";
import type { PrivateTxStore } from "../store/privateTxStore.js";
import { KeyedMutex } from "./keyedMutex.js";
import { NodeClient } from "./nodeClient.js";
import type { PrivateBundleSubmitter } from "./privateTxBundles.js";

/**
 * The relay's view of the chain, shared with the wallet endpoint so there is one block poller: the head, the
 * canonical hash at a height (is an INCLUDED tx still in its block?) and the confirmations a tx needs.
 */
export type RpcChainView = {
  head(): bigint;
  hashAt(block: bigint): Promise<Hex | null>;
  confirmations: number;
};

/** What the relay gives the wallet endpoint (relay/startRelay.ts builds its context from them once). */
export type RpcDeps = {
  /** The node (anvil / execution client) that reads are proxied to. Never used to send transactions. */
  rpcUrl: string;
  /** The relay's one client of that node, shared with intake's reads; without it one is opened for rpcUrl. */
  node?: NodeClient;
  chainId: number;
  /** relay/bundles/bundleSubmitter.ts `BundleSubmitter` (any object with its simulate/send works). */
  submitter: PrivateBundleSubmitter;
  /** The private txs' table: the relay store's `privateTxs` (one SQLite file, behind the `Store` interface). */
  privateTxs: PrivateTxStore;
  logger: Logger;
  /** Blocks a private tx is retried for when the sender gives no maxBlockNumber (Protect: 25). */
  maxBlocksDefault?: number;
  /** Largest maxBlockNumber accepted, relative to the current block. */
  maxBlocksLimit?: number;
  /** Largest gas limit accepted (the block gas limit). */
  maxGasLimit?: bigint;
  /** Per client IP: every JSON-RPC call counts (a batch counts its entries). Per sender: tx submissions. */
  rateLimits?: { perIp?: RateLimit; perSender?: RateLimit };
  /** Largest request body in bytes. */
  maxBodyBytes?: number;
  /**
   * Who a request is from, for the per-IP budget: the relay's own rule (relay/limits/clientKey.ts:
   * `X-Forwarded-For` believed only from `--trusted-proxy` addresses, IPv6 per /64). Default: the socket's
   * address, the header ignored.
   */
  clientKey?: ClientKeyOf;
  /** How often the block watcher polls eth_blockNumber (only when it runs its own loop: no `chain`). */
  pollIntervalMs?: number;
  /** The relay's chain view; without it the watcher polls on its own and cannot notice reorgs. */
  chain?: RpcChainView;
  /**
   * Most PENDING private txs one sender may have (Protect-like wallets rarely queue more than a few): each is
   * re-sent every block until it lands or expires, so the cap bounds what one funded key costs per block.
   */
  maxPendingPerSender?: number;
  /**
   * Admit a tx whose fee cap is below the current base fee (it waits for the base fee to fall). Off by
   * default: such a tx is re-sent every block for nothing, and a dust key can queue many (issue 13). Tests
   * of the watcher's fee-too-low expiry turn it on to get a tx that cannot land.
   */
  acceptBelowBaseFee?: boolean;
};

/**
 * The settings of RpcDeps that are relay flags (`--rpc-*`, relay/config.ts), read from a relay's config, and
 * the relay's client rule (`--trusted-proxy`), so `/rpc` counts the same client as every other endpoint.
 */
export function rpcSettings(config: RelayConfig): Partial<RpcDeps> {
  return {
    maxBlocksDefault: config.rpcMaxBlocksDefault ?? RPC_DEFAULTS.maxBlocksDefault,
    maxBlocksLimit: config.rpcMaxBlocksLimit ?? RPC_DEFAULTS.maxBlocksLimit,
    maxGasLimit:
      config.rpcMaxGasLimit === undefined ? RPC_DEFAULTS.maxGasLimit : BigInt(config.rpcMaxGasLimit),
    rateLimits: {
      perIp: {
        perMinute: config.rpcIpPerMinute ?? RPC_DEFAULTS.perIp.perMinute,
        burst: config.rpcIpBurst ?? RPC_DEFAULTS.perIp.burst,
      },
      perSender: {
        perMinute: config.rpcSenderPerMinute ?? RPC_DEFAULTS.perSender.perMinute,
        burst: config.rpcSenderBurst ?? RPC_DEFAULTS.perSender.burst,
      },
    },
    maxBodyBytes: config.rpcMaxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes,
    maxPendingPerSender: config.rpcMaxPendingPerSender ?? RPC_DEFAULTS.maxPendingPerSender,
    clientKey: createClientKey(trustedProxyList(config.trustedProxies ?? [])),
  };
}

/** Everything a handler needs, built once from RpcDeps ({@link createRpcContext}). */
export type RpcContext = {
  chainId: number;
  node: NodeClient;
  store: PrivateTxStore;
  submitter: PrivateBundleSubmitter;
  logger: Logger;
  maxBlocksDefault: number;
  maxBlocksLimit: number;
  maxGasLimit: bigint;
  maxBodyBytes: number;
  clientKey: ClientKeyOf;
  pollIntervalMs: number;
  ipLimiter: RateLimiter;
  senderLimiter: RateLimiter;
  senderLocks: KeyedMutex;
  maxPendingPerSender: number;
  acceptBelowBaseFee: boolean;
  /** Bundle sends/withdrawals in flight per tx hash (privateTxBundles orders them). */
  inFlight: Map<string, Promise<void>>;
  chain: RpcChainView | null;
};

/**
 * Applies defaults and opens the node client: build it once and give the same context to rpcRoutes and
 * createPrivateTxWatcher, so both share one node client, store, limiters and per-sender lock.
 * @example const rpc = createRpcContext(deps); app.route("/", rpcRoutes(rpc)); createPrivateTxWatcher(rpc)
 */
export function createRpcContext(deps: RpcDeps): RpcContext {
  if (!Number.isInteger(deps.chainId) || deps.chainId <= 0)
    throw new RangeError(`bad chainId ${deps.chainId}`);
  const maxBlocksDefault = deps.maxBlocksDefault ?? RPC_DEFAULTS.maxBlocksDefault;
  const maxBlocksLimit = deps.maxBlocksLimit ?? RPC_DEFAULTS.maxBlocksLimit;
  if (!(maxBlocksDefault >= 1 && maxBlocksDefault <= maxBlocksLimit))
    throw new RangeError(`maxBlocksDefault must be in [1, maxBlocksLimit], got ${maxBlocksDefault}`);
  return {
    chainId: deps.chainId,
    node: deps.node ?? new NodeClient(deps.rpcUrl),
    store: deps.privateTxs,
    submitter: deps.submitter,
    logger: deps.logger.child({ module: "rpc" }),
    maxBlocksDefault,
    maxBlocksLimit,
    maxGasLimit: deps.maxGasLimit ?? RPC_DEFAULTS.maxGasLimit,
    maxBodyBytes: deps.maxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes,
    clientKey: deps.clientKey ?? createClientKey(null),
    pollIntervalMs: deps.pollIntervalMs ?? RPC_DEFAULTS.pollIntervalMs,
    ipLimiter: new RateLimiter(deps.rateLimits?.perIp ?? RPC_DEFAULTS.perIp),
    senderLimiter: new RateLimiter(deps.rateLimits?.perSender ?? RPC_DEFAULTS.perSender),
    senderLocks: new KeyedMutex(),
    maxPendingPerSender: deps.maxPendingPerSender ?? RPC_DEFAULTS.maxPendingPerSender,
    acceptBelowBaseFee: deps.acceptBelowBaseFee ?? false,
    inFlight: new Map(),
    chain: deps.chain ?? null,
  };
}
