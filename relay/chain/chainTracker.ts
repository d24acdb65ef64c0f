import type { Block, Hex } from "viem";

/** Canonical block hashes kept: a reorg or lost node state deeper than this is re-checked from the node. */
export const TRACKED_BLOCKS = 256;

/** What following one new chain head found. */
export type HeadChange = {
  /** The head is a new block (higher, or a different block at the same or a lower height). */
  changed: boolean;
  /**
   * First height whose block is no longer the one seen before (a reorg, a revert, a node that lost state);
   * null when the new head simply extends the chain seen so far.
   */
  forkBlock: bigint | null;
};

/** The few node reads the tracker needs. */
export type BlockSource = {
  blockByNumber(n: bigint): Promise<{ number: bigint | null; hash: Hex | null; parentHash: Hex } | null>;
};

/**
 * The canonical chain as the relay last saw it: the hashes of the last {@link TRACKED_BLOCKS} blocks, kept
 * by following parent hashes from every new head (not only heights), so a block replaced at the same height
 * (a reorg), a head that goes back (a revert, a node restarted from an older state) or a different chain under
 * the same heights is noticed. `hashAt` answers "is the block a receipt named still canonical?" without a
 * node call for any recent height.
 * @example const change = await tracker.follow(latestBlock); if (change.forkBlock !== null) recheck(...)
 */
export class ChainTracker {
  private readonly hashes = new Map<bigint, Hex>();
  private highest: bigint | null = null;

  constructor(private readonly source: BlockSource) {}

  /** The head height last followed (null before the first). */
  get head(): bigint | null {
    return this.highest;
  }

  /** Forgets every hash (the node changed chain: nothing seen before can be trusted). */
  reset(): void {
    this.hashes.clear();
    this.highest = null;
  }

  /**
   * Takes a new head and walks its parents back until a block it already knows, replacing what changed.
   * Returns the first height that changed (a fork) or null.
   */
  async follow(block: Pick<Block, "number" | "hash" | "parentHash">): Promise<HeadChange> {
    if (block.number === null || block.hash === null) return { changed: false, forkBlock: null };
    const n = block.number;
    const oldHighest = this.highest;
    if (oldHighest === null) {
      this.hashes.set(n, block.hash);
      this.highest = n;
      return { changed: true, forkBlock: null };
    }
    if (n === oldHighest && this.hashes.get(n) === block.hash) return { changed: false, forkBlock: null };
    let fork: bigint | null = null;
    const forkAt = (h: bigint) => {
      if (fork === null || h < fork) fork = h;
    };
    // Heights above the new head are gone (the chain got shorter: a revert or lost node state).
    for (let h = n + 1n; h <= oldHighest; h++) if (this.hashes.delete(h)) forkAt(h);
    // Walk back along parent hashes until a block already known is met, replacing what changed.
    let cur: { number: bigint; hash: Hex; parentHash: Hex } = {
      number: n,
      hash: block.hash,
      parentHash: block.parentHash,
    };
    const lowest = n - BigInt(TRACKED_BLOCKS);
    for (;;) {
      const known = this.hashes.get(cur.number);
      if (known === cur.hash) break;
      if (known !== undefined) forkAt(cur.number);
      this.hashes.set(cur.number, cur.hash);
      const parentNumber = cur.number - 1n;
      if (parentNumber < 0n || parentNumber <= lowest) break;
      const knownParent = this.hashes.get(parentNumber);
      if (knownParent === cur.parentHash) break;
      // An unknown height below everything seen is simply not tracked (the relay just started).
      if (knownParent === undefined && parentNumber <= oldHighest && !this.hasBelow(parentNumber)) break;
      const p = await this.source.blockByNumber(parentNumber);
      if (!p || p.hash === null) break;
      cur = { number: parentNumber, hash: p.hash, parentHash: p.parentHash };
    }
    this.highest = n;
    this.prune();
    return { changed: true, forkBlock: fork };
  }

  /** True when some height below `n` is known (so `n` itself should have been known too). */
  private hasBelow(n: bigint): boolean {
    for (const h of this.hashes.keys()) if (h < n) return true;
    return false;
  }

  /** The canonical hash at height `n` (from memory, else from the node, then remembered). */
  async hashAt(n: bigint): Promise<Hex | null> {
    const known = this.hashes.get(n);
    if (known) return known;
    if (this.highest !== null && n > this.highest) return null;
    const b = await this.source.blockByNumber(n);
    if (!b || b.hash === null) return null;
    this.hashes.set(n, b.hash);
    return b.hash;
  }

  private prune(): void {
    if (this.highest === null) return;
    const floor = this.highest - BigInt(TRACKED_BLOCKS) * 2n;
    if (this.hashes.size <= TRACKED_BLOCKS * 2) return;
    for (const h of [...this.hashes.keys()]) if (h < floor) this.hashes.delete(h);
  }
}
