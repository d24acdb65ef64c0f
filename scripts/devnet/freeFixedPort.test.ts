import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freeFixedPort } from "./freeFixedPort.js";

describe("freeFixedPort", () => {
  it("should give ports below the kernel's ephemeral range that can be bound", async () => {
    const ephemeralStart = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    for (let i = 0; i < 20; i++) {
      const port = await freeFixedPort();
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralStart);
      const server = createServer();
      await new Promise<void>((resolve, reject) =>
        server.once("error", reject).listen(port, "127.0.0.1", resolve),
      );
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
