import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVeilClient } from "../../client/index.js";
import { runFuzz } from "../../scripts/fuzz/runFuzz.js";
import { keyOf, type RelayDevnet, startRelayDevnet } from "../helpers/relayHarness.js";

// Ground rule 3 against a stranger who sends any bytes: 1,000 generated requests over every REST endpoint and
// /rpc method (hostile JSON shapes, truncated and oversized bodies, bad hex and signatures) get 4xx or JSON-RPC
// errors, never a 5xx or a hang, and an honest order still settles afterwards. `npm run bench -- fuzz` runs 10k.
describe("fuzzing the relay's public surface", () => {
  let env: RelayDevnet;

  beforeAll(async () => {
    env = await startRelayDevnet({ slotMs: 500 });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("should answer 1,000 hostile requests without a 5xx or a hang", async () => {
    const result = await runFuzz({ relayUrl: env.url, count: 1_000, seed: 7 });
    expect(result.requests).toBe(1_000);
    expect(result.failures).toEqual([]);
    expect(result.fiveXX).toBe(0);
    expect(result.timeouts).toBe(0);
    // the fuzz reached the handlers: plenty of 400s, and not everything was refused the same way
    expect(result.statuses["400"]).toBeGreaterThan(100);
    expect(Object.keys(result.statuses).length).toBeGreaterThan(3);
  });

  it("should still settle an honest order afterwards", async () => {
    const veil = createVeilClient({
      relayUrl: env.url,
      rpcUrl: env.devnet.rpcUrl,
      account: privateKeyToAccount(keyOf(env.devnet, "trader2")),
      settlement: env.devnet.contracts.settlement,
      tokens: env.devnet.contracts.tokens,
      pollingIntervalMs: 200,
    });
    await veil.ensureAllowance({ token: "WETH" });
    const order = await veil.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.2",
      minBuyAmount: "1",
    });
    const { id } = await veil.submitSealed({ order });
    const { state, ...rest } = await veil.waitForSettlement({ id, order, timeoutMs: 90_000 });
    expect(
      state,
      JSON.stringify(rest, (_, v) => (typeof v === "bigint" ? String(v) : v)),
    ).toBe("filled");
  });
});
