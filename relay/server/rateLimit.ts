import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { RelayError } from "../errors/relayError.js";

/** Buckets idle this long are forgotten, so the map does not grow with every client ever seen. */
const IDLE_FORGET_MS = 60_000;

/**
 * Per-client-IP token bucket: `ratePerSecond` tokens refill continuously up to `burst`; a request with no
 * token left gets 429 RATE_LIMITED with a `retry-after` header. `ratePerSecond` 0 disables the limit.
 * @example app.use("/v1/*", rateLimit({ ratePerSecond: 200, burst: 400 }))
 */
export function rateLimit(options: { ratePerSecond: number; burst: number }): MiddlewareHandler {
  const { ratePerSecond, burst } = options;
  if (ratePerSecond < 0 || burst < 1)
    throw new RangeError("rateLimit needs ratePerSecond >= 0 and burst >= 1");
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = Date.now();
  return async function rateLimitMiddleware(c, next) {
    if (ratePerSecond === 0) return next();
    const now = Date.now();
    if (now - lastSweep > IDLE_FORGET_MS) {
      for (const [k, b] of buckets) if (now - b.at > IDLE_FORGET_MS) buckets.delete(k);
      lastSweep = now;
    }
    let ip = "unknown";
    try {
      ip = getConnInfo(c).remote.address ?? "unknown";
    } catch {
      // not running on node-server (app.request in tests): one shared bucket
    }
    const b = buckets.get(ip) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    buckets.set(ip, b);
    if (b.tokens < 1) {
      c.header("retry-after", String(Math.ceil((1 - b.tokens) / ratePerSecond)));
      throw new RelayError(
        "RATE_LIMITED",
        `more than ${ratePerSecond} requests per second from ${ip}; slow down`,
      );
    }
    b.tokens -= 1;
    return next();
  };
}
