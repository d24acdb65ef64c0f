import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type Hex, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelTypedData, commitmentTypedData } from "../../client/order/offchainMessages.js";
import {
  hashOrder,
  ORDER_TYPES,
  type Order,
  orderLeaf,
  randomSalt,
  veilDomain,
} from "../../client/order/order.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { closeReveals, markCommitted } from "../../relay/batch/orderTransitions.js";
import { revealDeadline } from "../../relay/batch/revealWindow.js";
import { loadConfig } from "../../relay/config.js";
import { RelayError } from "../../relay/errors/relayError.js";
import { IntakeService } from "../../relay/intake/intakeService.js";
import { type RunningRelay, startRelay } from "../../relay/startRelay.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { devnetRelayOptions } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

// Issue 14, item 4: order and batch transitions are compare-and-set inside the write. The test forces the
// interleavings that used to let two paths both win: the settler closing reveals (and the batcher freezing a
// batch) in the instant between a request's last check and its queued write. Before the fix, the reveal was
// answered "revealed" while its trader was charged a NOT_REVEALED miss and the order was left out, and a
// cancel could land on an order already frozen into a committed root.

let devnet: Devnet;
let relay: RunningRelay;
let intake: IntakeService;
let dataDir: string;
let nonce = 5_000n;

beforeAll(async () => {
  devnet = await startDevnet({ slotMs: null });
  dataDir = mkdtempSync(join(tmpdir(), "veil-race-"));
  const o = devnetRelayOptions(devnet);
  const config = loadConfig(
    [
      ...["--rpc-url", o.rpcUrl, "--builder-url", o.builderUrl, "--settlement", o.settlement],
      ...["--pools", o.pools.join(","), "--data-dir", dataDir, "--port", "0", "--rate-limit", "0"],
      ...["--batch-interval-ms", "3600000", "--reveal-window", "3", "--check-funds", "false"],
    ],
    { VEIL_OPERATOR_KEY: o.operatorKey, VEIL_AUTH_KEY: o.authKey },
  );
  relay = await startRelay(config, pino({ level: "silent" }));
  intake = new IntakeService(relay.ctx);
});

afterAll(async () => {
  await relay?.close();
  await devnet?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const keyOf = (label: string): Hex => devnetAccount(devnet, label).privateKey;

async function signed(label: string): Promise<SignedOrder> {
  const account = privateKeyToAccount(keyOf(label));
  const { WETH, USDC } = devnet.contracts.tokens;
  const order: Order = {
    trader: account.address,
    sellToken: WETH,
    buyToken: USDC,
    sellAmount: parseEther("1"),
    minBuyAmount: parseUnits("100", 6),
    nonce: nonce++,
    validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
    commitBy: relay.ctx.head.block + 5n,
  };
  const signature = await account.signTypedData({
    domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  return { order, signature, salt: randomSalt() };
}

const leafOf = (s: SignedOrder) =>
  orderLeaf(hashOrder(s.order, devnet.chainId, devnet.contracts.settlement), s.salt);

/**
 * Makes the next queued intake write run `before()` first, as if the settler (or batcher) ran in the instant
 * between the request's checks and its write. Restores the queue afterwards.
 */
function interleaveBeforeNextWrite(before: () => void): void {
  const queue = relay.ctx.writeQueue;
  const original = queue.run.bind(queue);
  queue.run = (<T>(op: () => T): Promise<T> => {
    queue.run = original;
    before();
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
    const id = ctx.openBatch.rotate();
    new Batcher(ctx).closeFull();
    markCommitted(ctx, ctx.store.getBatch(id)!, BigInt(id), ctx.head.block, `0x${"cd".repeat(32)}`);
    const batch = ctx.store.getBatch(id)!;
    // The head sits exactly on the reveal deadline: the reveal window is open and the settler may start.
    const realHead = ctx.head.block;
    ctx.head.block = revealDeadline(ctx, batch)!;
    try {
      const missesBefore = ctx.store.misses(account.address).count;
      interleaveBeforeNextWrite(() => closeReveals(ctx, ctx.store.getBatch(id)!));
      const answer = await outcome(intake.reveal(s));
      const order = ctx.store.getOrder(leaf)!;
      const misses = ctx.store.misses(account.address).count - missesBefore;
      // One consistent story: told "revealed" => revealed and no miss; refused => NOT_REVEALED and one miss.
      expect({ answer, state: order.state, reason: order.reason, misses }).toEqual({
        answer: "REVEAL_WINDOW_CLOSED",
        state: "unfilled",
        reason: "NOT_REVEALED",
        misses: 1,
      });
      expect(ctx.store.getBatch(id)!.state).toBe("settling");
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
    const id = ctx.openBatch.rotate();
    new Batcher(ctx).closeFull();
    markCommitted(ctx, ctx.store.getBatch(id)!, BigInt(id), ctx.head.block, `0x${"ce".repeat(32)}`);
    const missesBefore = ctx.store.misses(account.address).count;
    expect(await outcome(intake.reveal(s))).toBe("accepted");
    expect(closeReveals(ctx, ctx.store.getBatch(id)!)).toBe(true);
    // A second close (another path, e.g. after a restart) does nothing: the batch is no longer committed.
    expect(closeReveals(ctx, ctx.store.getBatch(id)!)).toBe(false);
    expect(ctx.store.getOrder(leaf)!.state).toBe("revealed");
    expect(ctx.store.misses(account.address).count).toBe(missesBefore);
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
    interleaveBeforeNextWrite(() => {
      ctx.openBatch.rotate();
      new Batcher(ctx).closeFull();
    });
    const answer = await outcome(intake.cancel(leaf, cancelSig));
    const order = ctx.store.getOrder(leaf)!;
    const batch = ctx.store.getBatch(order.batchId!)!;
    // Frozen into the root => not cancelled (the trader is told to invalidate the nonce on chain).
    expect({ answer, state: order.state, frozen: batch.leaves?.includes(leaf) }).toEqual({
      answer: "CANCEL_TOO_LATE",
      state: "pending",
      frozen: true,
    });
  });
});
