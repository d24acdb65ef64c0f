import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVeilClient } from "../../client/createVeilClient.js";
import { RELAY_RETRIES_ON_429 } from "../../client/relay/relayRequest.js";
import { approveAll, keyOf, type RelayDevnet, startRelayDevnet } from "../helpers/relayHarness.js";

// A trader behind a busy IP: the relay allows one request a second per client (--rate-limit 1, burst 1), so a
// client action of several requests meets 429 RATE_LIMITED. The client waits the answer's retry-after and
// sends again (nothing was stored), instead of failing the trader's order.
describe("the client against a relay that answers 429", () => {
  let env: RelayDevnet;

  beforeAll(async () => {
    // 1 s blocks: the order's commitBy (signed at buildOrder) must outlast the waits
    env = await startRelayDevnet({
      slotMs: 1000,
      extraArgs: ["--rate-limit", "1", "--rate-limit-burst", "1"],
    });
    await approveAll(env.devnet, "trader1");
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  });

  it("should get a sealed order in through RATE_LIMITED answers, waiting their retry-after", async () => {
    expect(RELAY_RETRIES_ON_429).toBeGreaterThanOrEqual(1);
    const veil = createVeilClient({
      relayUrl: env.url,
      rpcUrl: env.devnet.rpcUrl,
      account: privateKeyToAccount(keyOf(env.devnet, "trader1")),
    });
    const order = await veil.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.1",
      minBuyAmount: "1",
    });
    // the bucket is empty now: a plain request is refused, and says how long to wait
    const refused = await fetch(`${env.url}/v1/info`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    const t0 = Date.now();
    const accepted = await veil.submitSealed({ order });
    expect(accepted.id).toMatch(/^0x[0-9a-f]{64}$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // it waited at least one retry-after
    const view = await fetch(`${env.url}/v1/orders/${accepted.id}`);
    expect([200, 429]).toContain(view.status); // stored (or the bucket is empty again)
  }, 60_000);
});
