import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleSealedOrder } from "../../scripts/devnet/settleSealedOrder.js";

import { runFuzz } from "../../scripts/fuzz/runFuzz.js";
import { type RelayDevnet, startRelayDevnet } from "../helpers/relayHarness.js";

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
    const { state, ...rest } = await settleSealedOrder(env.devnet, env.url, "trader2", { sellAmount: "0.2" });
    expect(
      state,
      JSON.stringify(rest, (_, v) => (typeof v === "bigint" ? String(v) : v)),
    ).toBe("filled");
  });
});
