import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "./config.js";

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

  it("should never print a secret", () => {
    const c = loadConfig(base, { VEIL_OPERATOR_KEY: KEY, VEIL_AUTH_KEY: KEY });
    expect(JSON.stringify(redactConfig(c))).not.toContain("1111111111");
  });
});
