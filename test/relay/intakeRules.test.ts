import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { cancelTypedData, commitmentTypedData } from "../../client/order/offchainMessages.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { RelayError } from "../../relay/errors/relayError.js";
import type { IntakeService } from "../../relay/intake/intakeService.js";
import type { RunningRelay } from "../../relay/startRelay.js";
import type { Devnet } from "../helpers/devnet.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";

// Intake rules at unit level: the real IntakeService, SQLite store, batcher and order transitions of a relay
// started in this process against a devnet that builds no block on its own, so the test alone moves batches
// (rotate, freeze, mark committed). Each test pins one rule that mutation testing found unguarded (issue 20:
// R1, R2, R4b, R12, R13); without the rule, the call it makes would succeed.

let env: InProcessRelay;
let devnet: Devnet;
let relay: RunningRelay;
let intake: IntakeService;

beforeAll(async () => {
  env = await startInProcessRelay(["--miss-limit", "2", "--miss-cooldown-ms", "60000"], 1_000n);
  ({ devnet, relay, intake } = env);
});

afterAll(async () => {
  await env?.stop();
});

const keyOf = (label: string) => env.keyOf(label);
const signed = (...args: Parameters<InProcessRelay["signed"]>) => env.signed(...args);
const leafOf = (s: SignedOrder) => env.leafOf(s);

/** Commits `s`'s leaf as `label` (who need not be the order's trader). */
async function commitLeaf(label: string, s: SignedOrder) {
  const account = privateKeyToAccount(keyOf(label));
  const leaf = leafOf(s);
  const signature = await account.signTypedData(
    commitmentTypedData(devnet.chainId, devnet.contracts.settlement, account.address, leaf),
  );
  return intake.submitCommitment(leaf, account.address, signature, s.order.commitBy);
}

/** Closes the open batch, freezes it and records its commit as landed in the current head block. */
const commitOpenBatch = () => env.commitOpenBatch();

/** The RelayError code a promise rejects with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a refusal").toBeInstanceOf(RelayError);
  return (err as RelayError).code;
}

describe("intake rules (in-process relay, real store, devnet)", () => {
  it("should refuse a reveal whose order is another trader's, even with the batch committed and reveals open (R1)", async () => {
    // trader2 commits the leaf of trader1's signed order (e.g. copied from a leaked reveal).
    const victim = await signed("trader1");
    expect((await commitLeaf("trader2", victim)).state).toBe("pending");
    await commitOpenBatch();
    expect((await relay.ctx.store.getOrder(leafOf(victim)))!.state).toBe("committed");
    expect(await codeOf(intake.reveal(victim))).toBe("LEAF_MISMATCH");
    expect((await relay.ctx.store.getOrder(leafOf(victim)))!.order).toBeNull();
  });

  it("should reveal only one of two committed leaves whose orders share a nonce (R13)", async () => {
    const shared = env.nextNonce();
    const first = await signed("trader1", { nonce: shared });
    const second = await signed("trader1", { nonce: shared, amount: parseEther("2") });
    await commitLeaf("trader1", first);
    await commitLeaf("trader1", second);
    await commitOpenBatch();
    expect((await intake.reveal(first)).state).toBe("revealed");
    expect(await codeOf(intake.reveal(second))).toBe("DUPLICATE_ORDER");
    expect((await relay.ctx.store.getOrder(leafOf(second)))!.state).toBe("committed");
  });

  it("should take only one of two concurrent sealed orders with the same nonce (R2: the check inside the write)", async () => {
    const shared = env.nextNonce();
    const a = await signed("trader2", { nonce: shared });
    const b = await signed("trader2", { nonce: shared, amount: parseEther("3") });
    const key = relay.ctx.eciesKey.publicKey;
    const results = await Promise.allSettled([
      intake.submitSealed(sealOrder(key, a)),
      intake.submitSealed(sealOrder(key, b)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as RelayError).code).toBe("DUPLICATE_ORDER");
    // Both passed the early duplicate check (they ran concurrently): the write's own check refused one.
    expect((refused.reason as RelayError).message).toMatch(/\(or its nonce\) was already submitted/);
  });

  it("should refuse commitments of a trader over the miss limit only until the cool-down passes (R4b)", async () => {
    const trader = privateKeyToAccount(keyOf("trader3")).address;
    const cooledDown = Date.now() - 61_000;
    await relay.ctx.store.addMiss(trader, cooledDown);
    await relay.ctx.store.addMiss(trader, cooledDown);
    expect((await commitLeaf("trader3", await signed("trader3"))).state).toBe("pending");
    await relay.ctx.store.addMiss(trader, Date.now());
    expect(await codeOf(commitLeaf("trader3", await signed("trader3")))).toBe("TOO_MANY_MISSES");
  });

  it("should refuse a cancel once the batch left open, though the order is still pending (R12)", async () => {
    const s = await signed("trader4", { reverse: true });
    const { id } = await intake.submitSealed(sealOrder(relay.ctx.eciesKey.publicKey, s));
    const account = privateKeyToAccount(keyOf("trader4"));
    const signature = await account.signTypedData(
      cancelTypedData(devnet.chainId, devnet.contracts.settlement, account.address, id),
    );
    await relay.ctx.openBatch.rotate(); // the batch is closing: its leaves are being frozen
    await new Batcher(relay.ctx).closeFull();
    expect((await relay.ctx.store.getOrder(id))!.state).toBe("pending");
    expect(await codeOf(intake.cancel(id, signature))).toBe("CANCEL_TOO_LATE");
    expect((await relay.ctx.store.getOrder(id))!.state).toBe("pending");
  });
});
