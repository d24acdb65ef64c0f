/**
 * The TypeScript encodings in client/ (EIP-712 order digest, leaf, Merkle tree) agree with the contract:
 * orders signed by viem settle on a real anvil, and a tampered one is refused.
 */
import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  type Hex,
  hashDomain,
  http,
  maxUint256,
  type PublicClient,
  parseEventLogs,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { buildMerkleTree } from "../../client/merkle/merkleTree.js";
import { hashOrder, type Order, orderLeaf, randomSalt } from "../../client/order/order.js";
import { loadForgeArtifact } from "../../scripts/devnet/artifacts.js";
import { ensureContractsBuilt } from "../../scripts/devnet/buildContracts.js";
import { deploySettlement } from "../../scripts/devnet/deploySettlement.js";
import { devnetAccounts } from "../../scripts/devnet/devnetAccounts.js";
import { type AnvilProcess, spawnAnvil } from "../../scripts/devnet/spawnAnvil.js";

const ONE = 10n ** 18n;
const accounts = devnetAccounts();
const [deployer, operator, , trader1, trader2] = accounts.map((a) => privateKeyToAccount(a.privateKey));

let anvil: AnvilProcess;
let publicClient: PublicClient;
let settlement: Address;
let tokenA: Address;
let tokenB: Address;

function wallet(account: typeof deployer) {
  return createWalletClient({ account, chain: foundry, transport: http(anvil.url) });
}

