import { type Hex, parseEther, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { verifyMerkleProof } from "../../client/merkle/merkleTree.js";
import { hashOrder, orderLeaf } from "../../client/order/order.js";
import {
  api,
  approveAll,
  balanceOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

describe("relay, sealed orders end to end", () => {
  let env: RelayDevnet;
  let info: any;

  beforeAll(async () => {
    env = await startRelayDevnet({ extraArgs: ["--batch-interval-ms", "1500"] });
    info = (await api(env.url, "/v1/info")).body;
    for (const t of ["trader1", "trader2", "trader3", "trader4"]) await approveAll(env.devnet, t);
  });
  afterAll(async () => {
    await env?.stop();
  });

  const submit = async (signed: Awaited<ReturnType<typeof signOrder>>) => {
    const res = await api(env.url, "/v1/orders", {
      body: { ciphertext: sealOrder(info.eciesPublicKey, signed) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: Hex; state: string; batchId: number };
  };

  it("should serve the relay's info", () => {
    expect(info.chainId).toBe(31337);
    expect(info.settlement).toBe(env.devnet.contracts.settlement);
    expect(info.eciesPublicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(info.revealDelayBlocks).toBe(2);
    expect(info.expiryBlocks).toBe(20);
    expect(info.tokens.WETH).toBe(env.devnet.contracts.tokens.WETH);
  });

  it("should cross two opposite traders at one price and pay what the Trade events say", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const a = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("1"),
      minBuyAmount: parseUnits("2900", 6),
    });
    const b = await signOrder(env.devnet, "trader2", {
      sell: USDC,
      buy: WETH,
      sellAmount: parseUnits("3000", 6),
      minBuyAmount: parseEther("0.95"),
    });
    const before = {
      aUsdc: await balanceOf(env.client, USDC, a.order.trader),
      aWeth: await balanceOf(env.client, WETH, a.order.trader),
      bWeth: await balanceOf(env.client, WETH, b.order.trader),
      bUsdc: await balanceOf(env.client, USDC, b.order.trader),
    };
    const [ra, rb] = await Promise.all([submit(a), submit(b)]);
    expect(rb.batchId).toBe(ra.batchId);
    expect(ra.id).toBe(orderLeaf(hashOrder(a.order, 31337, env.devnet.contracts.settlement), a.salt));
    expect(ra.state).toBe("pending");
    const fa = await waitForOrder(env, ra.id);
    const fb = await waitForOrder(env, rb.id);
    expect(fa.state).toBe("filled");
    expect(fb.state).toBe("filled");
    expect(fa.fill.txHash).toBe(fb.fill.txHash);
    // One uniform price: a's USDC per WETH equals b's.
    const aRate = (BigInt(fa.fill.buyAmount) * 10n ** 18n) / BigInt(fa.fill.sellAmount);
    expect(BigInt(fa.fill.buyAmount)).toBeGreaterThanOrEqual(parseUnits("2900", 6));
    expect(BigInt(fb.fill.buyAmount)).toBeGreaterThanOrEqual(parseEther("0.95"));
    expect(aRate).toBeGreaterThan(0n);
    expect(await balanceOf(env.client, USDC, a.order.trader)).toBe(before.aUsdc + BigInt(fa.fill.buyAmount));
    expect(await balanceOf(env.client, WETH, a.order.trader)).toBe(before.aWeth - parseEther("1"));
    expect(await balanceOf(env.client, WETH, b.order.trader)).toBe(before.bWeth + BigInt(fb.fill.buyAmount));
    expect(await balanceOf(env.client, USDC, b.order.trader)).toBe(before.bUsdc - parseUnits("3000", 6));

    // The proof served by the relay verifies against the root stored on chain.
    const [root] = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "batches",
      args: [BigInt(fa.chainBatchId)],
    });
    expect(fa.root).toBe(root);
    expect(verifyMerkleProof(fa.id, fa.proof, root)).toBe(true);
    const batch = (await api(env.url, `/v1/batches/${fa.batchId}`)).body;
    expect(batch.state).toBe("settled");
    expect(batch.settleTxHash).toBe(fa.fill.txHash);
    expect(batch.orderIds).toContain(ra.id);
  });
});
