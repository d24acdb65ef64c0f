import { performance } from "node:perf_hooks";
import { type Address, createWalletClient, defineChain, type Hex, http, parseEther, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import { ORDER_TYPES, type Order, randomSalt, veilDomain } from "../../client/order/order.js";
import { signedOrderToJson } from "../../client/wire/orderWire.js";
import { createChainReader } from "../../relay/chain/chainReader.js";
import { COMMIT_FUNDS_PROBE_BYTECODE } from "../../relay/chain/commitFundsProbe.js";
import { LeanChainReads } from "../../relay/chain/leanChainReads.js";
import { loadForgeArtifact } from "../../scripts/devnet/artifacts.js";
import { ensureContractsBuilt } from "../../scripts/devnet/buildContracts.js";
import {
  api,
  approveAll,
  commitByFromNow,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
} from "../helpers/relayHarness.js";

// Issue 13: a stranger's free request costs no operator gas and only capped node work. Commitments need a
// funded, approved trader (fresh keys are free; the gas to commit their leaves is not), a trader has few open
// commitments, a reveal finds its commitment before any signature work, and a contract wallet whose
// isValidSignature burns gas is refused fast, then turned away by a tight per-client budget.
describe("relay, abuse resistance", () => {
  let env: RelayDevnet;
  let eciesKey: Hex;
  let burner: Address;

  beforeAll(async () => {
    await ensureContractsBuilt(["GasBurner1271", "CommitFundsProbe"]);
    env = await startRelayDevnet({
      extraArgs: [
        ...["--batch-interval-ms", "60000"],
        ...["--max-open-commitments", "2"],
        ...["--wallet-check-burst", "3", "--wallet-check-per-minute", "1"],
      ],
    });
    eciesKey = (await api(env.url, "/v1/info")).body.eciesPublicKey;
    await approveAll(env.devnet, "trader1");
    await approveAll(env.devnet, "trader2");
    const deployer = privateKeyToAccount(keyOf(env.devnet, "wallet"));
    const chain = defineChain({
      id: env.devnet.chainId,
      name: "devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [env.devnet.builderUrl] } },
    });
    const w = createWalletClient({ account: deployer, chain, transport: http(env.devnet.builderUrl) });
    const hash = await w.sendTransaction({ data: loadForgeArtifact("GasBurner1271").bytecode });
    const receipt = await env.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
    burner = receipt.contractAddress!;
  });
  afterAll(async () => {
    await env?.stop();
  });

  async function commit(key: Hex, leaf: Hex = randomSalt()) {
    const account = privateKeyToAccount(key);
    const { chainId, contracts } = env.devnet;
    const signature = await account.signTypedData(
      commitmentTypedData(chainId, contracts.settlement, account.address, leaf),
    );
    const commitBy = (await commitByFromNow(env.devnet)).toString();
    return api(env.url, "/v1/commitments", { body: { leaf, trader: account.address, signature, commitBy } });
  }

  async function burnerOrder(nonce: bigint): Promise<{ order: Order; signature: Hex; salt: Hex }> {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const order: Order = {
      trader: burner,
      sellToken: WETH,
      buyToken: USDC,
      sellAmount: parseEther("0.1"),
      minBuyAmount: 1n,
      nonce,
      validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
      commitBy: await commitByFromNow(env.devnet),
      feeAmount: 0n,
    };
    return { order, signature: "0x01", salt: randomSalt() };
  }

  it("should refuse commitments from fresh keys holding nothing, so none of their leaves exists to commit", async () => {
    for (let i = 0; i < 3; i++) {
      const leaf = randomSalt();
      const r = await commit(generatePrivateKey(), leaf);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe("UNFUNDED_COMMITMENT");
      // never stored: the batcher can never put this leaf in a root (the operator pays nothing for it)
      expect((await api(env.url, `/v1/orders/${leaf}`)).status).toBe(404);
    }
  });

  it("should ask the node with the probe contract as built from its source", () => {
    expect(COMMIT_FUNDS_PROBE_BYTECODE).toBe(loadForgeArtifact("CommitFundsProbe").bytecode);
  });

  it("should refuse a trader holding tokens but no allowance, and take a funded, approved one", async () => {
    // trader4 holds the demo tokens but never approved the settlement
    expect((await commit(keyOf(env.devnet, "trader4"))).body.error.code).toBe("UNFUNDED_COMMITMENT");
    expect((await commit(keyOf(env.devnet, "trader1"))).status).toBe(201);
  });

  it("should cap a trader's open commitments", async () => {
    const key = keyOf(env.devnet, "trader1");
    // one is open from the test above; --max-open-commitments 2
    expect((await commit(key)).status).toBe(201);
    const third = await commit(key);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe("TOO_MANY_OPEN_COMMITMENTS");
  });

  it("should look a reveal's commitment up before any signature work", async () => {
    // no commitment for this leaf: the answer is LEAF_MISMATCH, without calling the burner's isValidSignature
    const r = await api(env.url, "/v1/reveals", { body: signedOrderToJson(await burnerOrder(1n)) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("LEAF_MISMATCH");
  });

  it("should refuse a gas-burning contract wallet's order within 150 ms", async () => {
    const body = { ciphertext: sealOrder(eciesKey, await burnerOrder(2n)) };
    const t0 = performance.now();
    const r = await api(env.url, "/v1/orders", { body });
    const ms = performance.now() - t0;
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_SIGNATURE");
    expect(ms).toBeLessThan(150);
  });

  it("should turn a client away once its refused contract signatures use up the tight budget", async () => {
    // --wallet-check-burst 3: one refusal above, two more, then RATE_LIMITED with no node call
    for (const nonce of [3n, 4n]) {
      const r = await api(env.url, "/v1/orders", {
        body: { ciphertext: sealOrder(eciesKey, await burnerOrder(nonce)) },
      });
      expect(r.body.error.code).toBe("INVALID_SIGNATURE");
    }
    const limited = await api(env.url, "/v1/orders", {
      body: { ciphertext: sealOrder(eciesKey, await burnerOrder(5n)) },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(limited.body.error.message).toMatch(/contract-wallet signatures/);
  });

  it("should read balances, allowances and nonce bits through the lean reads exactly as the viem reader", async () => {
    const { rpcUrl, contracts } = env.devnet;
    const lean = new LeanChainReads(rpcUrl, contracts.settlement);
    const viem = createChainReader(rpcUrl, contracts.settlement);
    const traders = [
      privateKeyToAccount(keyOf(env.devnet, "trader1")).address,
      privateKeyToAccount(keyOf(env.devnet, "trader4")).address,
      privateKeyToAccount(generatePrivateKey()).address,
    ];
    for (const token of Object.values(contracts.tokens))
      for (const t of traders) {
        expect(await lean.balanceOf(token, t)).toBe(await viem.balanceOf(token, t));
        expect(await lean.allowance(token, t)).toBe(await viem.allowance(token, t));
      }
    // trader1 approved (non-zero), the fresh key holds nothing: the comparison above covered both answers
    expect(await lean.allowance(contracts.tokens.WETH, traders[0])).toBeGreaterThan(0n);
    expect(await lean.balanceOf(contracts.tokens.WETH, traders[2])).toBe(0n);
    for (const word of [0n, 1n, (1n << 248n) + 5n])
      expect(await lean.nonceBitmap(traders[0], word)).toBe(await viem.nonceBitmap(traders[0], word));
    // no contract at the address: no ABI word back, an error (intake answers UPSTREAM_UNAVAILABLE), not 0
    await expect(lean.balanceOf(zeroAddress, traders[0])).rejects.toThrow(/not an ABI word/);
  });

  it("should not let a stranger's refused requests naming a funded trader get that trader's order refused", async () => {
    // the intake caches chain reads per block and trader: a stranger who names trader2 (signing with its own
    // key) or floods fresh keys in the same block must not change what trader2's own requests get
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const trader2 = privateKeyToAccount(keyOf(env.devnet, "trader2")).address;
    const stranger = privateKeyToAccount(generatePrivateKey());
    for (let i = 0; i < 3; i++) {
      const forged = await signOrder(env.devnet, "trader2", {
        sell: WETH,
        buy: USDC,
        sellAmount: parseEther(i === 0 ? "1000000" : "0.1"),
        minBuyAmount: 1n,
      });
      forged.signature = await stranger.signTypedData({
        domain: veilDomain(env.devnet.chainId, env.devnet.contracts.settlement),
        types: ORDER_TYPES,
        primaryType: "Order",
        message: forged.order,
      });
      const r = await api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(eciesKey, forged) } });
      // a signature that is not the trader's is tried as EIP-1271, budgeted per client: the burner tests
      // above used this client's budget up, so RATE_LIMITED when the suite runs whole
      expect(["INVALID_SIGNATURE", "RATE_LIMITED"], JSON.stringify(r.body)).toContain(r.body.error?.code);
      const leaf = randomSalt();
      const c = await api(env.url, "/v1/commitments", {
        body: {
          leaf,
          trader: trader2,
          signature: await stranger.signTypedData(
            commitmentTypedData(env.devnet.chainId, env.devnet.contracts.settlement, trader2, leaf),
          ),
          commitBy: (await commitByFromNow(env.devnet)).toString(),
        },
      });
      expect(c.body.error?.code, JSON.stringify(c.body)).toBe("INVALID_SIGNATURE");
      // and fresh keys, refused for lack of funds, fill the same caches
      const fresh = generatePrivateKey();
      expect((await commit(fresh)).body.error.code).toBe("UNFUNDED_COMMITMENT");
    }
    const own = await signOrder(env.devnet, "trader2", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.1"),
      minBuyAmount: 1n,
    });
    const r = await api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(eciesKey, own) } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await commit(keyOf(env.devnet, "trader2"))).status).toBe(201);
  });
});
