import { availableParallelism } from "node:os";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { z } from "zod";
import { VeilError } from "./errors/veilError.js";
import { trustedProxyList } from "./limits/clientKey.js";
import { INTAKE_MAX_IN_FLIGHT } from "./limits/intakeAdmission.js";

/**
 * The relay's configuration, read in one place: command-line flags (`--rpc-url URL` or `--rpc-url=URL`),
 * each falling back to the env variable `VEIL_<FLAG_IN_CAPS>` (e.g. `VEIL_OPERATOR_KEY`), then to a default.
 * Validated with zod at start so a typo fails fast with a message naming the flag.
 */
export type RelayConfig = {
  rpcUrl: string;
  builderUrls: string[];
  operatorKey: Hex;
  authKey: Hex;
  settlement: Address;
  dataDir: string;
  /**
   * Where the relay keeps its state (`--store`, env `VEIL_STORE`): `sqlite` (default: one file in the data
   * dir, one relay) or a `postgres://user:pass@host:port/db` URL (shared by several relay instances, one of
   * them leading). Optional so a config built by hand still type-checks (SQLite).
   */
  store?: string;
  batchIntervalMs: number;
  maxBatchSize: number;
  host: string;
  port: number;
  /** Blocks after the commit block during which reveals are accepted; null = the contract's reveal delay. */
  revealWindow: number | null;
  missLimit: number;
  /** How long a trader over the miss limit is refused, counted from their last miss. */
  missCooldownMs: number;
  /** Allow-listed Uniswap V2 pairs the solver may route through (also defines the known token pairs). */
  pools: Address[];
  /** Optional fixed ECIES secret; by default one is generated once in the data dir. */
  eciesKey: Hex | null;
  maxValiditySeconds: number;
  /** Requests per second per client IP on public endpoints (0 = unlimited), and the bucket size. */
  rateLimit: number;
  rateLimitBurst: number;
  /**
   * Reverse proxies (CIDRs) whose `X-Forwarded-For` names the client for rate limits (`--trusted-proxy`);
   * empty = the header is ignored. Optional so a config built by hand still type-checks.
   */
  trustedProxies?: string[];
  /** How often the chain head is polled for new blocks. */
  pollMs: number;
  /**
   * Blocks a commit, settle or private tx needs (its own block counts as 1) before the relay calls it final
   * (`--confirmations`, default 2; 0 and 1 both mean the first receipt). Reorgs are followed either way;
   * optional so a config built by hand still type-checks (2).
   */
  confirmations?: number;
  /** Check balance and allowance of the sell token at intake. */
  checkFunds: boolean;
  /**
   * Abuse limits (issue 13), optional so a config built by hand still type-checks (defaults in
   * {@link ABUSE_DEFAULTS}). `commitMinUnits`: whole tokens of one relay token a commitment's trader must
   * hold and have approved (0 = off; off too with `checkFunds` false). `maxOpenCommitments`: unrevealed
   * commitments per trader. `clientMissLimit`: missed reveals per client IP (within `missCooldownMs`)
   * before that IP's commitments are refused. `walletCheckPerMinute` / `walletCheckBurst`: failed EIP-1271
   * checks per client IP. `sseMaxSubscribers` / `sseMaxPerClient` / `sseQueueMax`: event-stream caps.
   * `retentionDays`: final orders, batches, attempts and private txs are deleted after this many days (0 = never).
   */
  commitMinUnits?: number;
  maxOpenCommitments?: number;
  clientMissLimit?: number;
  walletCheckPerMinute?: number;
  walletCheckBurst?: number;
  sseMaxSubscribers?: number;
  sseMaxPerClient?: number;
  sseQueueMax?: number;
  retentionDays?: number;
  /**
   * Worker threads that open, hash and recover sealed orders (0 = on the main thread). Optional so a config
   * built by hand still type-checks; default one per core but the main thread's, at least 1, at most 8.
   */
  intakeWorkers?: number;
  /**
   * Intake requests (writes under /v1) in progress at once over all clients before more get 429 RELAY_BUSY
   * (`--intake-max-in-flight`, default 1024, 0 = no bound); see relay/limits/intakeAdmission.ts. Optional so
   * a config built by hand still type-checks.
   */
  intakeMaxInFlight?: number;
  /**
   * Fee policy (issue 17; optional so a config built by hand still type-checks). `feePolicy`: `enforce`
   * (default) refuses orders whose signed fee is below their gas share (`INSUFFICIENT_FEE`) or that are worth
   * less than `minOrderValueWei` (`ORDER_TOO_SMALL`); `off` accepts any fee (test devnets). `feeMarginBps`:
   * what the quote adds over the gas cost (default 2500 = 25%). `feeAmortizeOrders`: orders a batch's fixed
   * gas is shared by when pricing one order (default 4). See relay/economics/feeQuoter.ts.
   */
  feePolicy?: "enforce" | "off";
  feeMarginBps?: number;
  feeAmortizeOrders?: number;
  minOrderValueWei?: number;
  /**
   * The wallet RPC (`/rpc`, relay/rpc/), optional so a config built by hand still type-checks (defaults in
   * {@link RPC_DEFAULTS}). `rpcMaxBlocksDefault`: blocks a private tx is retried for when the sender gives no
   * maxBlockNumber (Protect: 25); `rpcMaxBlocksLimit`: largest maxBlockNumber accepted, relative to the head;
   * `rpcMaxGasLimit`: largest gas limit accepted (the block gas limit). `/rpc` has its own budget per client
   * IP (`rpcIpPerMinute`, `rpcIpBurst`: every JSON-RPC call counts, a batch its entries) and per sender
   * (`rpcSenderPerMinute`, `rpcSenderBurst`: tx submissions); `rpcMaxBodyBytes`: largest request body;
   * `rpcMaxPendingPerSender`: PENDING private txs one sender may have (each is re-sent every block).
   */
  rpcMaxBlocksDefault?: number;
  rpcMaxBlocksLimit?: number;
  rpcMaxGasLimit?: number;
  rpcIpPerMinute?: number;
  rpcIpBurst?: number;
  rpcSenderPerMinute?: number;
  rpcSenderBurst?: number;
  rpcMaxBodyBytes?: number;
  rpcMaxPendingPerSender?: number;
  logLevel: string;
};

