import type { Hex } from "viem";
import type { OperatorSigner, SignedOperatorTx } from "../chain/operatorSigner.js";
import type { RelayContext } from "../relayContext.js";
import type { BatchRecord, BundleKind } from "../store/store.js";
import { findOffenders } from "./findOffenders.js";
import { closeReveals, expireBatch, finalizeSettled, markCommitted } from "./orderTransitions.js";
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

type Candidate = { batch: BatchRecord; kind: BundleKind; tx: SignedOperatorTx };

/**
 * The relay's per-block driver, and its crash recovery: every step reads the store and the chain afresh,
 * so after a restart the first block simply continues where the killed process stopped.
 * Each new block it
 * 1. resolves bundles whose target block has passed: a receipt for any attempted tx means it landed
 *    (commit: record the on-chain batch id and block; settle: read the `Trade` events), else it is dead;
 * 2. expires batches past `commitBlock + expiry` and frees their orders;
 * 3. builds one bundle for the next block: pending settles then pending commits, with consecutive operator
 *    nonces, each kept only if the bundle still simulates (`eth_callBundle`) with it;
 * 4. writes the attempts to the store, then sends the bundle to every builder (never to the public pool).
 * A batch's tx is never re-sent while an earlier attempt's target block is still ahead, and a landed tx is
 * seen by receipt before anything is re-signed, so a batch is committed and settled at most once.
 */
export class OperatorLoop {
  private busy = false;
  private readonly checked = new Set<number>();
  private readonly plans = new Map<number, SettlePlan | null>();
  /** Settle simulation failures per batch, and the block before which the next try waits (backoff). */
  private readonly backoff = new Map<number, { failures: number; until: bigint }>();

  constructor(
    private readonly ctx: RelayContext,
    private readonly signer: OperatorSigner,
  ) {}

