import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { RelayError } from "../errors/relayError.js";
import { rateLimit } from "./rateLimit.js";

function app(ratePerSecond: number, burst: number) {
  const a = new Hono();
  a.onError((err, c) => c.json((err as RelayError).toBody(), (err as RelayError).status as 429));
  a.use("*", rateLimit({ ratePerSecond, burst }));
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

  it("should not limit at all with rate 0", async () => {
    const a = app(0, 1);
    for (let i = 0; i < 20; i++) expect((await a.request("/")).status).toBe(200);
  });
});
