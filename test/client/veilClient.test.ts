import { JsonRpcProvider, Wallet } from "ethers";
import {
  type Address,
  createPublicClient,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import {
  createVeilClient,
  hashOrder,
  ProofMismatchError,
  RelayError,
  RelayUnreachableError,
  SettlementMismatchError,
  type VeilClient,
  WrongChainError,
  WrongSettlementError,
} from "../../client/index.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { startLyingRelay } from "./lyingRelay.js";

// The trader library end to end: a real devnet (anvil + local builder + contracts) and the real relay.
let devnet: Devnet;
let pub: PublicClient;
const key = (label: string) => devnetAccount(devnet, label).privateKey;
const balance = (token: Address, owner: Address) =>
  pub.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });

function viemClient(label: string, relayUrl = devnet.relayUrl!): VeilClient {
  return createVeilClient({
    relayUrl,
    rpcUrl: devnet.rpcUrl,
    account: privateKeyToAccount(key(label)),
    settlement: devnet.contracts.settlement,
    tokens: devnet.contracts.tokens,
    pollingIntervalMs: 250,
  });
}

function ethersClient(label: string): VeilClient {
  // No rpcUrl: chain reads go through the ethers provider; token symbols come from the relay (checked on chain).
  const signer = new Wallet(
    key(label),
    new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true }),
  );
  return createVeilClient({ relayUrl: devnet.relayUrl!, ethersSigner: signer, pollingIntervalMs: 250 });
}

beforeAll(async () => {
  // 1 s slots: the reveal window is 2 blocks, and a commit-mode client needs time to see the commit and reveal.
  devnet = await startDevnet({ relay: true, slotMs: 1000, quiet: true });
  pub = createPublicClient({ transport: http(devnet.rpcUrl) });
});
afterAll(async () => {
  await devnet?.stop();
});