beforeAll(async () => {
  await ensureContractsBuilt(["VeilSettlement", "DemoToken"]);
  anvil = await spawnAnvil({ port: 0 });
  const transport = http(anvil.url);
  publicClient = createPublicClient({ chain: foundry, transport });
  await publicClient.request({ method: "evm_setAutomine" as never, params: [true] as never });
  settlement = await deploySettlement({
    walletClient: wallet(deployer),
    publicClient,
    owner: deployer.address,
    operators: [operator.address],
    revealDelay: 1n,
    expiry: 20n,
  });
  const demo = loadForgeArtifact("DemoToken");
  const tokens: Address[] = [];
  for (const symbol of ["TKA", "TKB"]) {
    const hash = await wallet(deployer).deployContract({ ...demo, args: [symbol, symbol, 18] });
    tokens.push((await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address);
  }
  [tokenA, tokenB] = tokens;
  for (const [trader, token] of [
    [trader1, tokenA],
    [trader2, tokenB],
  ] as const) {
    const mint = await wallet(deployer).writeContract({
      address: token,
      abi: demo.abi,
      functionName: "mint",
      args: [trader.address, 1000n * ONE],
    });
    await publicClient.waitForTransactionReceipt({ hash: mint });
    const approve = await wallet(trader).writeContract({
      address: token,
      abi: demo.abi,
      functionName: "approve",
      args: [settlement, maxUint256],
    });
    await publicClient.waitForTransactionReceipt({ hash: approve });
  }
});

afterAll(async () => {
  await anvil?.stop();
});

async function signedTrade(account: typeof trader1, order: Order, leafIndex: number, tokens: Address[]) {
  const signature = await account.signTypedData({
    domain: { name: "Veil", version: "1", chainId: foundry.id, verifyingContract: settlement },
    types: {
      Order: [
        { name: "trader", type: "address" },
        { name: "sellToken", type: "address" },
        { name: "buyToken", type: "address" },
        { name: "sellAmount", type: "uint256" },
        { name: "minBuyAmount", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "validTo", type: "uint64" },
        { name: "commitBy", type: "uint64" },
        { name: "feeAmount", type: "uint256" },
      ],
    },
    primaryType: "Order",
    message: order,
  });
  const salt = randomSalt();
  const digest = hashOrder(order, foundry.id, settlement);
  return {
    digest,
    leaf: orderLeaf(digest, salt),
    trade: {
      leafIndex,
      sellTokenIndex: tokens.indexOf(order.sellToken),
      buyTokenIndex: tokens.indexOf(order.buyToken),
      trader: order.trader,
      sellAmount: order.sellAmount,
      minBuyAmount: order.minBuyAmount,
      nonce: order.nonce,
      validTo: order.validTo,
      commitBy: order.commitBy,
      feeAmount: order.feeAmount,
      salt,
      signature,
    },
  };
}

async function commitAndSettle(
  leaves: Hex[],
  placeholders: Hex[],
  trades: Awaited<ReturnType<typeof signedTrade>>["trade"][],
) {
  const { root } = buildMerkleTree(leaves);
  const op = wallet(operator);
  const commitHash = await op.writeContract({
    address: settlement,
    abi: veilSettlementAbi,
    functionName: "commit",
    args: [root, leaves.length],
  });
  const commitReceipt = await publicClient.waitForTransactionReceipt({ hash: commitHash });
  const [committed] = parseEventLogs({
    abi: veilSettlementAbi,
    logs: commitReceipt.logs,
    eventName: "BatchCommitted",
  });
  await publicClient.request({ method: "evm_mine" as never, params: [] as never });
  const args = [committed.args.batchId, placeholders, [tokenA, tokenB], [ONE, ONE], trades, []] as const;
  return { batchId: committed.args.batchId, root, args, op };
}

/** A commitBy no batch of this suite reaches (order v2): the commit-by check passes. */
const COMMIT_BY_FAR = 1_000_000n;

describe("EIP-712 and Merkle encodings agree with VeilSettlement", () => {
  it("has the domain separator viem computes", async () => {
    const onChain = await publicClient.readContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "domainSeparator",
    });
    expect(onChain).toBe(
      hashDomain({
        domain: { name: "Veil", version: "1", chainId: BigInt(foundry.id), verifyingContract: settlement },
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
        },
      }),
    );
  });

  it("settles orders signed by viem against a root built by client/merkle", async () => {
    const validTo = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const tokens = [tokenA, tokenB];
    const a = await signedTrade(
      trader1,
      {
        trader: trader1.address,
        sellToken: tokenA,
        buyToken: tokenB,
        sellAmount: 5n * ONE,
        minBuyAmount: 5n * ONE,
        nonce: 7n,
        validTo,
        commitBy: COMMIT_BY_FAR,
        feeAmount: 0n,
      },
      0,
      tokens,
    );
    const b = await signedTrade(
      trader2,
      {
        trader: trader2.address,
        sellToken: tokenB,
        buyToken: tokenA,
        sellAmount: 5n * ONE,
        minBuyAmount: 4n * ONE,
        nonce: 300n,
        validTo,
        commitBy: COMMIT_BY_FAR,
        feeAmount: 0n,
      },
      2,
      tokens,
    );
    const unexecuted = randomSalt();
    const zero = `0x${"00".repeat(32)}` as Hex;
    const { batchId, args, op } = await commitAndSettle(
      [a.leaf, unexecuted, b.leaf],
      [zero, unexecuted, zero],
      [a.trade, b.trade],
    );
    const hash = await op.writeContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "settle",
      args,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const trades = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "Trade" });
    expect(trades.map((t) => [t.args.batchId, t.args.trader, t.args.orderDigest, t.args.buyAmount])).toEqual([
      [batchId, trader1.address, a.digest, 5n * ONE],
      [batchId, trader2.address, b.digest, 5n * ONE],
    ]);
    const used = await publicClient.readContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "isNonceUsed",
      args: [trader2.address, 300n],
    });
    expect(used).toBe(true);
  });

  it("refuses an order whose fields differ from what the trader signed", async () => {
    const validTo = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const tokens = [tokenA, tokenB];
    const a = await signedTrade(
      trader1,
      {
        trader: trader1.address,
        sellToken: tokenA,
        buyToken: tokenB,
        sellAmount: ONE,
        minBuyAmount: ONE,
        nonce: 8n,
        validTo,
        commitBy: COMMIT_BY_FAR,
        feeAmount: 0n,
      },
      0,
      tokens,
    );
    const tampered = { ...a.trade, minBuyAmount: ONE - 1n };
    const zero = `0x${"00".repeat(32)}` as Hex;
    const { args } = await commitAndSettle([a.leaf], [zero], [tampered]);
    await expect(
      publicClient.simulateContract({
        account: operator,
        address: settlement,
        abi: veilSettlementAbi,
        functionName: "settle",
        args,
      }),
    ).rejects.toThrow(/InvalidSignature/);
  });

  it("hashes commitBy into the digest exactly as the contract does (order v2)", async () => {
    const validTo = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const tokens = [tokenA, tokenB];
    const order: Order = {
      trader: trader1.address,
      sellToken: tokenA,
      buyToken: tokenB,
      sellAmount: ONE,
      minBuyAmount: ONE,
      nonce: 9n,
      validTo,
      commitBy: COMMIT_BY_FAR + 12_345n,
      feeAmount: 0n,
    };
    // the digest differs with commitBy alone: it is signed, not a relay-side hint
    expect(hashOrder(order, foundry.id, settlement)).not.toBe(
      hashOrder({ ...order, commitBy: order.commitBy + 1n }, foundry.id, settlement),
    );
    const b = await signedTrade(
      trader2,
      { ...order, trader: trader2.address, sellToken: tokenB, buyToken: tokenA, nonce: 301n },
      1,
      tokens,
    );
    const a = await signedTrade(trader1, order, 0, tokens);
    const zero = `0x${"00".repeat(32)}` as Hex;
    const { args, op } = await commitAndSettle([a.leaf, b.leaf], [zero, zero], [a.trade, b.trade]);
    const hash = await op.writeContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "settle",
      args,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const trades = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "Trade" });
    // the contract's own digest (the Trade event) equals client/order's hashOrder
    expect(trades.map((t) => t.args.orderDigest)).toEqual([a.digest, b.digest]);
  });

  it("hashes feeAmount into the digest as the contract does and pays the fees to the fee recipient (order v3)", async () => {
    const validTo = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const tokens = [tokenA, tokenB];
    const fee = 3n * 10n ** 15n;
    const order: Order = {
      trader: trader1.address,
      sellToken: tokenA,
      buyToken: tokenB,
      sellAmount: ONE,
      minBuyAmount: ONE - fee, // the limit holds on sellAmount - feeAmount
      nonce: 11n,
      validTo,
      commitBy: COMMIT_BY_FAR,
      feeAmount: fee,
    };
    // the fee is signed: a different fee is a different order
    expect(hashOrder(order, foundry.id, settlement)).not.toBe(
      hashOrder({ ...order, feeAmount: fee + 1n }, foundry.id, settlement),
    );
    const a = await signedTrade(trader1, order, 0, tokens);
    const b = await signedTrade(
      trader2,
      { ...order, trader: trader2.address, sellToken: tokenB, buyToken: tokenA, nonce: 311n },
      1,
      tokens,
    );
    const zero = `0x${"00".repeat(32)}` as Hex;
    const { args, op } = await commitAndSettle([a.leaf, b.leaf], [zero, zero], [a.trade, b.trade]);
    const recipient = await publicClient.readContract({
      address: settlement,
      abi: veilSettlementAbi,
      functionName: "feeRecipient",
    });
    const balance = (token: Address, who: Address) =>
      publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [who],
      });
    const before = await Promise.all([balance(tokenA, recipient), balance(tokenB, recipient)]);
    const hash = await op.writeContract({ address: settlement, abi: veilSettlementAbi, functionName: "settle", args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const trades = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "Trade" });
    expect(trades.map((t) => t.args.orderDigest)).toEqual([a.digest, b.digest]);
    // the event's sellAmount is what left the trader (fee included); buyAmount is the net amount's worth
    expect(trades.map((t) => [t.args.sellAmount, t.args.buyAmount])).toEqual([
      [ONE, ONE - fee],
      [ONE, ONE - fee],
    ]);
    const after = await Promise.all([balance(tokenA, recipient), balance(tokenB, recipient)]);
    expect([after[0] - before[0], after[1] - before[1]]).toEqual([fee, fee]);
  });

  it("refuses an order in a batch committed after its commitBy (CommitDeadlinePassed)", async () => {
    const validTo = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const a = await signedTrade(
      trader1,
      {
        trader: trader1.address,
        sellToken: tokenA,
        buyToken: tokenB,
        sellAmount: ONE,
        minBuyAmount: ONE,
        nonce: 10n,
        validTo,
        commitBy: head, // the commit below lands in head + 1
        feeAmount: 0n,
      },
      0,
      [tokenA, tokenB],
    );
    const zero = `0x${"00".repeat(32)}` as Hex;
    const { args } = await commitAndSettle([a.leaf], [zero], [a.trade]);
    await expect(
      publicClient.simulateContract({
        account: operator,
        address: settlement,
        abi: veilSettlementAbi,
        functionName: "settle",
        args,
      }),
    ).rejects.toThrow(/CommitDeadlinePassed/);
  });
});
