import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { ClientMisses, COMMITMENTS_PER_CLIENT } from "./clientMisses.js";

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

describe("ClientMisses (missed reveals per client IP, issue 13)", () => {
  it("should count a client's commitments that ended missed since the cool-down start, across fresh traders", async () => {
    const misses = new ClientMisses();
    for (let i = 1; i <= 5; i++) misses.record("1.2.3.4", id(i));
    misses.record("5.6.7.8", id(99));
    const missedAt = new Map<Hex, number>([
      [id(1), 100], // before the window
      [id(2), 2_000],
      [id(3), 3_000],
      [id(99), 3_000],
    ]);
    const at = (x: Hex) => missedAt.get(x) ?? null;
    expect(await misses.misses("1.2.3.4", 1_000, at)).toEqual({ count: 2, lastAt: 3_000 });
    expect(await misses.misses("5.6.7.8", 1_000, at)).toEqual({ count: 1, lastAt: 3_000 });
    expect(await misses.misses("9.9.9.9", 0, at)).toEqual({ count: 0, lastAt: 0 });
  });

  it("should stay bounded: a few ids per client, and least recently used clients dropped", async () => {
    const misses = new ClientMisses(3);
    for (let i = 0; i < COMMITMENTS_PER_CLIENT + 10; i++) misses.record("a", id(i));
    let seen = 0;
    await misses.misses("a", 0, () => {
      seen++;
      return null;
    });
    expect(seen).toBe(COMMITMENTS_PER_CLIENT);
    for (const c of ["b", "c", "d"]) misses.record(c, id(1));
    expect(misses.size).toBe(3);
    expect((await misses.misses("a", 0, () => 1)).count).toBe(0); // "a" was the least recently used
  });
});
