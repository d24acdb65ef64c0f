import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { feeQuoterOf } from "../../relay/economics/feeQuoter.js";
import { RelayError } from "../../relay/errors/relayError.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";

// Issue 17, commit mode: the relay learns an order's fee only at its reveal, after the leaf was committed. The
// reveal is where the fee floor applies (INSUFFICIENT_FEE), as for a sealed order at submission; the refused
// order stays unrevealed (its leaf unexecuted). In-process relay with the floor on; the test moves batches.
describe("fee floor in commit mode (in-process relay, real store, devnet)", () => {
  let env: InProcessRelay;

  beforeAll(async () => {
    env = await startInProcessRelay(["--fee-policy", "enforce"], 50_000n);
  });
  afterAll(async () => {
    await env?.stop();
  });

  async function commitLeaf(s: SignedOrder) {
    const account = privateKeyToAccount(env.keyOf("trader1"));
    const leaf = env.leafOf(s);
    const signature = await account.signTypedData(
      commitmentTypedData(env.devnet.chainId, env.devnet.contracts.settlement, account.address, leaf),
    );
    return env.intake.submitCommitment(leaf, account.address, signature, s.order.commitBy);
  }

  const commitOpenBatch = () => env.commitOpenBatch();

  it("should take a commitment without knowing its fee, then refuse a reveal whose fee is below need and take one that pays it", async () => {
    const need = await feeQuoterOf(env.relay.ctx).need(env.relay.ctx.tokenSymbols.get("WETH")!);
    expect(need!.minFee).toBeGreaterThan(0n);
    const cheap = await env.signed("trader1", { feeAmount: need!.minFee - 1n });
    const paying = await env.signed("trader1", { feeAmount: need!.quotedFee });
    expect((await commitLeaf(cheap)).state).toBe("pending");
    expect((await commitLeaf(paying)).state).toBe("pending");
    await commitOpenBatch();
    const err = await env.intake.reveal(cheap).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe("INSUFFICIENT_FEE");
    expect(BigInt(((err as RelayError).details as { neededFee: string }).neededFee)).toBe(need!.minFee);
    expect(await env.relay.ctx.store.getOrder(env.leafOf(cheap))).toMatchObject({
      state: "committed",
      order: null,
    });
    expect((await env.intake.reveal(paying)).state).toBe("revealed");
  });
});
