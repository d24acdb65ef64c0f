import pino from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, RPC_DEFAULTS, redactConfig } from "./config.js";
import { createRpcContext, rpcSettings } from "./rpc/rpcContext.js";

const KEY = `0x${"11".repeat(32)}`;
const base = [
  "--rpc-url",
  "http://127.0.0.1:8545",
  "--builder-url",
  "http://127.0.0.1:8546,http://127.0.0.1:8547",
  "--settlement",
  "0x5fbdb2315678afecb367f032d93f642f64180aa3",
];

describe("loadConfig", () => {
  it("should read flags, take keys from env and apply defaults", () => {
    const c = loadConfig([...base, "--batch-interval-ms=500", "--reveal-window", "4"], {
      VEIL_OPERATOR_KEY: KEY,
      VEIL_AUTH_KEY: KEY,
    });
    expect(c.builderUrls).toEqual(["http://127.0.0.1:8546", "http://127.0.0.1:8547"]);
    expect(c.settlement).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(c.batchIntervalMs).toBe(500);
    expect(c.revealWindow).toBe(4);
    expect(c.maxBatchSize).toBe(10_000);
    expect(c.checkFunds).toBe(true);
  });

  it("should refuse a missing key, an unknown flag and a bad value, naming the flag", () => {
    expect(() => loadConfig(base, { VEIL_AUTH_KEY: KEY })).toThrow(/operator-key/);
    expect(() =>
      loadConfig([...base, "--nope", "1"], { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig([...base, "--port", "99999"], { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY }),
    ).toThrow(/port/);
  });

  it("should take the store from --store or VEIL_STORE (sqlite by default) and hide its password", () => {
    const env = { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY };
    expect(loadConfig(base, env).store).toBe("sqlite");
    const url = "postgres://veil:s3cret@db.internal:5432/veil";
    expect(loadConfig([...base, "--store", url], env).store).toBe(url);
    expect(loadConfig(base, { ...env, VEIL_STORE: url }).store).toBe(url);
    expect(JSON.stringify(redactConfig(loadConfig([...base, "--store", url], env)))).not.toContain("s3cret");
    expect(() => loadConfig([...base, "--store", "mysql://x"], env)).toThrow(
      /--store must be sqlite or a postgres/,
    );
  });

  it("should never print a secret", () => {
    const c = loadConfig(base, { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY });
    expect(JSON.stringify(redactConfig(c))).not.toContain("1111111111");
  });

  it("should read the wallet RPC's settings as --rpc-* flags, defaulting to RPC_DEFAULTS", () => {
    const keys = { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY };
    expect(rpcSettings(loadConfig(base, keys))).toEqual({
      maxBlocksDefault: RPC_DEFAULTS.maxBlocksDefault,
      maxBlocksLimit: RPC_DEFAULTS.maxBlocksLimit,
      maxGasLimit: RPC_DEFAULTS.maxGasLimit,
      rateLimits: { perIp: RPC_DEFAULTS.perIp, perSender: RPC_DEFAULTS.perSender },
      maxBodyBytes: RPC_DEFAULTS.maxBodyBytes,
      maxPendingPerSender: RPC_DEFAULTS.maxPendingPerSender,
      clientKey: expect.any(Function),
    });
    const c = loadConfig(
      [
        ...base,
        "--rpc-max-blocks-default=5",
        "--rpc-max-blocks-limit=50",
        "--rpc-max-gas-limit=1000000",
        "--rpc-ip-per-minute=60",
        "--rpc-ip-burst=6",
        "--rpc-sender-per-minute=12",
        "--rpc-sender-burst=3",
        "--rpc-max-body-bytes=4096",
      ],
      { ...keys, VEIL_RPC_MAX_PENDING_PER_SENDER: "4" },
    );
    const rpc = createRpcContext({
      ...rpcSettings(c),
      rpcUrl: c.rpcUrl,
      chainId: 31337,
      submitter: {} as never,
      privateTxs: {} as never,
      logger: pino({ level: "silent" }),
    });
    expect(rpc).toMatchObject({
      maxBlocksDefault: 5,
      maxBlocksLimit: 50,
      maxGasLimit: 1_000_000n,
      maxBodyBytes: 4096,
      maxPendingPerSender: 4,
    });
    // the per-IP budget is the flag's: a burst of 6 calls, the 7th refused
    for (let i = 0; i < 6; i++) expect(rpc.ipLimiter.take("1.2.3.4", 1)).toBe(true);
    expect(rpc.ipLimiter.take("1.2.3.4", 1)).toBe(false);
    for (let i = 0; i < 3; i++) expect(rpc.senderLimiter.take("0xabc", 1)).toBe(true);
    expect(rpc.senderLimiter.take("0xabc", 1)).toBe(false);
    rpc.node.close();
  });

  it("should refuse a default private-tx lifetime above its limit, naming the flag", () => {
    expect(() =>
      loadConfig([...base, "--rpc-max-blocks-default", "400"], {
        VEIL_OPERATOR_KEY: KEY,
        VEIL_AUTH_KEY: KEY,
      }),
    ).toThrow(/rpc-max-blocks-limit/);
  });
});
