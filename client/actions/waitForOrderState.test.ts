import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVeilClient } from "../createVeilClient.js";
import { waitForOrderState } from "./waitForOrderState.js";

// A real HTTP server playing a busy relay: its rate limit refuses the first status reads (as when a client
// shares an IP with a busy neighbour), then it answers. No fetch mocking.
const id = `0x${"22".repeat(32)}` as const;
let server: Server;
let url: string;
let statusReads = 0;
let refuseFirst = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/v1/events")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "no stream here" } }));
      return;
    }
    statusReads++;
    if (statusReads <= refuseFirst) {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
      res.end(
        JSON.stringify({ error: { code: "RATE_LIMITED", message: "more than 200 requests per second" } }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id, state: "filled" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

const client = () => createVeilClient({ relayUrl: url, rpcUrl: "http://127.0.0.1:1", pollingIntervalMs: 20 });

describe("waitForOrderState", () => {
  it("should wait out RATE_LIMITED answers and return the state once the relay answers", async () => {
    statusReads = 0;
    refuseFirst = 2;
    const status = await waitForOrderState(client(), {
      id,
      until: (s) => s.state === "filled",
      timeoutMs: 10_000,
    });
    expect(status.state).toBe("filled");
    expect(statusReads).toBe(3);
  });
});
