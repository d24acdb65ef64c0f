import type { Address, Hex, TransactionReceipt } from "viem";
import { TRACKED_BLOCKS } from "../chain/chainTracker.js";
import type { OperatorSigner, SignedOperatorTx } from "../chain/operatorSigner.js";
import { settleBidFor } from "../economics/settleBid.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchIn, BatchRecord, BundleKind } from "../store/store.js";
import { freezeBatch } from "../transitions/batchTransitions.js";
import {
  reanchorCommit,
  reanchorSettle,
  rollBackCommit,
  rollBackSettle,
} from "../transitions/reorgTransitions.js";
import {
  applySettlePlan,
  closeReveals,
  confirmationsOf,
  expireBatch,
  finalizeSettled,
  markCommitted,
  markSettleLanded,
} from "../transitions/settleTransitions.js";
import { findOffenders } from "./findOffenders.js";
import { settleMayStart } from "./revealWindow.js";
import { planSettle, type SettlePlan } from "./settlePlanner.js";

/**
 * Each bundle is sent for this many consecutive target blocks: a relay slower than one slot (a loaded
 * machine, a slow node) still lands it. The txs are the same signed bytes, so their nonces let at most one
 * copy land.
 */
const SEND_AHEAD_BLOCKS = 3n;

/** Most operator txs in one bundle (settles first, then commits). */
const MAX_TXS_PER_BUNDLE = 8;

type Candidate = { batch: BatchRecord; kind: BundleKind; tx: SignedOperatorTx; pools?: Address[] };

/**
 * The relay's per-block driver, and its crash recovery: every step reads the store and the chain afresh,
 * so after a restart the first block simply continues where the killed process stopped.
 * Each new block it
 * 1. resolves bundles whose target block has passed: a receipt for any attempted tx means it landed
 *    (commit: record the on-chain batch id and block; settle: read the `Trade` events), else it is dead;
 * 2. expires batches past `commitBlock + expiry` and frees their orders;
 * 3. builds one bundle for the next block: pending settles then pending commits, with consecutive operator
 *    nonces, each kept only if the bundle still simulates (`eth_callBundle`) with it. Settles come first, so
 *    each is the first transaction of the block to touch its pools, and no two settles sharing a pool go in
 *    one bundle (the contract refuses a residual swap on a pool already traded in the block: F2); a commit
 *    is sent only for blocks up to its batch's commit deadline (the smallest `commitBy` of its orders), and a
 *    batch that missed it is re-frozen without the orders it can no longer commit;
 * 4. writes the attempts to the store, then sends the bundle to every builder (never to the public pool).
 * A batch's tx is never re-sent while an earlier attempt's target block is still ahead, and a landed tx is
 * seen by receipt before anything is re-signed, so a batch is committed and settled at most once.
 *
 * Nothing is final on the first receipt: a commit and a settle are kept with their block hash; a settle's
 * orders become final only once it has `--confirmations` blocks, and whenever the block poller reports a
 * reorg (or at start, for the recent past) every commit and settle that landed from the fork block on is
 * checked against the canonical chain: one that is gone moves its batch back a state (commit: re-sent with the
 * same root; settle: re-planned and re-sent), one that moved to another block is re-anchored.
 */
export class OperatorLoop {
  private busy = false;
  private readonly checked = new Set<number>();
  private readonly plans = new Map<number, SettlePlan | null>();
  /** Whether this relay's operator key committed a batch (F4), read once from the chain per batch. */
  private readonly owner = new Map<number, boolean>();
  /** Settle simulation failures per batch, and the block before which the next try waits (backoff). */
  private readonly backoff = new Map<number, { failures: number; until: bigint }>();
  /** Attempts up to this id belong to a chain a reorg replaced: they no longer hold a batch back. */
  private readonly staleAttempts = new Map<number, number>();
  /** Settle attempts whose pools were traded after they were signed: they cannot land (F2 re-plan). */
  private readonly superseded = new Set<number>();
  /** Lowest fork block reported and not yet re-checked (at start: the recent past, a reorg may have happened). */
  private pendingFork: bigint | null;
  private again = false;

