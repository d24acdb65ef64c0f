import type { RelayContext } from "../relayContext.js";

/**
 * Polls the node for the chain head every `pollMs` and calls `onNewBlock` once per new head (not once per
 * block: after a stall the handlers see the newest head and catch up from the chain's state).
 */
export class BlockPoller {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set while the chain is below the highest head seen, so that episode is logged once, not every poll. */
  private behind = false;
  /** Wall-clock time the last new head was seen (null until the first). */
  private lastHeadAt: number | null = null;

  constructor(
    private readonly ctx: RelayContext,
    private readonly onNewBlock: () => Promise<void> | void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Updates the head's block-time estimate (EMA of wall-clock ms per block between heads seen). */
  private measureBlockTime(next: bigint): void {
    const now = Date.now();
    if (this.lastHeadAt !== null && this.ctx.head.block > 0n) {
      const perBlock = (now - this.lastHeadAt) / Number(next - this.ctx.head.block);
      this.ctx.head.blockTimeMs = this.ctx.head.blockTimeMs * 0.8 + perBlock * 0.2;
    }
    this.lastHeadAt = now;
  }

  private async poll(): Promise<void> {
    try {
      const block = await this.ctx.chain.latestBlock();
      if (block.number !== null && block.number > this.ctx.head.block) {
        this.measureBlockTime(block.number);
        this.ctx.head.block = block.number;
        this.ctx.head.timestamp = block.timestamp;
        this.ctx.head.baseFee = block.baseFeePerGas ?? 1_000_000_000n;
        this.ctx.intakeChecks.onBlock(block.number);
        this.behind = false;
        await this.onNewBlock();
      } else if (block.number !== null && block.number < this.ctx.head.block && !this.behind) {
        // A reorg to a shorter chain or a devnet revert: the relay acts again once the chain passes the
        // highest head it has seen (its bundles targeted those heights; the store is not rolled back).
        this.behind = true;
        this.ctx.logger.warn(
          { head: block.number.toString(), highestSeen: this.ctx.head.block.toString() },
          "chain head went back (reorg or revert); waiting for it to pass the highest head seen",
        );
      }
    } catch (err) {
      this.ctx.logger.warn({ err: (err as Error).message }, "polling the chain head failed");
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.ctx.config.pollMs);
  }
}
