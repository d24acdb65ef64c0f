import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { RelayError } from "../errors/relayError.js";
import { IntakeAdmission } from "./intakeAdmission.js";

/** An app whose POST /work waits until the test opens its gate, run through `IntakeAdmission(max)`. */
function app(max: number) {
  const gates: (() => void)[] = [];
  const admission = new IntakeAdmission(max);
  const a = new Hono();
  a.onError((err, c) =>
    err.name === "RelayError"
      ? c.json((err as RelayError).toBody(), (err as RelayError).status as 429)
      : c.text(err.message, 500),
  );
  a.post("/work", async (c) =>
    c.text(await admission.run(c, () => new Promise<string>((r) => gates.push(() => r("done"))))),
  );
  a.post("/fail", (c) =>
    admission.run(c, async () => {
      throw new Error("boom");
    }),
  );
  const openAll = () => {
    for (const g of gates.splice(0)) g();
  };
  return { a, gates, openAll };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("IntakeAdmission", () => {
  it("should refuse work past the bound with 429 RELAY_BUSY and retry-after, then admit again", async () => {
    const { a, gates, openAll } = app(2);
    const first = [a.request("/work", { method: "POST" }), a.request("/work", { method: "POST" })];
    await settle();
    expect(gates).toHaveLength(2);
    const busy = await a.request("/work", { method: "POST" });
    expect(busy.status).toBe(429);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe("RELAY_BUSY");
    expect(gates).toHaveLength(2); // the refused work never ran
    openAll();
    for (const r of await Promise.all(first)) expect(await r.text()).toBe("done");
    const again = a.request("/work", { method: "POST" });
    await settle();
    openAll();
    expect((await again).status).toBe(200);
  });

  it("should free its slot when the work throws", async () => {
    const { a } = app(1);
    for (let i = 0; i < 3; i++) {
      const res = await a.request("/fail", { method: "POST" });
      expect(await res.text()).toBe("boom"); // the work's own error, not RELAY_BUSY
    }
  });

  it("should admit everything with 0, and refuse a negative or fractional bound at configuration time", async () => {
    const { a, gates, openAll } = app(0);
    const many = Array.from({ length: 50 }, () => a.request("/work", { method: "POST" }));
    await settle();
    expect(gates).toHaveLength(50);
    openAll();
    for (const r of await Promise.all(many)) expect(r.status).toBe(200);
    expect(() => new IntakeAdmission(-1)).toThrow(RangeError);
    expect(() => new IntakeAdmission(1.5)).toThrow(RangeError);
  });
});
