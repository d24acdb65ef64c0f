import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { RelayError } from "../errors/relayError.js";
import { type ClientKeyOf, createClientKey } from "./clientKey.js";
import { RateLimiter } from "./rateLimiter.js";

/**
 * Hono middleware: a per-client {@link RateLimiter} of `ratePerSecond` refilling up to `burst`; a request
 * with no token left gets 429 RATE_LIMITED with a `retry-after` header (seconds), before any body is read.
 * `ratePerSecond` 0 disables the limit. Clients are keyed by `clientKey` (IPv6 per /64, `X-Forwarded-For`
 * only from trusted proxies; see clientKey.ts).
 * @example app.use("/v1/*", rateLimit({ ratePerSecond: 200, burst: 400 }))
 */
export function rateLimit(options: {
  ratePerSecond: number;
  burst: number;
  clientKey?: ClientKeyOf;
}): MiddlewareHandler {
  const { ratePerSecond, burst, clientKey = createClientKey(null) } = options;
  if (ratePerSecond < 0 || burst < 1)
    throw new RangeError("rateLimit needs ratePerSecond >= 0 and burst >= 1");
  if (ratePerSecond === 0) return async (_c, next) => next();
  const limiter = new RateLimiter({ perMinute: ratePerSecond * 60, burst });
  return async function rateLimitMiddleware(c, next) {
    let remote: string | undefined;
    try {
      remote = getConnInfo(c).remote.address;
    } catch {
      // not running on node-server (app.request in tests): one shared bucket
    }
    const ip = clientKey(remote, c.req.header("x-forwarded-for"));
    if (!limiter.take(ip)) {
      c.header("retry-after", String(Math.max(1, Math.ceil(limiter.waitMs(ip) / 1000))));
      throw new RelayError(
        "RATE_LIMITED",
        `more than ${ratePerSecond} requests per second from ${ip}; slow down`,
      );
    }
    return next();
  };
}