const key = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^0x[0-9a-fA-F]{64}$/, `${name} must be a 0x-hex 32-byte private key`)
    .transform((s) => s as Hex);
const addr = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .refine((s) => isAddress(s, { strict: false }), `${name} must be an address`)
    .transform((s) => getAddress(s));
const int = (min: number, def: number) => z.coerce.number().int().min(min).default(def);
const list = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const configSchema = z.object({
  rpcUrl: z.url({ error: "--rpc-url must be an http(s) URL" }),
  builderUrls: z.array(z.url()).min(1, "--builder-url needs at least one builder URL"),
  operatorKey: key("--operator-key / VEIL_OPERATOR_KEY"),
  authKey: key("--auth-key / VEIL_AUTH_KEY"),
  settlement: addr("--settlement"),
  dataDir: z.string().min(1).default("./.veil/relay"),
  store: z
    .string()
    .default("sqlite")
    .refine(
      (s) => s === "sqlite" || /^postgres(ql)?:\/\/[^\s]+$/.test(s),
      "--store must be sqlite or a postgres://user:pass@host:port/db URL",
    ),
  batchIntervalMs: int(10, 2000),
  maxBatchSize: int(1, 10_000),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8645),
  revealWindow: z.coerce.number().int().min(1).nullable().default(null),
  missLimit: int(1, 3),
  missCooldownMs: int(0, 3_600_000),
  pools: z.array(addr("--pools entry")).default([]),
  eciesKey: key("--ecies-key").nullable().default(null),
  maxValiditySeconds: int(1, 86_400),
  rateLimit: int(0, 200),
  rateLimitBurst: int(1, 400),
  trustedProxies: z
    .array(z.string())
    .default([])
    .superRefine((cidrs, ctx) => {
      try {
        trustedProxyList(cidrs);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `--trusted-proxy: ${(err as Error).message}` });
      }
    }),
  pollMs: int(10, 250),
  confirmations: z.coerce.number().int().min(0).max(64).default(2),
  checkFunds: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((s) => s === "true" || s === "1"),
  commitMinUnits: z.coerce.number().min(0).default(1),
  maxOpenCommitments: int(1, 8),
  clientMissLimit: int(1, 10),
  walletCheckPerMinute: int(1, 30),
  walletCheckBurst: int(1, 5),
  sseMaxSubscribers: int(1, 1000),
  sseMaxPerClient: int(1, 16),
  sseQueueMax: int(1, 256),
  retentionDays: z.coerce.number().min(0).default(7),
  intakeWorkers: int(0, Math.max(1, Math.min(8, availableParallelism() - 1))),
  intakeMaxInFlight: int(0, INTAKE_MAX_IN_FLIGHT),
  feePolicy: z.enum(["enforce", "off"]).default("enforce"),
  feeMarginBps: z.coerce.number().int().min(0).max(100_000).default(2_500),
  feeAmortizeOrders: z.coerce.number().int().min(1).max(10_000).default(4),
  minOrderValueWei: z.coerce.number().min(0).max(1e24).default(1e15),
  rpcMaxBlocksDefault: int(1, 25),
  rpcMaxBlocksLimit: int(1, 300),
  rpcMaxGasLimit: int(21_000, 30_000_000),
  rpcIpPerMinute: int(1, 6_000),
  rpcIpBurst: int(1, 1_000),
  rpcSenderPerMinute: int(1, 120),
  rpcSenderBurst: int(1, 30),
  rpcMaxBodyBytes: int(1024, 1024 * 1024),
  rpcMaxPendingPerSender: int(1, 16),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

