import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { ChainTracker } from "./chainTracker.js";

/** An in-memory chain of blocks whose hashes name their branch, so a fork is visible in the hash. */
class ToyChain {
  blocks: { number: bigint; hash: Hex; parentHash: Hex }[] = [];

  constructor(length: number) {
    for (let i = 0; i < length; i++) this.push("a");
  }

  private hashOf(n: number, branch: string): Hex {
    return `0x${branch.repeat(2)}${n.toString(16).padStart(62, "0")}` as Hex;
  }

  push(branch: string): void {
    const n = this.blocks.length;
    const parentHash = n === 0 ? (`0x${"0".repeat(64)}` as Hex) : this.blocks[n - 1].hash;
    this.blocks.push({ number: BigInt(n), hash: this.hashOf(n, branch), parentHash });
  }

  /** Drops blocks from height `from` on and builds `count` new ones on branch `branch`. */
  reorg(from: number, count: number, branch: string): void {
    this.blocks = this.blocks.slice(0, from);
    for (let i = 0; i < count; i++) this.push(branch);
  }

  get head() {
    return this.blocks[this.blocks.length - 1];
  }

  source() {
    return { blockByNumber: async (n: bigint) => this.blocks[Number(n)] ?? null };
  }
}

describe("ChainTracker: following the head by parent hash", () => {
  it("should report no fork while the chain only grows, even when heads are skipped", async () => {
    const chain = new ToyChain(10);
    const t = new ChainTracker(chain.source());
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: null });
    expect(await t.follow(chain.head)).toEqual({ changed: false, forkBlock: null });
    for (let i = 0; i < 3; i++) chain.push("a");
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: null });
    expect(await t.hashAt(12n)).toBe(chain.blocks[12].hash);
  });

  it("should find the first replaced height of a same-length reorg seen only at the head", async () => {
    const chain = new ToyChain(20);
    const t = new ChainTracker(chain.source());
    for (let n = 10; n < 20; n++) await t.follow(chain.blocks[n]);
    chain.reorg(16, 4, "b"); // heights 16..19 replaced, same head height
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: 16n });
    expect(await t.hashAt(17n)).toBe(chain.blocks[17].hash);
  });

  it("should find the fork when the new branch is longer and the heads in between were never seen", async () => {
    const chain = new ToyChain(20);
    const t = new ChainTracker(chain.source());
    for (let n = 10; n < 20; n++) await t.follow(chain.blocks[n]);
    chain.reorg(18, 5, "c"); // 18, 19 replaced, 20..22 new
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: 18n });
  });

  it("should report a head that went back (revert, node that lost state) from the first lost height", async () => {
    const chain = new ToyChain(30);
    const t = new ChainTracker(chain.source());
    for (let n = 20; n < 30; n++) await t.follow(chain.blocks[n]);
    chain.reorg(25, 0, "a"); // blocks 25..29 gone, same blocks below
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: 25n });
    expect(await t.hashAt(27n)).toBeNull(); // above the head: nothing canonical there yet
  });

  it("should forget everything on reset (a node on another chain)", async () => {
    const chain = new ToyChain(5);
    const t = new ChainTracker(chain.source());
    await t.follow(chain.head);
    t.reset();
    expect(t.head).toBeNull();
    expect(await t.follow(chain.head)).toEqual({ changed: true, forkBlock: null });
  });
});
