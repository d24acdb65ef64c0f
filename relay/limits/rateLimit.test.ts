import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { RelayError } from "../errors/relayError.js";
import { type ClientKeyOf, createClientKey, trustedProxyList } from "./clientKey.js";
import { rateLimit } from "./rateLimit.js";

function app(ratePerSecond: number, burst: number, clientKey?: ClientKeyOf) {
  const a = new Hono();
  a.onError((err, c) => c.json((err as RelayError).toBody(), (err as RelayError).status as 429));
  a.use("*", rateLimit({ ratePerSecond, burst, clientKey }));
  a.get("/", (c) => c.text("ok"));
  return a;
}

describe("rateLimit", () => {
  it("should let a burst through, then answer 429 RATE_LIMITED with retry-after", async () => {
    const a = app(1, 3);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await a.request("/")).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const res = await a.request("/");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });

  it("should round retry-after up to whole seconds and say the rate in the refusal", async () => {
    const a = app(0.5, 1); // one request per 2 s
    expect((await a.request("/")).status).toBe(200);
    const res = await a.request("/");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^more than 0\.5 requests per second from .+; slow down$/);
  });

  it("should refuse a negative rate or a burst below one at configuration time", () => {
    expect(() => rateLimit({ ratePerSecond: -1, burst: 1 })).toThrow(/ratePerSecond >= 0 and burst >= 1/);
    expect(() => rateLimit({ ratePerSecond: -1, burst: 5 })).toThrow(RangeError);
    expect(() => rateLimit({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ ratePerSecond: 0, burst: 1 })).not.toThrow();
  });

  it("should not limit at all with rate 0", async () => {
    const a = app(0, 1);
    for (let i = 0; i < 20; i++) expect((await a.request("/")).status).toBe(200);
  });

  it("should give each client behind a trusted proxy its own bucket, over real HTTP", async () => {
    const limited = app(1, 2, createClientKey(trustedProxyList(["127.0.0.1/32"])));
    const server = serve({ fetch: limited.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const get = (xff?: string) =>
      fetch(url, { headers: xff ? { "x-forwarded-for": xff } : {} }).then((r) => r.status);
    try {
      expect([await get("198.51.100.1"), await get("198.51.100.1"), await get("198.51.100.1")]).toEqual([
        200, 200, 429,
      ]);
      // another client behind the same proxy is not affected
      expect(await get("198.51.100.2")).toBe(200);
      // a second IPv6 address of the same /64 shares its bucket
      expect([await get("2001:db8::1"), await get("2001:db8::2"), await get("2001:db8::3")]).toEqual([
        200, 200, 429,
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("should ignore X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const limited = app(1, 2);
    const server = serve({ fetch: limited.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      const statuses = [];
      for (const xff of ["198.51.100.1", "198.51.100.2", "198.51.100.3"])
        statuses.push((await fetch(url, { headers: { "x-forwarded-for": xff } })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
