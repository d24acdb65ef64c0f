import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rateLimiter.js";

describe("RateLimiter", () => {
  it("should allow a burst, refuse the next request, and refill at the per-minute rate", () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take("ip"))).toEqual([true, true, true, false]);
    expect(limiter.take("other")).toBe(true);
    now += 1_000; // one token per second
    expect(limiter.take("ip")).toBe(true);
    expect(limiter.take("ip")).toBe(false);
  });

  it("should charge a batch its entry count and refuse it whole when short", () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 10 }, () => 0);
    expect(limiter.take("ip", 8)).toBe(true);
    expect(limiter.take("ip", 3)).toBe(false);
    expect(limiter.take("ip", 2)).toBe(true);
  });

  it("should say how long until enough tokens are back", () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 }, () => now);
    expect(limiter.waitMs("ip")).toBe(0);
    limiter.take("ip", 2);
    expect(limiter.waitMs("ip")).toBe(1_000);
    now += 250;
    expect(limiter.waitMs("ip", 2)).toBe(1_750);
  });

  it("should reject a nonsensical configuration", () => {
    expect(() => new RateLimiter({ perMinute: 0, burst: 1 })).toThrow(RangeError);
  });
});
