import type { Hex } from "viem";
import type { RelayContext } from "../relayContext.js";
import { TRACKED_BLOCKS } from "./chainTracker.js";

/** Polls between two checks of the node's identity (chain id, genesis hash) while nothing looks wrong. */
const IDENTITY_CHECK_EVERY = 25;

/** What the poller tells the rest of the relay. */
export type BlockPollerHandlers = {
  /** A new head (higher, or a replacement after a reorg): the per-block work runs. */
  onNewBlock: () => Promise<void> | void;
  /**
   * Blocks from `forkBlock` on are no longer the ones seen before (a reorg, a revert, a node that restarted
   * with lost state, or another chain): everything that landed there must be re-checked.
   */
  onReorg: (forkBlock: bigint, cause: string) => Promise<void> | void;
};

/**
 * The relay's one poller of the chain head (the order flow and the wallet RPC both hang off it). Every
 * `pollMs` it reads the latest block and follows it by parent hash ({@link ChainTracker}), so it notices a
 * block replaced at the same height, a head that goes back, and a node that restarted from older state; now
 * and then (and after anything odd) it checks the node is still on the chain the relay started on (chain id,
 * genesis hash). Handlers see the newest head, not every block: after a stall they catch up from the chain.
 */
export class BlockPoller {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private polls = 0;
  /** Wall-clock time the last higher head was seen (null until the first), for the block-time estimate. */
  private lastHeadAt: number | null = null;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: RelayContext,
    private genesisHash: Hex | null,
    private readonly handlers: BlockPollerHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    this.current = this.poll();
  }

  /** Stops polling and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  /** Updates the head's block-time estimate (EMA of wall-clock ms per block between heads seen). */
  private measureBlockTime(next: bigint): void {
    const now = Date.now();
    if (this.lastHeadAt !== null && this.ctx.head.block > 0n && next > this.ctx.head.block) {
      const perBlock = (now - this.lastHeadAt) / Number(next - this.ctx.head.block);
      this.ctx.head.blockTimeMs = this.ctx.head.blockTimeMs * 0.8 + perBlock * 0.2;
    }
    this.lastHeadAt = now;
  }

  /**
   * Chain id and genesis hash as the node says now. Another chain id is another chain: nothing the relay
   * signs is valid there. A new genesis hash under the same chain id is a node that was reset (a devnet node
   * restarted from a state dump gets a fresh genesis block): everything recent is re-checked, then the relay
   * goes on with the new genesis.
   */
  private async identity(): Promise<{ wrongChain: string | null; newGenesis: Hex | null }> {
    const [chainId, genesis] = await Promise.all([
      this.ctx.chain.chainId(),
      this.ctx.chain.blockByNumber(0n),
    ]);
    const wrongChain =
      chainId !== this.ctx.chainId ? `chain id ${chainId}, expected ${this.ctx.chainId}` : null;
    const newGenesis =
      this.genesisHash && genesis?.hash && genesis.hash !== this.genesisHash ? genesis.hash : null;
    return { wrongChain, newGenesis };
  }

  private async poll(): Promise<void> {
    const { ctx } = this;
    const health = ctx.chainHealth;
    try {
      const block = await ctx.chain.latestBlock();
      health.lastPollOkAt = Date.now();
      health.lastError = null;
      this.polls++;
      if (block.number === null) return;
      const previous = ctx.head.block;
      const change = await ctx.tracker.follow(block);
      let fork = change.forkBlock;
      let cause = "reorg";
      const odd = fork !== null || block.number < previous;
      if (odd || this.polls % IDENTITY_CHECK_EVERY === 0 || health.wrongChain) {
        const { wrongChain, newGenesis } = await this.identity();
        const recent = previous > BigInt(TRACKED_BLOCKS) ? previous - BigInt(TRACKED_BLOCKS) : 0n;
        if (wrongChain && !health.wrongChain) {
          health.nodeResets++;
          ctx.logger.error(
            { problem: wrongChain },
            "the node is on another chain: sending stops until it is back",
          );
          cause = "node changed chain";
        } else if (!wrongChain && health.wrongChain) {
          ctx.logger.warn("the node is back on the relay's chain: re-checking what landed recently");
          cause = "node back on its chain";
        } else if (newGenesis) {
          health.nodeResets++;
          ctx.logger.error(
            { genesis: newGenesis, was: this.genesisHash },
            "the node was reset (new genesis block, same chain id): re-checking everything recent",
          );
          this.genesisHash = newGenesis;
          cause = "node reset";
        }
        if (cause !== "reorg") {
          ctx.tracker.reset();
          await ctx.tracker.follow(block);
          fork = recent;
        }
        health.wrongChain = wrongChain;
      }
      if (fork === null && block.number < previous) fork = block.number + 1n;
      if (fork !== null && cause === "reorg" && previous - block.number > 16n) {
        cause = "node lost state (head went far back)";
        health.nodeResets++;
      }
      if (fork !== null) {
        const depth = Number(previous - fork + 1n);
        health.reorgs++;
        if (!cause.startsWith("node ")) health.deepestReorg = Math.max(health.deepestReorg, depth);
        ctx.metrics.reorgs.inc();
        ctx.logger.warn(
          {
            forkBlock: fork.toString(),
            depth,
            head: block.number.toString(),
            previousHead: previous.toString(),
            cause,
          },
          "chain reorganised: re-checking everything that landed from the fork block on",
        );
      }
      if (change.changed || fork !== null) {
        this.measureBlockTime(block.number);
        health.lastHeadAt = Date.now();
        ctx.head.block = block.number;
        ctx.head.timestamp = block.timestamp;
        ctx.head.baseFee = block.baseFeePerGas ?? 1_000_000_000n;
        ctx.intakeChecks.onBlock(block.number);
        if (fork !== null) await this.handlers.onReorg(fork, cause);
        await this.handlers.onNewBlock();
      }
    } catch (err) {
      health.lastError = (err as Error).message;
      ctx.logger.warn({ err: (err as Error).message }, "polling the chain head failed");
    } finally {
      if (!this.stopped)
        this.timer = setTimeout(() => {
          this.current = this.poll();
        }, ctx.config.pollMs);
    }
  }
}
