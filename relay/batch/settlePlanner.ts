import { type Address, encodeFunctionData, type Hex, zeroHash } from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import type { UnfilledReason } from "../errors/errorCodes.js";
import type { RelayContext } from "../relayContext.js";
import { solveBatch } from "../solver/solveBatch.js";
import type { BatchRecord, OrderRecord } from "../store/store.js";
import { committedFacts, frozenFacts } from "./batchFacts.js";
import { canStillCommit } from "./commitTiming.js";

/** A ready `settle` call for one batch, with the orders it fills. */
export type SettlePlan = {
  batchId: number;
  data: Hex;
  gas: bigint;
  /** Order ids executed by this plan, by their EIP-712 digest. */
  tradeIds: Hex[];
  /** V2 pairs its residual swaps trade on (F2: no two settles touching one pool share a block). */
  pools: Address[];
  /** The head its reserves were read at: a pool traded after it makes the signed settle stale. */
  plannedAt: bigint;
};

/** Seconds of margin between the chain head's timestamp and an order's `validTo` for it to be settled. */
const VALID_TO_MARGIN_S = 2n;
const GAS_BASE = 400_000n;
const GAS_PER_TRADE = 160_000n;
const GAS_PER_SWAP = 180_000n;
const GAS_CAP = 25_000_000n;
/**
 * Most orders one `settle` may try to execute: each trade costs ~100-150k gas, so a few hundred would not
 * fit in a block. Orders beyond this (in arrival order) are not traded in this batch: their committed
 * leaves are passed as they are, and they move to the open batch to settle later.
 */
export const MAX_TRADES_PER_SETTLE = 100;

/** What {@link planSettle} decided for a batch; the operator loop applies it (`applySettlePlan`). */
export type PlannedSettle = {
  plan: SettlePlan | null;
  /** Orders that cannot execute (expired, nonce used, funds short, or over capacity past their `commitBy`). */
  dropped: { order: OrderRecord; reason: UnfilledReason }[];
  /** Sealed orders over one settle's capacity that a later batch can still commit: requeued. */
  deferred: OrderRecord[];
  /** Each order given to the solver with its reason (null: the plan fills it), kept so a crash keeps it. */
  reasons: { order: OrderRecord; reason: string | null }[];
};

/**
 * Plans `settle(batchId, leaves, tokens, prices, trades, swaps)` for a batch whose reveal window closed:
 * keeps what one settle can execute ({@link MAX_TRADES_PER_SETTLE}), drops orders that can no longer execute
 * (expired, nonce used, balance or allowance short: checked on chain now, per trader and token cumulatively),
 * and solves the rest against the current V2 reserves. Writes nothing: it reads the store and the chain and
 * returns its decisions, which the operator loop applies as one state transition.
 */
export async function planSettle(ctx: RelayContext, batch: BatchRecord): Promise<PlannedSettle> {
  const candidates = (await ctx.store.ordersInBatch(batch.id)).filter(
    (o) => o.leafIndex !== null && o.order && (o.state === "committed" || o.state === "revealed"),
  );
  const { keep, deferred, overdue } = splitOverflow(ctx, candidates);
  const { live, dropped } = await splitInexecutable(ctx, keep);
  const { plan, unfilled } = await solveSettle(ctx, batch, live);
  const reasons = new Map<string, string>(unfilled.map((u) => [u.id, u.reason]));
  return {
    plan,
    dropped: [...overdue.map((order) => ({ order, reason: "COMMIT_DEADLINE_PASSED" as const })), ...dropped],
    deferred,
    reasons: live.map((order) => ({ order, reason: reasons.get(order.id) ?? null })),
  };
}

/**
 * Solves `live` (orders of `batch` with their signed plaintext) against the current pool reserves and
 * encodes the `settle` call, writing nothing: {@link planSettle} uses it for the batch, the offender search
 * for subsets of its trades.
 */
