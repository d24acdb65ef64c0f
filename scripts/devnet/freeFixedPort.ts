import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that is free now and lies below the kernel's ephemeral range, for a process that
 * must keep one port across restarts (the chaos run's relay, killed and restarted on the same URL).
 * A port from `listen(0)` comes out of the ephemeral range, so between picking it and the relay binding it,
 * any process binding port 0 (anvil, a builder, an HTTP client's socket) can be handed the same one: the
 * relay then fails with EADDRINUSE on every retry. Below the range the kernel never hands it out on its own.
 * @example const port = await freeFixedPort()
 */
export async function freeFixedPort(): Promise<number> {
  const low = Math.min(ephemeralRangeStart(), 65_536) - 1;
  const base = 10_000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * Math.max(1, low - base));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free TCP port between ${base} and ${low}`);
}

/** First port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
function ephemeralRangeStart(): number {
  try {
    const first = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 10_001 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
