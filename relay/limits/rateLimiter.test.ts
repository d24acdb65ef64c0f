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

  it("should keep an emptied bucket across a prune and only drop buckets idle long enough to be full", () => {
    // 0.5 per minute, burst 3: an empty bucket is full again after 6 min. A prune (at most once a minute) that
    // dropped a bucket still refilling would hand its key a fresh burst (issue 20, mutant R8).
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 0.5, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take("busy"))).toEqual([true, true, true, false]);
    now += 61_000; // past the prune interval; "busy" has refilled 0.5 token only
    expect(limiter.take("other")).toBe(true); // runs the prune
    expect(limiter.take("busy")).toBe(false);
    expect(limiter.waitMs("busy")).toBeGreaterThan(0);
    // Idle past full: the bucket is dropped, and the key starts again from a full (same) bucket.
    now += 6 * 60_000;
    expect(limiter.take("other")).toBe(true);
    expect([1, 2, 3, 4].map(() => limiter.take("busy"))).toEqual([true, true, true, false]);
  });

  it("should reject a nonsensical configuration", () => {
    expect(() => new RateLimiter({ perMinute: 0, burst: 1 })).toThrow(RangeError);
  });
});

describe("RateLimiter key bound", () => {
  it("should prune at most once a minute, and only buckets idle longer than it takes them to refill", () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 }, () => now); // empty -> full in 2 s
    limiter.take("a");
    limiter.take("b");
    now = 58_000;
    limiter.take("edge"); // will be idle exactly 2 s at the prune: not yet full for sure, kept
    now = 59_999;
    limiter.take("c");
    expect(limiter.size).toBe(4); // under a minute since the last prune (at 0): nothing dropped
    now = 60_000;
    limiter.take("c"); // prune: a and b idle 60 s are dropped
    expect(limiter.size).toBe(2);
    now = 90_000;
    limiter.take("d"); // 30 s after the prune: no prune, "edge" (idle 32 s) stays
    expect(limiter.size).toBe(3);
    now = 120_000;
    limiter.take("d"); // prune: every bucket idle over 2 s goes; d is taken again right after
    expect(limiter.size).toBe(1);
  });

  it("should name the rule when refusing a configuration", () => {
    expect(() => new RateLimiter({ perMinute: 60, burst: 0.5 })).toThrow(/perMinute > 0 and burst >= 1/);
    expect(() => new RateLimiter({ perMinute: -1, burst: 2 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perMinute: Number.NaN, burst: 2 })).toThrow(RangeError);
    expect(new RateLimiter({ perMinute: 0.001, burst: 1 }).size).toBe(0);
  });

  it("should hold at most maxKeys keys, dropping the least recently used", () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 }, () => 0, 3);
    for (const ip of ["a", "b", "c"]) expect(limiter.take(ip)).toBe(true);
    expect(limiter.take("a")).toBe(false); // a is now the most recently used
    expect(limiter.take("d")).toBe(true); // evicts b, the least recently used
    expect(limiter.size).toBe(3);
    expect(limiter.take("a")).toBe(false); // a kept its empty bucket
    expect(limiter.take("b")).toBe(true); // b was evicted: a fresh bucket
    expect(limiter.size).toBe(3);
  });
});
