import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { COMMIT_MODE_SLACK_BLOCKS } from "../../relay/batch/commitTiming.js";
import type { Devnet } from "../helpers/devnet.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";

// Issue 14 (latency): a commit-mode order is revealed only once the head is past its commitBy, so its batch
// cannot settle before then. Frozen into the first batch that closes, it held that batch's sealed orders
// for its whole commitBy lead (the latency bench: every order settled 9 blocks after acceptance). The batcher
// now leaves it in the open batch until a batch closing now would commit it COMMIT_MODE_SLACK_BLOCKS before
// its commitBy, and the sealed orders go on without it.
let env: InProcessRelay;
let devnet: Devnet;

beforeAll(async () => {
  env = await startInProcessRelay([], 9_000n);
  ({ devnet } = env);
});

afterAll(async () => {
  await env?.stop();
});

async function commit(label: string, s: SignedOrder) {
  const account = privateKeyToAccount(env.keyOf(label));
  const leaf = env.leafOf(s);
  const signature = await account.signTypedData(
    commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
  );
  await env.intake.submitCommitment(leaf, account.address, signature, s.order.commitBy);
  return leaf;
}

describe("commit-mode orders wait in the open batch until their commit is due", () => {
  it("should freeze the sealed order now and the commit-mode order only once its commitBy is near", async () => {
    const { ctx } = env.relay;
    const head = ctx.head.block;
    const sealed = await env.signed("trader1");
    const sealedId = (await env.intake.submitSealed(sealOrder(ctx.eciesKey.publicKey, sealed))).id;
    const far = head + 6n;
    const leaf = await commit("trader2", await env.signed("trader2", { commitBy: far, reverse: true }));

    const first = await ctx.openBatch.rotate();
    await new Batcher(ctx).closeFull();
    const frozen = (await ctx.store.getBatch(first))!;
    expect(frozen.state).toBe("committing");
    expect(frozen.leaves).toEqual([sealedId]);
    expect(frozen.revealAfter, "no commit-mode order holds the sealed one").toBeNull();
    const waiting = (await ctx.store.getOrder(leaf))!;
    expect(waiting.state).toBe("pending");
    expect(waiting.batchId).toBe(ctx.openBatch.currentId);

    // Still too far one block before it is due; frozen once a commit now lands within the slack.
    const realHead = ctx.head.block;
    try {
      ctx.head.block = far - COMMIT_MODE_SLACK_BLOCKS - 2n;
      const early = await ctx.openBatch.rotate();
      await new Batcher(ctx).closeFull();
      expect((await ctx.store.getBatch(early))!.state, "a batch of deferred orders only expires empty").toBe(
        "expired",
      );
      expect((await ctx.store.getOrder(leaf))!.batchId).toBe(ctx.openBatch.currentId);

      ctx.head.block = far - COMMIT_MODE_SLACK_BLOCKS - 1n;
      const due = await ctx.openBatch.rotate();
      await new Batcher(ctx).closeFull();
      const batch = (await ctx.store.getBatch(due))!;
      expect(batch.state).toBe("committing");
      expect(batch.leaves).toEqual([leaf]);
      expect(batch.revealAfter).toBe(far);
      expect(batch.commitDeadline).toBe(far);
    } finally {
      ctx.head.block = realHead;
    }
  });
});
