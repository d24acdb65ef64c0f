import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleSealedOrder } from "../../scripts/devnet/settleSealedOrder.js";

import { type RelayDevnet, startRelayDevnet } from "../helpers/relayHarness.js";

// THREATS.md, builders: a builder that is down or hangs must not stop commits, settles or private txs while
// another builder is healthy. Before per-builder health, `--builder-url dead,healthy` simulated every bundle on
// the dead one only: no batch ever committed.
describe("relay with a hanging and a dead builder ahead of a healthy one", () => {
  let env: RelayDevnet;
  let hanging: Server;
  let hangingConnections = 0;

  beforeAll(async () => {
    // Accepts TCP connections and never answers: the worst kind of dead builder (no quick "refused").
    hanging = createServer((socket) => {
      hangingConnections++;
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    env = await startRelayDevnet({ slotMs: 500 });
    const builders = [hangingUrl, "http://127.0.0.1:1", env.devnet.builderUrl].join(",");
    await env.restart("SIGTERM", ["--builder-url", builders, "--log-level", "info"]);
  });
  afterAll(async () => {
    await env?.stop();
    hanging?.close();
  });

  it("should commit and settle a sealed order through the healthy builder", async () => {
    const { state, fill, ...rest } = await settleSealedOrder(env.devnet, env.url, "trader1", {
      sellAmount: "0.5",
    });
    expect(
      state,
      JSON.stringify(rest, (_, v) => (typeof v === "bigint" ? String(v) : v)),
    ).toBe("filled");
    expect(fill?.buyAmount).toBeGreaterThan(0n);
    // The faults were really exercised: the hanging builder was asked, and both bad ones were reported.
    expect(hangingConnections).toBeGreaterThan(0);
    // The order need not wait for the hanging builder (simulations are hedged, sends wait only briefly for
    // slow builders), so its request times out (5 s) in the background: wait for that to be reported.
    const reported = (builder: number) =>
      env.logs.some((l) => l.includes("builder unreachable") && l.includes(`"builder":${builder}`));
    for (let i = 0; i < 100 && !(reported(0) && reported(1)); i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(reported(0)).toBe(true);
    expect(reported(1)).toBe(true);
  });

  it("should count each builder's failures in /metrics by index, without its URL", async () => {
    const text = await (await fetch(`${env.url}/metrics`)).text();
    const errors = (builder: number) =>
      Number(
        text.match(
          new RegExp(
            `veil_builder_requests_total\\{builder="${builder}",op="\\w+",outcome="error"\\} (\\d+)`,
          ),
        )?.[1] ?? 0,
      );
    expect(errors(0)).toBeGreaterThan(0);
    expect(errors(1)).toBeGreaterThan(0);
    expect(text).toMatch(/veil_builder_requests_total\{builder="2",op="send",outcome="ok"\} [1-9]/);
    expect(text).not.toContain("127.0.0.1:1");
  });
});
