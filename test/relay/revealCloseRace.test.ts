import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelTypedData, commitmentTypedData } from "../../client/order/offchainMessages.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { revealDeadline } from "../../relay/batch/revealWindow.js";
import { RelayError } from "../../relay/errors/relayError.js";
import type { IntakeService } from "../../relay/intake/intakeService.js";
import type { RunningRelay } from "../../relay/startRelay.js";
import { closeReveals } from "../../relay/transitions/settleTransitions.js";
import type { Devnet } from "../helpers/devnet.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";

// Issue 14, item 4: order and batch transitions are compare-and-set inside the write. The test forces the
// interleavings that used to let two paths both win: the settler closing reveals (and the batcher freezing a
// batch) in the instant between a request's last check and its queued write. Before the fix, the reveal was
// answered "revealed" while its trader was charged a NOT_REVEALED miss and the order was left out, and a
// cancel could land on an order already frozen into a committed root.

let env: InProcessRelay;
let devnet: Devnet;
let relay: RunningRelay;
let intake: IntakeService;

beforeAll(async () => {
  env = await startInProcessRelay([], 5_000n);
  ({ devnet, relay, intake } = env);
});

afterAll(async () => {
  await env?.stop();
});

const keyOf = (label: string) => env.keyOf(label);
const signed = (...args: Parameters<InProcessRelay["signed"]>) => env.signed(...args);
const leafOf = (s: SignedOrder) => env.leafOf(s);

/**
 * Makes the next queued intake write run `before()` first, as if the settler (or batcher) ran in the instant
 * between the request's checks and its write. Restores the queue afterwards.
 */
function interleaveBeforeNextWrite(before: () => Promise<unknown> | undefined): void {
  const queue = relay.ctx.writeQueue;
  const original = queue.run.bind(queue);
  queue.run = (async <T>(op: () => Promise<T>): Promise<T> => {
    queue.run = original;
    await before();
    return original(op);
  }) as typeof queue.run;
}

async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "accepted",
    (e: unknown) => (e instanceof RelayError ? e.code : `threw ${(e as Error).message}`),
  );
}

describe("state transitions as compare-and-set (in-process relay, real store, devnet)", () => {
  it("should end a reveal racing the close of reveals at head == deadline one way only", async () => {
    const { ctx } = relay;
    const s = await signed("trader1");
    const account = privateKeyToAccount(keyOf("trader1"));
    const leaf = leafOf(s);
    const commitSig = await account.signTypedData(
      commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
    );
    await intake.submitCommitment(leaf, account.address, commitSig, s.order.commitBy);
    const id = await env.commitOpenBatch();
    const batch = (await ctx.store.getBatch(id))!;
    // The head sits exactly on the reveal deadline: the reveal window is open and the settler may start.
    const realHead = ctx.head.block;
    ctx.head.block = revealDeadline(ctx, batch)!;
    try {
      const missesBefore = (await ctx.store.misses(account.address)).count;
      interleaveBeforeNextWrite(async () => closeReveals(ctx, (await ctx.store.getBatch(id))!));
      const answer = await outcome(intake.reveal(s));
      const order = (await ctx.store.getOrder(leaf))!;
      const misses = (await ctx.store.misses(account.address)).count - missesBefore;
      // One consistent story: told "revealed" => revealed and no miss; refused => NOT_REVEALED and one miss.
      expect({ answer, state: order.state, reason: order.reason, misses }).toEqual({
        answer: "REVEAL_WINDOW_CLOSED",
        state: "unfilled",
        reason: "NOT_REVEALED",
        misses: 1,
      });
      expect((await ctx.store.getBatch(id))!.state).toBe("settling");
    } finally {
      ctx.head.block = realHead;
    }
  });

  it("should let a reveal that wrote first be settled, and the close after it charge no miss", async () => {
    const { ctx } = relay;
    const s = await signed("trader2");
    const account = privateKeyToAccount(keyOf("trader2"));
    const leaf = leafOf(s);
    const commitSig = await account.signTypedData(
      commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
    );
    await intake.submitCommitment(leaf, account.address, commitSig, s.order.commitBy);
    const id = await env.commitOpenBatch();
    const missesBefore = (await ctx.store.misses(account.address)).count;
    expect(await outcome(intake.reveal(s))).toBe("accepted");
    expect(await closeReveals(ctx, (await ctx.store.getBatch(id))!)).toBe(true);
    // A second close (another path, e.g. after a restart) does nothing: the batch is no longer committed.
    expect(await closeReveals(ctx, (await ctx.store.getBatch(id))!)).toBe(false);
    expect((await ctx.store.getOrder(leaf))!.state).toBe("revealed");
    expect((await ctx.store.misses(account.address)).count).toBe(missesBefore);
  });

  it("should refuse a cancel whose batch froze between its check and its write", async () => {
    const { ctx } = relay;
    const s = await signed("trader1");
    const account = privateKeyToAccount(keyOf("trader1"));
    const leaf = leafOf(s);
    const commitSig = await account.signTypedData(
      commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
    );
    await intake.submitCommitment(leaf, account.address, commitSig, s.order.commitBy);
    const cancelSig = await account.signTypedData(
      cancelTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
    );
    interleaveBeforeNextWrite(async () => {
      await ctx.openBatch.rotate();
      await new Batcher(ctx).closeFull();
    });
    const answer = await outcome(intake.cancel(leaf, cancelSig));
    const order = (await ctx.store.getOrder(leaf))!;
    const batch = (await ctx.store.getBatch(order.batchId!))!;
    // Frozen into the root => not cancelled (the trader is told to invalidate the nonce on chain).
    expect({ answer, state: order.state, frozen: batch.leaves?.includes(leaf) }).toEqual({
      answer: "CANCEL_TOO_LATE",
      state: "pending",
      frozen: true,
    });
  });
});