  constructor(
    private readonly ctx: RelayContext,
    private readonly signer: OperatorSigner,
  ) {
    const back = BigInt(TRACKED_BLOCKS);
    this.pendingFork = ctx.head.block > back ? ctx.head.block - back : 0n;
  }

  /** Runs one step for a new head; a call while one runs makes it run once more right after. */
  async onBlock(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      await this.step();
    } catch (err) {
      this.ctx.logger.error({ err }, "operator step failed; retrying next block");
    } finally {
      this.busy = false;
    }
    if (this.again) {
      this.again = false;
      await this.onBlock();
    }
  }

  /** The block poller saw blocks from `forkBlock` on replaced: re-check what landed there, then step. */
  onReorg(forkBlock: bigint): Promise<void> {
    if (this.pendingFork === null || forkBlock < this.pendingFork) this.pendingFork = forkBlock;
    return this.onBlock();
  }

  private async step(): Promise<void> {
    const { store } = this.ctx;
    if (this.pendingFork !== null) {
      const fork = this.pendingFork;
      this.pendingFork = null;
      try {
        await this.recheck(fork);
      } catch (err) {
        if (this.pendingFork === null || fork < this.pendingFork) this.pendingFork = fork;
        throw err;
      }
    }
    // A node on another chain: nothing this relay signs could mean what it should there.
    if (this.ctx.chainHealth.wrongChain) return;
    const head = this.ctx.head.block;
    const committing = await store.batchesInStates(["committing"]);
    const committed = await store.batchesInStates(["committed", "settling"]);
    await Promise.all([
      ...committing.map((b) => this.resolveCommit(b, head)),
      ...committed.map((b) => this.resolveSettle(b, head)),
    ]);
    if ((await store.batchesInStates(["committing", "committed", "settling"])).length === 0) return;

    const target = head + 1n;
    const candidates: Candidate[] = [];
    let nonce = await this.ctx.chain.nonceOf(this.signer.address);
    const baseFee = this.ctx.head.baseFee;
    const txs = () => candidates.map((c) => c.tx.raw);
    const touched = new Set<string>();

    for (const b of await store.batchesInStates(["committed", "settling"])) {
      if (candidates.length >= MAX_TXS_PER_BUNDLE) break;
      if (b.settleBlock !== null) continue; // landed; waiting for confirmations
      if (!settleMayStart(this.ctx, b)) continue;
      if ((await this.inFlight(b, "settle", head)) && !(await this.supersededByPoolMove(b, head))) continue;
      if ((this.backoff.get(b.id)?.until ?? 0n) > head) continue;
      if (!(await this.isOurs(b))) continue;
      if (b.state === "committed") await closeReveals(this.ctx, b);
      const batch = (await store.getBatch(b.id))!;
      let plan = this.plans.get(b.id);
      const cached = plan !== undefined;
      if (plan === undefined) {
        plan = await applySettlePlan(this.ctx, await planSettle(this.ctx, batch));
        this.plans.set(b.id, plan);
      }
      if (plan === null) {
        this.plans.delete(b.id);
        // Nothing left to trade: maybe because an earlier settle of this batch (reorged out, then back) used
        // the nonces. Then the batch settled on chain: resolveSettle records that settle; never "no trades".
        if (batch.chainBatchId !== null && (await this.ctx.chain.batch(batch.chainBatchId)).settled) continue;
        await finalizeSettled(this.ctx, batch, [], null);
        continue;
      }
      if (plan.pools.some((p) => touched.has(p.toLowerCase()))) {
        // F2: a second settle on the same pool would find it already traded in this block and revert.
        this.ctx.metrics.settlePoolWaits.inc({ cause: "own_settle" });
        this.ctx.logger.debug(
          { batchId: b.id },
          "settle shares a pool with another in this bundle; next block",
        );
        continue;
      }
      // Issue 17: a settle whose bundle missed blocks bids more, from its orders' fees (never above them).
      const bid = await settleBidFor(this.ctx, b.id, plan, head);
      let tx = await this.signer.settle(plan.data, plan.gas, nonce, baseFee, bid);
      let sim = await this.ctx.submitter.simulate([...txs(), tx.raw], target);
      if (!sim.ok && cached) {
        // A plan made on an earlier block may only be stale (another settle moved its pool since): re-plan on
        // the current reserves once before counting a failure or looking for an order to blame.
        const fresh = await applySettlePlan(this.ctx, await planSettle(this.ctx, batch));
        if (fresh !== null) {
          plan = fresh;
          this.plans.set(b.id, plan);
          tx = await this.signer.settle(plan.data, plan.gas, nonce, baseFee, bid);
          sim = await this.ctx.submitter.simulate([...txs(), tx.raw], target);
        }
      }
      if (sim.ok) {
        candidates.push({ batch, kind: "settle", tx, pools: plan.pools });
        for (const p of plan.pools) touched.add(p.toLowerCase());
        nonce++;
      } else {
        this.plans.delete(b.id);
        const revert = sim.results.find((r) => r.txHash.toLowerCase() === tx.hash.toLowerCase());
        if (revert === undefined) {
          // The builder did not run the settle at all (the bundle refused as a whole: an operator nonce that
          // went stale while this step ran, no builder answering): no order is to blame; next block.
          this.ctx.logger.warn(
            { batchId: b.id, error: sim.error },
            "settle bundle refused as a whole; retrying",
          );
          continue;
        }
        // Retry after 1, 2, 4, 8 blocks: a batch that keeps failing must not eat every block's time.
        const failures = (this.backoff.get(b.id)?.failures ?? 0) + 1;
        this.backoff.set(b.id, { failures, until: head + BigInt(Math.min(2 ** (failures - 1), 8)) });
        const first = txs();
        const simulatePlan = async (p: SettlePlan) => {
          const t = await this.signer.settle(p.data, p.gas, nonce, baseFee);
          const r = await this.ctx.submitter.simulate([...first, t.raw], target);
          const own = r.results.find((x) => x.txHash.toLowerCase() === t.hash.toLowerCase());
          return { ok: r.ok, revert: own?.revert ?? null, error: r.error ?? "", executed: own !== undefined };
        };
        await findOffenders(
          this.ctx,
          batch,
          plan,
          { ok: false, revert: revert.revert ?? null, error: sim.error ?? "", executed: true },
          simulatePlan,
        );
      }
    }

    for (let b of await store.batchesInStates(["committing"])) {
      if (candidates.length >= MAX_TXS_PER_BUNDLE) break;
      if (await this.inFlight(b, "commit", head)) continue;
      if (b.commitDeadline !== null && b.commitDeadline < target) {
        // No attempt can land any more, and none landed (resolved above): commit only what still can.
        await freezeBatch(this.ctx, b);
        const refrozen = await store.getBatch(b.id);
        if (refrozen?.state !== "committing") continue;
        b = refrozen;
      }
      const tx = await this.signer.commit(b.root, b.leaves.length, nonce, baseFee);
      const sim = await this.ctx.submitter.simulate([...txs(), tx.raw], target);
      if (sim.ok) {
        candidates.push({ batch: b, kind: "commit", tx });
        nonce++;
      } else {
        this.ctx.logger.error(
          { batchId: b.id, error: sim.error },
          "commit does not simulate; retrying next block",
        );
      }
    }
    if (candidates.length > 0) await this.send(candidates, target);
  }

  /**
   * F4: only the operator that committed a batch may settle it (the contract refuses anyone else with
   * `NotBatchOperator`). After a restart with another operator key, batches the old key committed are left
   * alone, said once in the log; they expire at the contract's deadline unless the old key settles them.
   */
  private async isOurs(b: BatchRecord): Promise<boolean> {
    let ours = this.owner.get(b.id);
    if (ours === undefined) {
      if (b.chainBatchId === null) return false;
      const onChain = await this.ctx.chain.batch(b.chainBatchId);
      ours = onChain.operator.toLowerCase() === this.signer.address.toLowerCase();
      this.owner.set(b.id, ours);
      if (!ours)
        this.ctx.logger.error(
          {
            batchId: b.id,
            chainBatchId: b.chainBatchId,
            committedBy: onChain.operator,
            operator: this.signer.address,
          },
          "batch was committed by another operator key; only that key can settle it (NotBatchOperator): leaving it to expire",
        );
    }
    return ours;
  }

  /**
   * F2's cost: the blocks between the settle's first target and the block it landed in where another
   * transaction traded one of its pools (the contract's same-block guard made the bundle fail there).
   */
  private async countPoolWaits(b: BatchRecord, firstLastTarget: bigint, landedIn: bigint): Promise<void> {
    const pools = this.plans.get(b.id)?.pools ?? [];
    const from = firstTarget(firstLastTarget);
    if (pools.length === 0 || landedIn <= from) return;
    try {
      const blocks = await this.ctx.chain.poolTouchBlocks(pools, from, landedIn - 1n);
      if (blocks.length === 0) return;
      this.ctx.metrics.settlePoolWaits.inc({ cause: "pool_touched" }, blocks.length);
      this.ctx.logger.info(
        { batchId: b.id, blocks: blocks.map(String) },
        "settle missed blocks in which another tx traded its pool first (same-block pool guard)",
      );
    } catch (err) {
      this.ctx.logger.warn({ err: (err as Error).message }, "could not count the settle's pool waits");
    }
  }

  /**
   * F2: a settle in flight was signed against its pools' reserves when planned; once another transaction
   * traded one of them (the same-block guard refused the bundle in that block, and the price has moved), the
   * signed settle cannot land in the remaining target blocks. It is superseded: re-planned on the new
   * reserves and sent for the next block (same operator nonce, so at most one of them can ever land).
   */
  private async supersededByPoolMove(b: BatchRecord, head: bigint): Promise<boolean> {
    const plan = this.plans.get(b.id);
    const last = (await this.ctx.store.attempts(b.id, "settle")).at(-1);
    if (!plan || plan.pools.length === 0 || !last) return false;
    const moved = await this.ctx.chain.poolTouchBlocks(plan.pools, plan.plannedAt + 1n, head).catch(() => []);
    if (moved.length === 0) return false;
    this.superseded.add(last.id);
    this.plans.delete(b.id);
    this.ctx.logger.info(
      { batchId: b.id, blocks: moved.map(String) },
      "a pool of the settle in flight was traded; re-planning",
    );
    return true;
  }

  /** True while an attempt of this kind targets a block that has not been produced yet (on this chain). */
  private async inFlight(b: BatchRecord, kind: BundleKind, head: bigint): Promise<boolean> {
    const last = (await this.ctx.store.attempts(b.id, kind)).at(-1);
    if (last !== undefined && last.id <= (this.staleAttempts.get(b.id) ?? 0)) return false;
    if (last !== undefined && this.superseded.has(last.id)) return false;
    return last !== undefined && last.targetBlock > head;
  }

  /** Drops what the loop remembers of a batch whose commit or settle a reorg removed. */
  private async forget(batchId: number): Promise<void> {
    this.plans.delete(batchId);
    this.backoff.delete(batchId);
    this.owner.delete(batchId);
    this.checked.clear();
    const ids = [
      ...(await this.ctx.store.attempts(batchId, "commit")),
      ...(await this.ctx.store.attempts(batchId, "settle")),
    ].map((a) => a.id);
    if (ids.length > 0) this.staleAttempts.set(batchId, Math.max(...ids));
  }

  /** Re-checks every commit and settle that landed at or above `fork` (see the class comment). */
  private async recheck(fork: bigint): Promise<void> {
    const landed = (await this.ctx.store.batchesLandedSince(fork)).filter(
      (b) => b.state === "committed" || b.state === "settling" || b.state === "settled",
    );
    if (landed.length > 0)
      this.ctx.logger.info({ fork: fork.toString(), batches: landed.length }, "re-checking landed batches");
    for (const b of landed) await this.verifyLanding(b);
  }

  /**
   * Is the batch's commit (and settle, if landed) still in the block it was seen in? If not: the same tx in
   * another block is re-anchored; a tx that is gone moves the batch back (rollBackCommit / rollBackSettle).
   * Returns false when the batch was moved back.
   */
  private async verifyLanding(b: BatchRecord): Promise<boolean> {
    const { chain, tracker, store } = this.ctx;
    if (b.commitBlock !== null) {
      const canonical = await tracker.hashAt(b.commitBlock);
      if (canonical === null || canonical !== b.commitBlockHash) {
        const r = b.commitTxHash ? await chain.receipt(b.commitTxHash) : null;
        const id = r?.status === "success" ? chain.committedBatchId(r) : null;
        if (r && id !== null && id === b.chainBatchId) {
          await reanchorCommit(this.ctx, b, r.blockNumber, r.blockHash);
        } else {
          await rollBackCommit(this.ctx, b, r ? "commit now in another batch id" : "commit tx not on chain");
          await this.forget(b.id);
          return false;
        }
      }
    }
    const now = await store.getBatch(b.id);
    if (now?.settleBlock != null) {
      const canonical = await tracker.hashAt(now.settleBlock);
      if (canonical === null || canonical !== now.settleBlockHash) {
        const r = now.settleTxHash ? await chain.receipt(now.settleTxHash) : null;
        if (r?.status === "success") {
          await reanchorSettle(this.ctx, b, r.blockNumber, r.blockHash);
        } else {
          await rollBackSettle(this.ctx, now, "settle tx not on chain");
          await this.forget(b.id);
          return false;
        }
      }
    }
    return true;
  }

  /** A landed settle: final once it has the confirmations (and it and the commit are still canonical). */
  private async confirmSettle(b: BatchRecord): Promise<void> {
    if (b.settleBlock === null) return;
    const conf = confirmationsOf(this.ctx, b.settleBlock) ?? 0;
    if (conf < this.ctx.confirmations) return;
    if (!(await this.verifyLanding(b))) return;
    const now = await this.ctx.store.getBatch(b.id);
    if (!now || now.settleBlock === null || now.chainBatchId === null || now.commitBlock === null) return;
    if ((confirmationsOf(this.ctx, now.settleBlock) ?? 0) < this.ctx.confirmations) return;
    const trades = await this.ctx.chain.tradesOf(now.chainBatchId, now.commitBlock);
    await finalizeSettled(this.ctx, now, trades, now.settleTxHash);
    this.plans.delete(b.id);
  }

  private async send(candidates: Candidate[], target: bigint): Promise<void> {
    const { store, submitter, metrics, logger } = this.ctx;
    // A commit may land only up to its batch's commit deadline (the contract would refuse its orders later).
    let last = target + SEND_AHEAD_BLOCKS - 1n;
    for (const c of candidates)
      if (c.kind === "commit" && c.batch.commitDeadline !== null && c.batch.commitDeadline < last)
        last = c.batch.commitDeadline;
    const ids = await store.transaction(async () => {
      const out: number[] = [];
      for (const c of candidates) {
        const attempt = await store.addAttempt({
          batchId: c.batch.id,
          kind: c.kind,
          txHash: c.tx.hash,
          nonce: c.tx.nonce,
          targetBlock: last,
          bundleHash: null,
          error: null,
        });
        out.push(attempt.id);
      }
      return out;
    });
    const raws = candidates.map((c) => c.tx.raw);
    const targets = Array.from({ length: Number(last - target + 1n) }, (_, i) => target + BigInt(i));
    const sent = await Promise.all(targets.map((t) => submitter.send(raws, t)));
    const res = sent[0];
    const outcomes = sent.flatMap((r) => r.builders);
    const failed = outcomes.filter((b) => !b.ok);
    const error = failed.length === outcomes.length ? failed.map((f) => f.error).join("; ") : null;
    await store.transaction(async () => {
      for (const id of ids) await store.updateAttempt(id, { bundleHash: res.bundleHash, error });
    });
    for (const c of candidates)
      metrics.bundleAttempts.inc({ kind: c.kind, outcome: error ? "error" : "sent" });
    logger.debug({ target, txs: candidates.map((c) => `${c.kind}:${c.batch.id}`), error }, "bundle sent");
  }

  /** Looks for a landed commit among the attempts whose target block has passed. */
  private async resolveCommit(b: BatchRecord, head: bigint): Promise<void> {
    for (const a of await this.ctx.store.attempts(b.id, "commit")) {
      if (firstTarget(a.targetBlock) > head || this.checked.has(a.id)) continue;
      const receipt = await this.ctx.chain.receipt(a.txHash);
      if (!receipt) {
        if (a.targetBlock <= head) this.checked.add(a.id);
        continue;
      }
      const chainBatchId = receipt.status === "success" ? this.ctx.chain.committedBatchId(receipt) : null;
      if (chainBatchId === null) {
        this.checked.add(a.id);
        this.ctx.logger.error({ batchId: b.id, tx: a.txHash }, "commit tx landed but reverted");
        continue;
      }
      this.ctx.metrics.bundleAttempts.inc({ kind: "commit", outcome: "included" });
      await markCommitted(this.ctx, b, chainBatchId, receipt.blockNumber, a.txHash, receipt.blockHash);
      return;
    }
  }

  /**
   * Looks for a landed settle: records it (with its block hash) and finalizes the batch once it has the
   * confirmations; expires the batch once no settle can land any more.
   */
  private async resolveSettle(b: BatchIn<"committed" | "settling">, head: bigint): Promise<void> {
    if (b.settleBlock !== null) return this.confirmSettle(b);
    const attempts = await this.ctx.store.attempts(b.id, "settle");
    let landed: { txHash: Hex; receipt: TransactionReceipt } | null = null;
    for (const a of attempts) {
      if (firstTarget(a.targetBlock) > head || this.checked.has(a.id)) continue;
      const receipt = await this.ctx.chain.receipt(a.txHash);
      if (receipt || a.targetBlock <= head) this.checked.add(a.id);
      if (receipt?.status === "success") landed = { txHash: a.txHash, receipt };
    }
    let settledOnChain = false;
    if (!landed && (attempts.length > 0 || this.owner.get(b.id) === false) && b.chainBatchId !== null) {
      // Belt and braces after a restart: the contract knows whether the batch settled.
      settledOnChain = (await this.ctx.chain.batch(b.chainBatchId)).settled;
    }
    if (landed || settledOnChain) {
      const trades = await this.ctx.chain.tradesOf(b.chainBatchId, b.commitBlock);
      const txHash = trades[0]?.txHash ?? landed?.txHash ?? null;
      if (txHash === null) {
        await finalizeSettled(this.ctx, b, trades, null); // settled by another key with nothing of ours in it
        this.plans.delete(b.id);
        return;
      }
      const receipt =
        landed?.txHash.toLowerCase() === txHash.toLowerCase()
          ? landed.receipt
          : await this.ctx.chain.receipt(txHash);
      if (!receipt) return; // the node is catching up: next block
      this.ctx.metrics.bundleAttempts.inc({ kind: "settle", outcome: "included" });
      this.ctx.metrics.settledBatches.inc();
      if (attempts.length > 0 && trades[0])
        await this.countPoolWaits(b, attempts[0].targetBlock, trades[0].blockNumber);
      await markSettleLanded(this.ctx, b, txHash, receipt.blockNumber, receipt.blockHash);
      const now = await this.ctx.store.getBatch(b.id);
      if (now) await this.confirmSettle(now);
      return;
    }
    const lastSettleBlock = b.commitBlock + this.ctx.expiry;
    const pending = attempts.at(-1);
    if (head + 1n > lastSettleBlock && !(pending && pending.targetBlock > head)) {
      await expireBatch(this.ctx, b);
      this.plans.delete(b.id);
    }
  }
}

/** First block an attempt was sent for (attempts record the last of their SEND_AHEAD_BLOCKS targets). */
function firstTarget(lastTarget: bigint): bigint {
  return lastTarget - SEND_AHEAD_BLOCKS + 1n;
}
