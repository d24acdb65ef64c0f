import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../relay/config.js";
import { type RunningRelay, startRelay } from "../../relay/startRelay.js";
import { devnetRelayOptions } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

// Issue 13, bounded memory: each SSE subscriber holds at most --sse-queue-max events; a reader that falls
// behind is sent a final event and cut off; streams are capped per client. The relay runs in this process
// (real HTTP, real sockets) so the test can publish many events at once and read the relay's own heap.

let devnet: Devnet;
let relay: RunningRelay;
let dataDir: string;

beforeAll(async () => {
  devnet = await startDevnet({ slotMs: null });
  dataDir = mkdtempSync(join(tmpdir(), "veil-sse-limits-"));
  const o = devnetRelayOptions(devnet);
  const config = loadConfig(
    [
      ...["--rpc-url", o.rpcUrl, "--builder-url", o.builderUrl, "--settlement", o.settlement],
      ...["--pools", o.pools.join(","), "--data-dir", dataDir, "--port", "0", "--rate-limit", "0"],
      ...["--batch-interval-ms", "3600000", "--sse-queue-max", "64", "--sse-max-per-client", "3"],
    ],
    {
      VEIL_OPERATOR_KEY: o.operatorKey,
      VEIL_AUTH_KEY: o.authKey,
      VEIL_FEE_POLICY: process.env.VEIL_FEE_POLICY,
    },
  );
  relay = await startRelay(config, pino({ level: "silent" }));
});

afterAll(async () => {
  await relay?.close();
  await devnet?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Opens `GET /v1/events` on a raw socket and resolves once the `ready` event arrived. */
function openStream(): Promise<{ socket: Socket; received: () => string }> {
  const { hostname, port } = new URL(relay.url);
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET /v1/events HTTP/1.1\r\nhost: ${hostname}\r\naccept: text/event-stream\r\n\r\n`);
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("event: ready")) resolve({ socket, received: () => text });
    });
    socket.once("error", reject);
  });
}

const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

describe("relay, SSE limits", () => {
  it("should cut off a subscriber that never reads and keep memory flat", async () => {
    const { socket, received } = await openStream();
    socket.pause(); // from now on the client reads nothing
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => undefined);
    const before = heapMb();
    // 400k batch events (the figure: +36 MB with an unbounded queue), published in slices so the
    // relay's stream loop gets to write between them (fewer than --sse-queue-max at a time: only the
    // full socket buffers of a reader that reads nothing make the queue overflow)
    for (let slice = 0; slice < 12_500; slice++) {
      for (let i = 0; i < 32; i++) relay.ctx.events.batch({ id: slice * 32 + i + 1, state: "open" });
      await new Promise((r) => setImmediate(r));
    }
    const after = heapMb();
    socket.resume(); // read what was buffered: the stream must end (the relay closed it)
    await closed;
    expect(received()).toContain("event: batch");
    expect(after - before).toBeLessThan(16);
  }, 60_000);

  it("should send a reader that fell behind a final event before closing its stream", async () => {
    const { socket, received } = await openStream();
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // more events at once than the stream may queue (--sse-queue-max 64): the reader is too far behind
    for (let i = 0; i < 200; i++) relay.ctx.events.batch({ id: i + 1, state: "open" });
    await closed;
    expect(received()).toMatch(/event: closed\ndata: \{"reason":"TOO_SLOW","queueMax":64\}/);
  });

  it("should cap the event streams of one client", async () => {
    const streams = await Promise.all([openStream(), openStream(), openStream()]);
    const res = await fetch(`${relay.url}/v1/events`);
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 3 event streams per client/,
    );
    for (const s of streams) s.socket.destroy();
    // a slot comes back when a stream ends
    let reopened = 0;
    for (let attempt = 0; attempt < 50 && reopened === 0; attempt++) {
      const again = await fetch(`${relay.url}/v1/events`);
      if (again.status === 200) {
        reopened = 1;
        await again.body?.cancel();
      } else await new Promise((r) => setTimeout(r, 20));
    }
    expect(reopened).toBe(1);
  });
});

describe("relay, bounded reads", () => {
  it("should list a settled batch's order ids a page at a time (at most 1,000)", async () => {
    const b = await relay.ctx.store.createBatch();
    const leaves = Array.from(
      { length: 2_500 },
      (_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}` as const,
    );
    await relay.ctx.store.updateBatch(b.id, { state: "settled", leaves });
    const get = async (q = "") => {
      const res = await fetch(`${relay.url}/v1/batches/${b.id}${q}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const first = await get();
    expect((first.body.orderIds as string[]).length).toBe(1_000);
    expect(first.body).toMatchObject({ orderIdsTotal: 2_500, nextOffset: 1_000 });
    const last = await get("?offset=2000");
    expect((last.body.orderIds as string[])[0]).toBe(leaves[2_000]);
    expect(last.body).toMatchObject({ nextOffset: null });
    expect((last.body.orderIds as string[]).length).toBe(500);
    expect((await get("?limit=5000")).status).toBe(400);
  });
});
