import { describe, expect, it } from "vitest";
import { BuilderHealth } from "./builderHealth.js";

describe("BuilderHealth", () => {
  const setup = () => {
    let now = 1_000_000;
    const health = new BuilderHealth(["a", "b", "c"], 1_000, 8_000, () => now);
    return { health, advance: (ms: number) => (now += ms) };
  };

  it("should try healthy builders first, in configured order", () => {
    const { health } = setup();
    expect(health.order()).toEqual([0, 1, 2]);
    expect(health.failed(0, "refused")).toBe(true);
    expect(health.order()).toEqual([1, 2]);
    expect(health.available(0)).toBe(false);
  });

  it("should back off exponentially up to the cap, then probe again", () => {
    const { health, advance } = setup();
    health.failed(0, "x");
    advance(999);
    expect(health.available(0)).toBe(false);
    advance(1);
    expect(health.available(0)).toBe(true);
    expect(health.order()).toEqual([1, 2, 0]); // a recovering builder after the healthy ones
    expect(health.failed(0, "x")).toBe(false); // already down: no new transition
    advance(1_999);
    expect(health.available(0)).toBe(false);
    advance(1);
    expect(health.available(0)).toBe(true);
    for (let i = 0; i < 10; i++) health.failed(0, "x");
    advance(8_000);
    expect(health.available(0)).toBe(true);
  });

  it("should be healthy again after one success and report the recovery once", () => {
    const { health } = setup();
    health.failed(2, "timeout");
    expect(health.view()[2]).toEqual({ index: 2, healthy: false, failures: 1, lastError: "timeout" });
    expect(health.succeeded(2)).toBe(true);
    expect(health.succeeded(2)).toBe(false);
    expect(health.view()[2]).toEqual({ index: 2, healthy: true, failures: 0 });
  });

  it("should still name every builder, earliest retry first, when all are backing off", () => {
    const { health, advance } = setup();
    health.failed(1, "x");
    advance(10);
    health.failed(0, "x");
    advance(10);
    health.failed(2, "x");
    expect(health.anyHealthy()).toBe(false);
    expect(health.order()).toEqual([1, 0, 2]);
  });
});
