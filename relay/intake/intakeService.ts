import type { Address, Hex } from "viem";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { maxCommitBy, minCommitBy } from "../batch/commitTiming.js";
import { isRevealOpen } from "../batch/revealWindow.js";
import { ABUSE_DEFAULTS } from "../config.js";
import { createMessageHasher, type MessageHasher } from "../crypto/createMessageHasher.js";
import { recoverOrderSigner } from "../crypto/recoverOrderSigner.js";
import { checkOrderFee } from "../economics/checkOrderFee.js";
import { RelayError } from "../errors/relayError.js";
import { ClientMisses } from "../limits/clientMisses.js";
import type { RelayContext } from "../relayContext.js";
import type { OrderRecord } from "../store/store.js";
import { acceptOrder, cancelOrder, revealOrder } from "../transitions/intakeTransitions.js";
import { leafOf, recoverSignerOrReason } from "./openSealedOrder.js";
import { defaultIntakeWorkers, SealedOrderPool } from "./sealedOrderPool.js";
import { validateOpenedOrder } from "./validateOrder.js";

/** The answer to an accepted order or commitment. */
export type Accepted = { id: Hex; state: string; batchId: number | null };

/**
 * Recovers the signer of an off-chain Veil message (commitment, cancel), or throws INVALID_SIGNATURE. The
 * message names the expected signer only when the caller supplied it (a commitment's trader): a cancel's
 * trader comes from the stored order, and an error must never tell a stranger whose order an id is.
 */
function recoverMessageSigner(
  digest: Hex,
  signature: Hex,
  expected: Address,
  what: string,
  callerNamedSigner = true,
): void {
  let signer: Address;
  try {
    signer = recoverOrderSigner(digest, signature);
  } catch (err) {
    throw new RelayError("INVALID_SIGNATURE", `${what} signature is malformed: ${(err as Error).message}`);
  }
  if (signer !== expected)
    throw new RelayError(
      "INVALID_SIGNATURE",
      callerNamedSigner
        ? `${what} signature does not recover to ${expected}`
        : `${what} signature is not the order's trader's`,
      { details: { recovered: signer } },
    );
}

/**
 * Order intake: every check an order must pass (shape, signature, chain state; cheapest first), then a
 * durable write (group-committed) before the caller answers.
 * Duplicates are caught twice: by id and by (trader, nonce) among live orders, so one signed order can never
 * sit in two batches at once.
 */
export class IntakeService {
  /** Opens, hashes and recovers sealed orders on worker threads. */
  private readonly sealedPool: SealedOrderPool;
  /** Missed reveals per client IP (keys are free, addresses are not). */
  private readonly clientMisses = new ClientMisses();
  /** EIP-712 digests of commitments and cancels (domain cached: viem's hashTypedData was 0.3 ms a call). */
  private readonly messages: MessageHasher;

  constructor(private readonly ctx: RelayContext) {
    this.messages = createMessageHasher(ctx.chainId, ctx.settlement);
    this.sealedPool = new SealedOrderPool({
      workers: ctx.config.intakeWorkers ?? defaultIntakeWorkers(),
      privateKey: ctx.eciesKey.privateKey,
      chainId: ctx.chainId,
      settlement: ctx.settlement,
    });
  }

  /** Resolves once the intake worker threads are loaded (start serving after it). */
  ready(): Promise<void> {
    return this.sealedPool.ready();
  }

  /** Stops the intake worker threads. */
  async close(): Promise<void> {
    await this.sealedPool.close();
  }