describe("createVeilClient on the devnet", () => {
  it("should settle sealed and committed orders from a viem account and an ethers Signer", async () => {
    const { WETH, USDC, DAI } = devnet.contracts.tokens;
    const flows = [
      {
        label: "trader1",
        client: viemClient("trader1"),
        mode: "sealed",
        sell: WETH,
        buy: USDC,
        amount: "1",
        min: "100",
      },
      {
        label: "trader2",
        client: viemClient("trader2"),
        mode: "commit",
        sell: WETH,
        buy: USDC,
        amount: "0.5",
        min: "50",
      },
      {
        label: "trader3",
        client: ethersClient("trader3"),
        mode: "sealed",
        sell: "USDC",
        buy: "WETH",
        amount: "1000",
        min: "0.1",
      },
      {
        label: "wallet",
        client: ethersClient("wallet"),
        mode: "commit",
        sell: "DAI",
        buy: "USDC",
        amount: "500",
        min: "100",
      },
    ] as const;

    const results = await Promise.all(
      flows.map(async (f) => {
        const trader = await f.client.signer!.getAddress();
        const first = await f.client.ensureAllowance({ token: f.sell });
        expect(first.txHash).toMatch(/^0x[0-9a-f]{64}$/);
        expect((await f.client.ensureAllowance({ token: f.sell })).txHash).toBeNull();
        const order = await f.client.buildOrder({
          sellToken: f.sell,
          buyToken: f.buy,
          sellAmount: f.amount,
          minBuyAmount: f.min,
        });
        const before = [await balance(order.sellToken, trader), await balance(order.buyToken, trader)];
        const states: string[] = [];
        const submitted =
          f.mode === "sealed"
            ? await f.client.submitSealed({ order })
            : await f.client.submitCommitted({
                order,
                timeoutMs: 90_000,
                onState: (s) => states.push(s.state),
              });
        const headAtSubmitReturn = await pub.getBlockNumber({ cacheTime: 0 });
        const settled = await f.client.waitForSettlement({ id: submitted.id, order, timeoutMs: 120_000 });
        const after = [await balance(order.sellToken, trader), await balance(order.buyToken, trader)];
        return { f, order, submitted, settled, before, after, states, trader, headAtSubmitReturn };
      }),
    );

    for (const {
      f,
      order,
      submitted,
      settled,
      before,
      after,
      states,
      trader,
      headAtSubmitReturn,
    } of results) {
      expect(order.trader).toBe(trader);
      expect(submitted.id).toBe(submitted.leaf.toLowerCase());
      expect(submitted.mode).toBe(f.mode);
      expect(settled.state, `${f.label} ${f.mode}`).toBe("filled");
      expect(settled.fill!.sellAmount).toBe(order.sellAmount);
      expect(settled.fill!.buyAmount).toBeGreaterThanOrEqual(order.minBuyAmount);
      // The verified Trade event's amounts are exactly what moved.
      expect(before[0] - after[0]).toBe(settled.fill!.sellAmount);
      expect(after[1] - before[1]).toBe(settled.fill!.buyAmount);
      const inclusion = await f.client.verifyInclusion({ id: submitted.id });
      expect(inclusion.chainBatchId).toBe(settled.fill!.chainBatchId);
      const [root] = await pub.readContract({
        address: devnet.contracts.settlement,
        abi: veilSettlementAbi,
        functionName: "batches",
        args: [inclusion.chainBatchId],
      });
      expect(inclusion.root).toBe(root);
      if (f.mode === "commit") {
        expect(states.slice(0, 2)).toEqual(["pending", "committed"]);
        const { inclusion: proven } = submitted as unknown as {
          inclusion: { root: Hex; commitBlock: bigint };
        };
        expect(proven.root).toBe(root);
        // order v2: committed by its commitBy, revealed (before submitCommitted returned) only past it
        expect(proven.commitBlock).toBeLessThanOrEqual(order.commitBy);
        expect(headAtSubmitReturn).toBeGreaterThan(order.commitBy);
      }
      expect(
        await pub.readContract({
          address: devnet.contracts.settlement,
          abi: veilSettlementAbi,
          functionName: "isNonceUsed",
          args: [trader, order.nonce],
        }),
      ).toBe(true);
    }
    void DAI;
  }, 240_000);

  it("should cancel an open order with a signed cancel, and refuse a cancel signed by someone else", async () => {
    const owner = viemClient("searcher");
    const other = viemClient("trader1");
    await owner.ensureAllowance({ token: "WETH" });
    for (let attempt = 0; ; attempt++) {
      const order = await owner.buildOrder({
        sellToken: "WETH",
        buyToken: "USDC",
        sellAmount: "0.1",
        minBuyAmount: "1",
      });
      const { id } = await owner.submitSealed({ order });
      const foreign = await other.cancel({ id }).catch((e) => e);
      expect(foreign).toBeInstanceOf(RelayError);
      expect(foreign.code).toBe("INVALID_SIGNATURE");
      const res = await owner.cancel({ id }).catch((e) => e);
      // The batch may close between submit and cancel; then the relay must say so, and we try once more.
      if (res instanceof RelayError && res.code === "CANCEL_TOO_LATE" && attempt < 2) continue;
      expect(res).toEqual({ id, state: "cancelled" });
      const final = await owner.waitForSettlement({ id, order, timeoutMs: 30_000 });
      expect(final).toMatchObject({ state: "cancelled", fill: null });
      break;
    }
  });

  it("should cancel on chain by invalidating the nonce, after which the relay refuses the order", async () => {
    const client = viemClient("searcher");
    const order = await client.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.1",
      minBuyAmount: "1",
      nonce: "next",
    });
    const { txHashes } = await client.cancelOnChain({ nonces: [order.nonce] });
    expect(txHashes).toHaveLength(1);
    const trader = await client.signer!.getAddress();
    expect(
      await pub.readContract({
        address: devnet.contracts.settlement,
        abi: veilSettlementAbi,
        functionName: "isNonceUsed",
        args: [trader, order.nonce],
      }),
    ).toBe(true);
    const err = await client.submitSealed({ order }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(err.code).toBe("NONCE_USED");
    expect(await client.selectNonce({ mode: "next" })).not.toBe(order.nonce);
  });

  it("should surface the relay's own error codes as RelayError", async () => {
    const client = viemClient("trader4"); // never approved anything
    const order = await client.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.1",
      minBuyAmount: "1",
    });
    const noAllowance = await client.submitSealed({ order }).catch((e) => e);
    expect(noAllowance).toBeInstanceOf(RelayError);
    expect(noAllowance.code).toBe("INSUFFICIENT_ALLOWANCE");
    const expired = await client.submitSealed({ order: { ...order, validTo: 1n } }).catch((e) => e);
    expect(expired).toMatchObject({ code: "ORDER_EXPIRED", status: 400 });
  });

  it("should raise RelayUnreachableError naming the URL", async () => {
    const client = viemClient("trader1", "http://127.0.0.1:9");
    const err = await client.getInfo().catch((e) => e);
    expect(err).toBeInstanceOf(RelayUnreachableError);
    expect(err.message).toContain("http://127.0.0.1:9/v1/info");
  });
});

