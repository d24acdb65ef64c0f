import { type Hex, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { verifyMerkleProof } from "../../client/merkle/merkleTree.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import { hashOrder, orderLeaf } from "../../client/order/order.js";
import { signedOrderToJson } from "../../client/wire/orderWire.js";
import {
  api,
  approveAll,
  balanceOf,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

describe("relay, commit mode end to end", () => {
  let env: RelayDevnet;

  beforeAll(async () => {
    env = await startRelayDevnet({
      extraArgs: ["--batch-interval-ms", "1000", "--reveal-window", "8", "--miss-limit", "1"],
    });
    for (const t of ["trader1", "trader2"]) await approveAll(env.devnet, t);
  });
  afterAll(async () => {
    await env?.stop();
  });

  const commit = async (label: string, signed: Awaited<ReturnType<typeof signOrder>>) => {
    const { chainId } = env.devnet;
    const settlement = env.devnet.contracts.settlement;
    const leaf = orderLeaf(hashOrder(signed.order, chainId, settlement), signed.salt);
    const account = privateKeyToAccount(keyOf(env.devnet, label));
    const signature = await account.signTypedData(
      commitmentTypedData(chainId, settlement, account.address, leaf),
    );
    const commitBy = signed.order.commitBy.toString();
    return api(env.url, "/v1/commitments", { body: { leaf, trader: account.address, signature, commitBy } });
  };

  it("should settle a revealed order and end a never-revealed one NOT_REVEALED, then refuse that trader", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("1"),
      minBuyAmount: parseUnits("2800", 6),
    });
    const b = await signOrder(env.devnet, "trader2", {
      sell: USDC,
      buy: WETH,
      sellAmount: parseUnits("1000", 6),
      minBuyAmount: parseEther("0.3"),
    });
    const [ca, cb] = await Promise.all([commit("trader1", a), commit("trader2", b)]);
    expect(ca.status, JSON.stringify(ca.body)).toBe(201);
    expect(cb.status).toBe(201);
    expect(ca.body.state).toBe("pending");
    const idA = ca.body.id as Hex;
    const idB = cb.body.id as Hex;

    // Too early: the root is not on chain yet.
    const early = await api(env.url, "/v1/reveals", { body: signedOrderToJson(a) });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("REVEAL_WINDOW_CLOSED");

    // The client checks its leaf against the on-chain root before revealing.
    const committed = await waitForOrder(env, idA, (o) => o.state === "committed");
    const [root] = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "batches",
      args: [BigInt(committed.chainBatchId)],
    });
    expect(verifyMerkleProof(idA, committed.proof, root)).toBe(true);
    expect(committed.order).toBeNull();

    const usdcBefore = await balanceOf(env.client, USDC, a.order.trader);
    const reveal = await api(env.url, "/v1/reveals", { body: signedOrderToJson(a) });
    expect(reveal.status, JSON.stringify(reveal.body)).toBe(200);
    expect(reveal.body).toEqual({ id: idA, state: "revealed" });

    const fa = await waitForOrder(env, idA);
    expect(fa.state).toBe("filled");
    expect(BigInt(fa.fill.buyAmount)).toBeGreaterThanOrEqual(parseUnits("2800", 6));
    expect(await balanceOf(env.client, USDC, a.order.trader)).toBe(usdcBefore + BigInt(fa.fill.buyAmount));

    const fb = await waitForOrder(env, idB);
    expect(fb.state).toBe("unfilled");
    expect(fb.reason).toBe("NOT_REVEALED");
    const late = await api(env.url, "/v1/reveals", { body: signedOrderToJson(b) });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("REVEAL_WINDOW_CLOSED");

    // miss limit 1: trader2's next commitment is refused, trader1's is not.
    const c = await signOrder(env.devnet, "trader2", {
      sell: USDC,
      buy: WETH,
      sellAmount: parseUnits("10", 6),
      minBuyAmount: 1n,
    });
    const refused = await commit("trader2", c);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("TOO_MANY_MISSES");
    const d = await signOrder(env.devnet, "trader1", {
      sell: USDC,
      buy: WETH,
      sellAmount: parseUnits("10", 6),
      minBuyAmount: 1n,
    });
    expect((await commit("trader1", d)).status).toBe(201);
  });

  it("should refuse a reveal whose order was committed by another trader's leaf", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.1"),
      minBuyAmount: 1n,
    });
    const other = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.2"),
      minBuyAmount: 1n,
    });
    expect((await commit("trader1", a)).status).toBe(201);
    const r = await api(env.url, "/v1/reveals", { body: signedOrderToJson(other) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("LEAF_MISMATCH");
  });
});