  /** Runs one step for a new head; overlapping calls are skipped (the next block catches up). */
  async onBlock(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.step();
    } catch (err) {
      this.ctx.logger.error({ err }, "operator step failed; retrying next block");
    } finally {
      this.busy = false;
    }
  }

  private async step(): Promise<void> {
    const { store } = this.ctx;
    const head = this.ctx.head.block;
    await Promise.all([
      ...store.batchesInStates(["committing"]).map((b) => this.resolveCommit(b, head)),
      ...store.batchesInStates(["committed", "settling"]).map((b) => this.resolveSettle(b, head)),
    ]);
    if (store.batchesInStates(["committing", "committed", "settling"]).length === 0) return;

    const target = head + 1n;
    const candidates: Candidate[] = [];
    let nonce = await this.ctx.chain.nonceOf(this.signer.address);
    const baseFee = this.ctx.head.baseFee;
    const txs = () => candidates.map((c) => c.tx.raw);

    for (const b of store.batchesInStates(["committed", "settling"])) {
      if (candidates.length >= MAX_TXS_PER_BUNDLE) break;
      if (!settleMayStart(this.ctx, b) || this.inFlight(b, "settle", head)) continue;
      if ((this.backoff.get(b.id)?.until ?? 0n) > head) continue;
      if (b.state === "committed") closeReveals(this.ctx, b);
      const batch = store.getBatch(b.id)!;
      let plan = this.plans.get(b.id);
      if (plan === undefined) {
        plan = await planSettle(this.ctx, batch);
        this.plans.set(b.id, plan);
      }
      if (plan === null) {
        finalizeSettled(this.ctx, batch, [], null);
        this.plans.delete(b.id);
        continue;
      }
      const tx = await this.signer.settle(plan.data, plan.gas, nonce, baseFee);
      const sim = await this.ctx.submitter.simulate([...txs(), tx.raw], target);
      if (sim.ok) {
        candidates.push({ batch, kind: "settle", tx });
        nonce++;
      } else {
        this.plans.delete(b.id);
        // Retry after 1, 2, 4, 8 blocks: a batch that keeps failing must not eat every block's time.
        const failures = (this.backoff.get(b.id)?.failures ?? 0) + 1;
        this.backoff.set(b.id, { failures, until: head + BigInt(Math.min(2 ** (failures - 1), 8)) });
        const revert = sim.results.find((r) => r.txHash.toLowerCase() === tx.hash.toLowerCase());
        await findOffenders(this.ctx, batch, plan, revert?.revert ?? null, sim.error ?? "");
      }
    }

    for (const b of store.batchesInStates(["committing"])) {
      if (candidates.length >= MAX_TXS_PER_BUNDLE) break;
      if (this.inFlight(b, "commit", head)) continue;
      const tx = await this.signer.commit(b.root!, b.leaves!.length, nonce, baseFee);
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

  /** True while an attempt of this kind targets a block that has not been produced yet. */
  private inFlight(b: BatchRecord, kind: BundleKind, head: bigint): boolean {
    const last = this.ctx.store.attempts(b.id, kind).at(-1);
    return last !== undefined && last.targetBlock > head;
  }

  private async send(candidates: Candidate[], target: bigint): Promise<void> {
    const { store, submitter, metrics, logger } = this.ctx;
    const ids = store.transaction(() =>
      candidates.map(
        (c) =>
          store.addAttempt({
            batchId: c.batch.id,
            kind: c.kind,
            txHash: c.tx.hash,
            nonce: c.tx.nonce,
            targetBlock: target + SEND_AHEAD_BLOCKS - 1n,
            bundleHash: null,
            error: null,
          }).id,
      ),
    );
    const raws = candidates.map((c) => c.tx.raw);
    const targets = Array.from({ length: Number(SEND_AHEAD_BLOCKS) }, (_, i) => target + BigInt(i));
    const sent = await Promise.all(targets.map((t) => submitter.send(raws, t)));
    const res = sent[0];
    const outcomes = sent.flatMap((r) => r.builders);
    const failed = outcomes.filter((b) => !b.ok);
    const error = failed.length === outcomes.length ? failed.map((f) => f.error).join("; ") : null;
    store.transaction(() => {
      for (const id of ids) store.updateAttempt(id, { bundleHash: res.bundleHash, error });
    });
    for (const c of candidates)
      metrics.bundleAttempts.inc({ kind: c.kind, outcome: error ? "error" : "sent" });
    logger.debug({ target, txs: candidates.map((c) => `${c.kind}:${c.batch.id}`), error }, "bundle sent");
  }

  /** Looks for a landed commit among the attempts whose target block has passed. */
  private async resolveCommit(b: BatchRecord, head: bigint): Promise<void> {
    for (const a of this.ctx.store.attempts(b.id, "commit")) {
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
      markCommitted(this.ctx, b, chainBatchId, receipt.blockNumber, a.txHash);
      return;
    }
  }

  /** Looks for a landed settle; expires the batch once no settle can land any more. */
  private async resolveSettle(b: BatchRecord, head: bigint): Promise<void> {
    const attempts = this.ctx.store.attempts(b.id, "settle");
    let landed: Hex | null = null;
    for (const a of attempts) {
      if (firstTarget(a.targetBlock) > head || this.checked.has(a.id)) continue;
      const receipt = await this.ctx.chain.receipt(a.txHash);
      if (receipt || a.targetBlock <= head) this.checked.add(a.id);
      if (receipt?.status === "success") landed = a.txHash;
    }
    if (!landed && attempts.length > 0 && b.chainBatchId !== null) {
      // Belt and braces after a restart: the contract knows whether the batch settled.
      const onChain = await this.ctx.chain.batch(b.chainBatchId);
      if (onChain.settled) landed = attempts.at(-1)!.txHash;
    }
    if (landed) {
      const trades = await this.ctx.chain.tradesOf(b.chainBatchId!, b.commitBlock!);
      this.ctx.metrics.bundleAttempts.inc({ kind: "settle", outcome: "included" });
      finalizeSettled(this.ctx, b, trades, trades[0]?.txHash ?? landed);
      this.plans.delete(b.id);
      return;
    }
    const lastSettleBlock = b.commitBlock! + this.ctx.expiry;
    const pending = attempts.at(-1);
    if (head + 1n > lastSettleBlock && !(pending && pending.targetBlock > head)) {
      expireBatch(this.ctx, b);
      this.plans.delete(b.id);
    }
  }
}

/** First block an attempt was sent for (attempts record the last of their SEND_AHEAD_BLOCKS targets). */
function firstTarget(lastTarget: bigint): bigint {
  return lastTarget - SEND_AHEAD_BLOCKS + 1n;
}