describe("a relay that lies", () => {
  it("should refuse to sign when the relay reports another chain id", async () => {
    const proxy = await startLyingRelay(devnet.relayUrl!);
    try {
      proxy.lies.info = (info) => ({ ...info, chainId: 1 });
      const inner = privateKeyToAccount(key("trader4"));
      let signatures = 0;
      const account = toAccount({
        address: inner.address,
        signMessage: (m) => inner.signMessage(m),
        signTransaction: (t) => inner.signTransaction(t),
        signTypedData: (td) => {
          signatures++;
          return inner.signTypedData(td as never);
        },
      });
      const client = createVeilClient({ relayUrl: proxy.url, rpcUrl: devnet.rpcUrl, account });
      const order = {
        trader: inner.address,
        sellToken: devnet.contracts.tokens.WETH,
        buyToken: devnet.contracts.tokens.USDC,
        sellAmount: 10n ** 17n,
        minBuyAmount: 1n,
        nonce: 1n,
        validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
        commitBy: 1_000n,
        feeAmount: 0n,
      };
      const err = await client.submitSealed({ order }).catch((e) => e);
      expect(err).toBeInstanceOf(WrongChainError);
      expect(err.code).toBe("WRONG_CHAIN");
      expect(err.message).toContain("says 1, the RPC node says 31337");
      expect(signatures).toBe(0);
      expect(proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("should refuse a settlement address that is unexpected, has no code, or has another domain", async () => {
    const proxy = await startLyingRelay(devnet.relayUrl!);
    try {
      const cases: [Address, boolean, RegExp][] = [
        [devnet.contracts.tokens.USDC, true, /the expected settlement is/],
        [devnet.contracts.tokens.USDC, false, /domainSeparator\(\) call failed/],
        [privateKeyToAccount(key("trader4")).address, false, /no contract code/],
      ];
      for (const [fake, pinExpected, reason] of cases) {
        proxy.lies.info = (info) => ({ ...info, settlement: fake });
        const client = createVeilClient({
          relayUrl: proxy.url,
          rpcUrl: devnet.rpcUrl,
          account: privateKeyToAccount(key("trader4")),
          settlement: pinExpected ? devnet.contracts.settlement : undefined,
        });
        const err = await client
          .buildOrder({ sellToken: "WETH", buyToken: "USDC", sellAmount: "1", minBuyAmount: "1" })
          .catch((e) => e);
        expect(err).toBeInstanceOf(WrongSettlementError);
        expect(err.message).toMatch(reason);
      }
    } finally {
      await proxy.close();
    }
  });

  it("should not reveal when the proof leads to another root, and the relay then leaves the order out", async () => {
    const proxy = await startLyingRelay(devnet.relayUrl!);
    try {
      const fakeRoot = keccak256(toHex("another batch"));
      proxy.lies.order = (s) =>
        s.state === "committed" ? { ...s, root: fakeRoot, proof: [keccak256(toHex("sibling"))] } : s;
      const liar = viemClient("trader4", proxy.url);
      await liar.ensureAllowance({ token: "WETH" });
      const order = await liar.buildOrder({
        sellToken: "WETH",
        buyToken: "USDC",
        sellAmount: "0.1",
        minBuyAmount: "1",
      });
      const err = await liar.submitCommitted({ order, timeoutMs: 60_000 }).catch((e) => e);
      expect(err).toBeInstanceOf(ProofMismatchError);
      expect(err.code).toBe("PROOF_MISMATCH");
      expect(err.message).toContain(`the relay says root ${fakeRoot}`);
      expect(proxy.requests.some((r) => r.path === "/v1/reveals")).toBe(false);
      const leaf = hashOrder(order, devnet.chainId, devnet.contracts.settlement);
      expect(leaf).not.toBe(fakeRoot);
      // Through the honest relay directly: the never-revealed order ends unfilled.
      const id = proxy.requests
        .find((r) => r.path.startsWith("/v1/orders/0x"))!
        .path.slice("/v1/orders/".length) as Hex;
      const final = await viemClient("trader4").waitForSettlement({ id, order, timeoutMs: 90_000 });
      expect(final).toMatchObject({ state: "unfilled", reason: "NOT_REVEALED", fill: null });
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it("should reject a fill the settlement's Trade event does not show", async () => {
    const proxy = await startLyingRelay(devnet.relayUrl!);
    try {
      proxy.lies.order = (s) => {
        const fill = s.fill as { buyAmount: string } | null;
        return fill ? { ...s, fill: { ...fill, buyAmount: (BigInt(fill.buyAmount) + 1n).toString() } } : s;
      };
      const client = viemClient("trader1", proxy.url);
      const order = await client.buildOrder({
        sellToken: "WETH",
        buyToken: "USDC",
        sellAmount: "0.2",
        minBuyAmount: "1",
      });
      const { id } = await client.submitSealed({ order });
      const err = await client.waitForSettlement({ id, order, timeoutMs: 120_000 }).catch((e) => e);
      expect(err).toBeInstanceOf(SettlementMismatchError);
      expect(err.message).toMatch(/the relay claims .* the chain says/);
    } finally {
      await proxy.close();
    }
  }, 180_000);
});