const FLAGS = Object.keys(configSchema.shape) as (keyof RelayConfig)[];
const flagName = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** Flag names that differ from the camelCase key. */
const FLAG_ALIASES: Record<string, keyof RelayConfig> = {
  "builder-url": "builderUrls",
  "trusted-proxy": "trustedProxies",
};

/** The abuse limits' defaults, for a config built by hand (the flags default to the same values). */
export const ABUSE_DEFAULTS = {
  commitMinUnits: 1,
  maxOpenCommitments: 8,
  clientMissLimit: 10,
  walletCheckPerMinute: 30,
  walletCheckBurst: 5,
  sseMaxSubscribers: 1000,
  sseMaxPerClient: 16,
  sseQueueMax: 256,
  retentionDays: 7,
} as const;

/**
 * The wallet RPC's defaults, for a config built by hand and for harnesses that build the wallet RPC without a
 * relay (test/rpc/rpcHarness.ts, scripts/bench/rpc.ts); the `--rpc-*` flags default to the same values.
 */
export const RPC_DEFAULTS = {
  maxBlocksDefault: 25,
  maxBlocksLimit: 300,
  maxGasLimit: 30_000_000n,
  perIp: { perMinute: 6_000, burst: 1_000 },
  perSender: { perMinute: 120, burst: 30 },
  maxBodyBytes: 1024 * 1024,
  pollIntervalMs: 250,
  maxPendingPerSender: 16,
} as const;

/** Thrown for an unknown flag or an invalid value; `main` prints it and exits 2. */
export class ConfigError extends VeilError<"INVALID_CONFIG"> {
  override name = "ConfigError";
  readonly code = "INVALID_CONFIG";
}

/**
 * Parses flags and env into a validated {@link RelayConfig}.
 * @example const config = loadConfig(process.argv.slice(2), process.env)
 */
export function loadConfig(argv: readonly string[], env: Record<string, string | undefined>): RelayConfig {
  const byFlag = new Map<string, keyof RelayConfig>(FLAGS.map((k) => [flagName(k), k]));
  for (const [alias, k] of Object.entries(FLAG_ALIASES)) byFlag.set(alias, k);
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const k = byFlag.get(name);
    if (!k) throw new ConfigError(`unknown flag --${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`flag --${name} needs a value`);
    raw[k] = value;
  }
  for (const k of FLAGS) {
    if (raw[k] !== undefined) continue;
    const envName = `VEIL_${flagName(k).slice(0).replace(/-/g, "_").toUpperCase()}`;
    const fromEnv = env[envName] ?? (k === "builderUrls" ? env.VEIL_BUILDER_URL : undefined);
    if (fromEnv !== undefined && fromEnv !== "") raw[k] = fromEnv;
  }
  const input: Record<string, unknown> = { ...raw };
  input.builderUrls = list(raw.builderUrls);
  input.pools = list(raw.pools);
  input.trustedProxies = list(raw.trustedProxies);
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${String(i.path[0] ?? "")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid relay configuration: ${msg}`);
  }
  const { rpcMaxBlocksDefault, rpcMaxBlocksLimit } = parsed.data;
  if (rpcMaxBlocksDefault > rpcMaxBlocksLimit)
    throw new ConfigError(
      `invalid relay configuration: rpcMaxBlocksDefault: ${rpcMaxBlocksDefault} is above --rpc-max-blocks-limit ${rpcMaxBlocksLimit}`,
    );
  return parsed.data as RelayConfig;
}

/** The config with every secret replaced, safe to print and log. */
export function redactConfig(config: RelayConfig): Record<string, unknown> {
  return {
    ...config,
    operatorKey: "<redacted>",
    authKey: "<redacted>",
    eciesKey: config.eciesKey ? "<redacted>" : null,
    store: config.store?.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:<redacted>@"),
  };
}