  /** `POST /v1/orders`: a sealed `{order, signature, salt}`; `client` keys the per-IP budgets. */
  async submitSealed(ciphertext: Hex, client?: string): Promise<Accepted> {
    // decrypt, parse, digest, ECDSA recovery: on a worker thread; the rest needs the relay's state
    const v = await validateOpenedOrder(await this.sealedPool.open(ciphertext), this.ctx.orderRules, client);
    this.checkCommitBy(v.order.commitBy);
    await this.refuseDuplicate(v.leaf, v.order.trader, v.order.nonce);
    await checkOrderFee(this.ctx, v.order);
    await this.ctx.intakeChecks.check(v.order);
    const now = Date.now();
    const batchId = await this.ctx.openBatch.take(v.order.commitBy);
    const record: OrderRecord = {
      id: v.leaf,
      mode: "sealed",
      trader: v.order.trader,
      state: "pending",
      batchId,
      leafIndex: null,
      commitBy: v.order.commitBy,
      order: v.order,
      signature: v.signature,
      salt: v.salt,
      digest: v.digest,
      reason: null,
      error: null,
      fill: null,
      expiredBatches: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.insert(record);
    return { id: v.leaf, state: "pending", batchId };
  }

  /**
   * `POST /v1/commitments`: a leaf vouched for by the trader's signature, with the hidden order's `commitBy`
   * in plaintext (the relay must commit the leaf by then; the reveal must carry the same value).
   */
  async submitCommitment(
    leaf: Hex,
    trader: Address,
    signature: Hex,
    commitBy: bigint,
    client?: string,
  ): Promise<Accepted> {
    const { config } = this.ctx;
    // Cheapest first (THREATS.md cost budget): arithmetic, one indexed read, one native ECDSA recovery, the
    // trader's counts, and only then the node (cached per block): each leaf committed costs the operator gas,
    // so a commitment must come from a trader who could pay for an order, with few open at once, from a
    // client that reveals. The signature comes before the trader's misses and open commitments: those are
    // the trader's own business, not to be told to a stranger who merely names the address.
    this.checkCommitBy(commitBy);
    await this.refuseDuplicate(leaf, null, null);
    recoverMessageSigner(this.messages.commitment(trader, leaf), signature, trader, "commitment");
    await this.checkMisses(trader, client);
    const maxOpen = config.maxOpenCommitments ?? ABUSE_DEFAULTS.maxOpenCommitments;
    if ((await this.ctx.store.openCommitments(trader, maxOpen)) >= maxOpen)
      throw new RelayError(
        "TOO_MANY_OPEN_COMMITMENTS",
        `trader has ${maxOpen} commitments not yet revealed; reveal them or wait until they end`,
        { details: { maxOpenCommitments: maxOpen } },
      );
    await this.ctx.intakeChecks.checkCommitFunding(trader);
    const now = Date.now();
    const batchId = await this.ctx.openBatch.take(commitBy);
    await this.insert({
      id: leaf,
      mode: "commit",
      trader,
      state: "pending",
      batchId,
      leafIndex: null,
      commitBy,
      order: null,
      signature: null,
      salt: null,
      digest: null,
      reason: null,
      error: null,
      fill: null,
      expiredBatches: 0,
      createdAt: now,
      updatedAt: now,
    });
    if (client !== undefined) this.clientMisses.record(client, leaf);
    return { id: leaf, state: "pending", batchId };
  }

  /** Refuses a commitment from a trader, or a client IP, over its miss limit within the cool-down. */
  private async checkMisses(trader: Address, client: string | undefined): Promise<void> {
    const { config } = this.ctx;
    if (client !== undefined) {
      const limit = config.clientMissLimit ?? ABUSE_DEFAULTS.clientMissLimit;
      const since = Date.now() - config.missCooldownMs;
      const byClient = await this.clientMisses.misses(client, since, async (id) => {
        const o = await this.ctx.store.getOrder(id);
        return o?.state === "unfilled" && o.reason === "NOT_REVEALED" ? o.updatedAt : null;
      });
      if (byClient.count >= limit)
        throw new RelayError(
          "TOO_MANY_MISSES",
          `commitments from this client missed ${byClient.count} reveals; its commitments are refused until ${new Date(byClient.lastAt + config.missCooldownMs).toISOString()} (sealed orders still work)`,
          {
            details: {
              misses: byClient.count,
              missLimit: limit,
              retryAt: byClient.lastAt + config.missCooldownMs,
            },
          },
        );
    }
    const misses = await this.ctx.store.misses(trader);
    if (misses.count >= config.missLimit && Date.now() - misses.lastAt < config.missCooldownMs)
      throw new RelayError(
        "TOO_MANY_MISSES",
        `trader missed ${misses.count} reveals; commitments are refused until ${new Date(misses.lastAt + config.missCooldownMs).toISOString()} (sealed orders still work)`,
        {
          details: {
            misses: misses.count,
            missLimit: config.missLimit,
            retryAt: misses.lastAt + config.missCooldownMs,
          },
        },
      );
  }

  /**
   * `POST /v1/reveals`: the order behind a committed leaf, while the batch's reveal window is open. The
   * commitment and its trader are found (two hashes, one indexed read) before any signature work, so a
   * reveal for no commitment never costs a recovery or an EIP-1271 call.
   */
  async reveal(signed: SignedOrder, client?: string): Promise<Accepted> {
    const digest = this.ctx.hashOrder(signed.order);
    const leaf = leafOf(digest, signed.salt);
    const rec = await this.ctx.store.getOrder(leaf);
    if (rec?.mode !== "commit")
      throw new RelayError("LEAF_MISMATCH", "this order and salt hash to a leaf that matches no commitment", {
        details: { leaf },
      });
    if (rec.trader !== signed.order.trader)
      throw new RelayError(
        "LEAF_MISMATCH",
        "the revealed order's trader is not the trader who committed the leaf",
      );
    if (rec.commitBy !== null && rec.commitBy !== signed.order.commitBy)
      throw new RelayError(
        "LEAF_MISMATCH",
        `the revealed order's commitBy ${signed.order.commitBy} is not the ${rec.commitBy} stated with its commitment`,
      );
    const batch = rec.batchId === null ? null : await this.ctx.store.getBatch(rec.batchId);
    if (rec.state !== "revealed" && (rec.state !== "committed" || !batch || !isRevealOpen(this.ctx, batch)))
      throw new RelayError(
        "REVEAL_WINDOW_CLOSED",
        rec.state === "pending"
          ? "the batch of this commitment is not on chain yet; reveal after its root is committed"
          : `the reveal window of this commitment is closed (state ${rec.state})`,
        { details: { state: rec.state } },
      );
    // Only now the signature: one recovery, and EIP-1271 (capped, cached, budgeted) for a contract wallet.
    const { signer, signerError } = recoverSignerOrReason(digest, signed.signature);
    const v = await validateOpenedOrder(
      { signed, digest, leaf, signer, signerError },
      this.ctx.orderRules,
      client,
    );
    if (rec.state === "revealed" || !batch) return { id: rec.id, state: "revealed", batchId: rec.batchId };
    const clash = await this.ctx.store.activeOrderWithNonce(v.order.trader, v.order.nonce);
    if (clash && clash.id !== rec.id)
      throw new RelayError(
        "DUPLICATE_ORDER",
        `nonce ${v.order.nonce} is already used by live order ${clash.id}`,
      );
    await checkOrderFee(this.ctx, v.order); // commit mode learns the fee here (see checkOrderFee)
    await this.ctx.intakeChecks.check(v.order);
    // Re-check after the awaits: the settler may have closed reveals meanwhile.
    const now = await this.ctx.store.getBatch(batch.id);
    if (!now || !isRevealOpen(this.ctx, now))
      throw new RelayError("REVEAL_WINDOW_CLOSED", "the reveal window closed while the reveal was checked");
    // Compare-and-set inside the write: the settler closing reveals (batch -> settling, the order -> unfilled
    // NOT_REVEALED) may have run since the check above; then exactly one of the two wins, never both.
    const revealed = { order: v.order, signature: v.signature, salt: v.salt, digest: v.digest };
    if (!(await revealOrder(this.ctx, rec, batch.id, revealed)))
      throw new RelayError("REVEAL_WINDOW_CLOSED", "the reveal window closed while the reveal was checked");
    return { id: rec.id, state: "revealed", batchId: rec.batchId };
  }

  /** `DELETE /v1/orders/:id`: a trader-signed cancel, only while the order's batch is still open. */
  async cancel(id: Hex, signature: Hex): Promise<Accepted> {
    const rec = await this.ctx.store.getOrder(id);
    if (!rec) throw new RelayError("NOT_FOUND", `no order ${id}`);
    recoverMessageSigner(this.messages.cancel(rec.trader, rec.id), signature, rec.trader, "cancel", false);
    if (rec.state === "cancelled") return { id: rec.id, state: "cancelled", batchId: rec.batchId };
    const batch = rec.batchId === null ? null : await this.ctx.store.getBatch(rec.batchId);
    if (rec.state !== "pending" || !batch || batch.state !== "open")
      throw new RelayError(
        "CANCEL_TOO_LATE",
        "the order's batch is already closed; to stop it use invalidateNonces on chain",
        { details: { state: rec.state } },
      );
    // Compare-and-set inside the write: the batcher may have frozen the batch since the check above.
    if (!(await cancelOrder(this.ctx, rec, batch.id)))
      throw new RelayError(
        "CANCEL_TOO_LATE",
        "the order's batch closed while the cancel was checked; to stop it use invalidateNonces on chain",
      );
    return { id: rec.id, state: "cancelled", batchId: rec.batchId };
  }

  /**
   * Order v2: the relay must commit an order by its `commitBy`. Too soon, it could not (the batch closes and
   * its commit lands a block or two later); too late, a commit-mode order's reveal window would outlast the
   * batch's contract expiry. Both refusals name the accepted range for the current head.
   */
  private checkCommitBy(commitBy: bigint): void {
    const min = minCommitBy(this.ctx);
    const max = maxCommitBy(this.ctx);
    const details = {
      commitBy: commitBy.toString(),
      head: this.ctx.head.block.toString(),
      min: min.toString(),
      max: max.toString(),
    };
    if (commitBy < min)
      throw new RelayError(
        "COMMIT_BY_TOO_SOON",
        `commitBy ${commitBy} is too close to the chain head ${this.ctx.head.block} for a batch to be committed by then; sign one >= ${min}`,
        { details },
      );
    if (commitBy > max)
      throw new RelayError(
        "COMMIT_BY_TOO_LATE",
        `commitBy ${commitBy} is too far ahead: its batch could not settle before the contract's expiry; sign one <= ${max}`,
        { details },
      );
  }

  private async refuseDuplicate(id: Hex, trader: Address | null, nonce: bigint | null): Promise<void> {
    if (await this.ctx.store.getOrder(id))
      throw new RelayError("DUPLICATE_ORDER", `order ${id} was already submitted`);
    if (trader && nonce !== null) {
      const clash = await this.ctx.store.activeOrderWithNonce(trader, nonce);
      if (clash)
        throw new RelayError("DUPLICATE_ORDER", `nonce ${nonce} is already used by live order ${clash.id}`, {
          details: { id: clash.id },
        });
    }
  }

  private async insert(record: OrderRecord): Promise<void> {
    if (!(await acceptOrder(this.ctx, record)))
      throw new RelayError("DUPLICATE_ORDER", `order ${record.id} (or its nonce) was already submitted`);
  }
}