export async function solveSettle(
  ctx: RelayContext,
  batch: BatchRecord,
  live: OrderRecord[],
): Promise<{ plan: SettlePlan | null; unfilled: { id: string; reason: string }[] }> {
  const pools = await ctx.pools.states(ctx.chain);
  const solution = solveBatch(
    live.map((o) => ({ id: o.id, order: o.order! })),
    pools,
  );
  if (solution.fills.length === 0) return { plan: null, unfilled: solution.unfilled };

  const byId = new Map(live.map((o) => [o.id, o]));
  const tokenIndex = new Map(solution.tokens.map((t, i) => [t.toLowerCase(), i]));
  const leaves = [...frozenFacts(batch).leaves];
  const trades = solution.fills.map((f) => {
    const o = byId.get(f.id as Hex)!;
    const order = o.order!;
    leaves[o.leafIndex!] = zeroHash;
    return {
      leafIndex: o.leafIndex!,
      sellTokenIndex: tokenIndex.get(order.sellToken.toLowerCase())!,
      buyTokenIndex: tokenIndex.get(order.buyToken.toLowerCase())!,
      trader: order.trader,
      sellAmount: order.sellAmount,
      minBuyAmount: order.minBuyAmount,
      nonce: order.nonce,
      validTo: order.validTo,
      commitBy: order.commitBy,
      feeAmount: order.feeAmount,
      salt: o.salt!,
      signature: o.signature!,
    };
  });
  const data = encodeFunctionData({
    abi: veilSettlementAbi,
    functionName: "settle",
    args: [
      committedFacts(batch).chainBatchId,
      leaves,
      solution.tokens,
      solution.clearingPrices,
      trades,
      solution.swaps,
    ],
  });
  const gas = GAS_BASE + GAS_PER_TRADE * BigInt(trades.length) + GAS_PER_SWAP * BigInt(solution.swaps.length);
  const plan = {
    batchId: batch.id,
    data,
    gas: gas > GAS_CAP ? GAS_CAP : gas,
    tradeIds: solution.fills.map((f) => f.id as Hex),
    pools: solution.swaps.map((sw) => sw.pair),
    plannedAt: ctx.head.block,
  };
  return { plan, unfilled: solution.unfilled };
}

/**
 * Keeps at most {@link MAX_TRADES_PER_SETTLE} orders for this settle: commit-mode orders first (they were
 * revealed for this batch and can never move: the batcher caps them per batch), then sealed orders in
 * arrival order. A sealed order beyond the cap is deferred to the open batch only if that batch can still be
 * committed by its `commitBy` (order v2); otherwise it is overdue (it ends `COMMIT_DEADLINE_PASSED`).
 */
function splitOverflow(
  ctx: RelayContext,
  candidates: OrderRecord[],
): { keep: OrderRecord[]; deferred: OrderRecord[]; overdue: OrderRecord[] } {
  if (candidates.length <= MAX_TRADES_PER_SETTLE) return { keep: candidates, deferred: [], overdue: [] };
  const ordered = [
    ...candidates.filter((o) => o.mode === "commit"),
    ...candidates.filter((o) => o.mode !== "commit"),
  ];
  const later = ordered.slice(MAX_TRADES_PER_SETTLE);
  const movable = (o: OrderRecord) => o.mode === "sealed" && canStillCommit(ctx, o.order?.commitBy ?? null);
  return {
    keep: ordered.slice(0, MAX_TRADES_PER_SETTLE).sort((a, b) => (a.leafIndex ?? 0) - (b.leafIndex ?? 0)),
    deferred: later.filter(movable),
    overdue: later.filter((o) => !movable(o)),
  };
}

/**
 * Splits orders into those that can execute now and those that cannot (with the reason). Balances and
 * allowances are consumed in arrival order, so of two orders a trader can only fund one, the first stays.
 */
async function splitInexecutable(
  ctx: RelayContext,
  orders: OrderRecord[],
): Promise<{ live: OrderRecord[]; dropped: { order: OrderRecord; reason: UnfilledReason }[] }> {
  const deadline = ctx.head.timestamp + VALID_TO_MARGIN_S;
  const funds = new Map<string, Promise<{ balance: bigint; allowance: bigint }>>();
  const words = new Map<string, Promise<bigint>>();
  const fundsOf = (token: Address, trader: Address) => {
    const k = `${trader}:${token}`;
    if (!funds.has(k))
      funds.set(
        k,
        Promise.all([ctx.chain.balanceOf(token, trader), ctx.chain.allowance(token, trader)]).then(
          ([balance, allowance]) => ({ balance, allowance }),
        ),
      );
    return funds.get(k)!;
  };
  const bitmapOf = (trader: Address, word: bigint) => {
    const k = `${trader}:${word}`;
    if (!words.has(k)) words.set(k, ctx.chain.nonceBitmap(trader, word));
    return words.get(k)!;
  };
  const reads = await Promise.all(
    orders.map(async (o) => ({
      o,
      funds: await fundsOf(o.order!.sellToken, o.trader),
      bitmap: await bitmapOf(o.trader, o.order!.nonce >> 8n),
    })),
  );
  const spent = new Map<string, bigint>();
  const live: OrderRecord[] = [];
  const dropped: { order: OrderRecord; reason: UnfilledReason }[] = [];
  for (const { o, funds: f, bitmap } of reads) {
    const order = o.order!;
    const k = `${o.trader}:${order.sellToken}`;
    const used = (spent.get(k) ?? 0n) + order.sellAmount;
    let reason: UnfilledReason | null = null;
    if (order.validTo < deadline) reason = "EXPIRED";
    else if ((bitmap >> (order.nonce & 0xffn)) & 1n) reason = "NONCE_USED";
    else if (f.balance < used) reason = "INSUFFICIENT_BALANCE";
    else if (f.allowance < used) reason = "INSUFFICIENT_ALLOWANCE";
    if (reason) dropped.push({ order: o, reason });
    else {
      spent.set(k, used);
      live.push(o);
    }
  }
  return { live, dropped };
}
