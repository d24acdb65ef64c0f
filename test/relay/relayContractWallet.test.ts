import {
  type Address,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  http,
  maxUint256,
  parseEther,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { type Order, randomSalt } from "../../client/order/order.js";
import { loadForgeArtifact } from "../../scripts/devnet/artifacts.js";
import {
  api,
  approveAll,
  balanceOf,
  commitByFromNow,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

// Audit finding F3 on the devnet: a contract-wallet trader whose isValidSignature answers the relay's intake
// normally, then (armed) answers the settlement with a 100 kB return bomb. The batch must settle without it:
// the honest order in the same batch fills, the wallet's order ends failed with its reason, its tokens stay.
describe("relay, a return-bomb contract wallet in a batch", () => {
  let env: RelayDevnet;
  let info: { eciesPublicKey: Hex };
  let wallet: Address;
  const owner = () => privateKeyToAccount(keyOf(env.devnet, "trader3"));

  /** Sends a tx from trader3 through the builder and waits for its receipt. */
  async function send(to: Address | null, data: Hex): Promise<Address | null> {
    const chain = defineChain({
      id: env.devnet.chainId,
      name: "devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [env.devnet.builderUrl] } },
    });
    const w = createWalletClient({ account: owner(), chain, transport: http(env.devnet.builderUrl) });
    const hash = to ? await w.sendTransaction({ to, data }) : await w.sendTransaction({ data });
    const receipt = await env.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
    expect(receipt.status).toBe("success");
    return receipt.contractAddress ?? null;
  }

  beforeAll(async () => {
    env = await startRelayDevnet({ extraArgs: ["--batch-interval-ms", "1000"] });
    info = (await api(env.url, "/v1/info")).body;
    await approveAll(env.devnet, "trader1");
    const { abi, bytecode } = loadForgeArtifact("SwitchableBomb1271");
    const deployData = `${bytecode}${owner().address.slice(2).toLowerCase().padStart(64, "0")}` as Hex;
    wallet = (await send(null, deployData))!;
    const { WETH } = env.devnet.contracts.tokens;
    await send(
      WETH,
      encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [wallet, parseEther("2")] }),
    );
    const approve = encodeFunctionData({
      abi: erc20Abi,
      functionName: "approve",
      args: [env.devnet.contracts.settlement, maxUint256],
    });
    await send(wallet, encodeFunctionData({ abi, functionName: "execute", args: [WETH, approve] }));
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("should settle the honest order and fail the wallet's with its reason, moving none of its tokens", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const wethBefore = await balanceOf(env.client, WETH, wallet);
    const honest = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.5"),
      minBuyAmount: parseUnits("1", 6),
    });
    const bombOrder: Order = {
      ...honest.order,
      trader: wallet,
      sellAmount: parseEther("1"),
      nonce: 77n,
      commitBy: await commitByFromNow(env.devnet),
    };
    // the wallet ignores the signature bytes: whatever it is given, it answers (disarmed: the magic value)
    const bomb = { order: bombOrder, signature: "0x01" as Hex, salt: randomSalt() };
    const [rh, rb] = await Promise.all(
      [honest, bomb].map((s) =>
        api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(info.eciesPublicKey, s) } }),
      ),
    );
    expect(rb.status, JSON.stringify(rb.body)).toBe(201); // intake (as the settlement) saw a good wallet
    expect(rh.status).toBe(201);
    expect(rb.body.batchId).toBe(rh.body.batchId);
    const { abi } = loadForgeArtifact("SwitchableBomb1271");
    await send(wallet, encodeFunctionData({ abi, functionName: "arm" })); // lands before the batch settles

    const fh = await waitForOrder(env, rh.body.id);
    const fb = await waitForOrder(env, rb.body.id);
    expect(fh.state).toBe("filled");
    expect(fb.state).toBe("failed");
    expect(fb.reason).toBe("INVALID_SIGNATURE");
    expect(await balanceOf(env.client, WETH, wallet)).toBe(wethBefore);
    expect(env.logs.some((l) => l.includes("order dropped from its batch's settle"))).toBe(true);
  });

  it("should refuse at intake a wallet that answers the settlement with a return bomb", async () => {
    // armed now: the intake check, made as the settlement calls it, sees the bomb
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const order: Order = {
      trader: wallet,
      sellToken: WETH,
      buyToken: USDC,
      sellAmount: parseEther("0.1"),
      minBuyAmount: 1n,
      nonce: 78n,
      validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
      commitBy: await commitByFromNow(env.devnet),
      feeAmount: 0n,
    };
    const r = await api(env.url, "/v1/orders", {
      body: { ciphertext: sealOrder(info.eciesPublicKey, { order, signature: "0x01", salt: randomSalt() }) },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_SIGNATURE");
  });
});
