import {
  type Account,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseGwei,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

type TxpoolContent = { pending: Record<string, Record<string, { hash: Hex }>> };

describe("local builder: public mempool next to private bundles", () => {
  let devnet: Devnet;
  let watcher: PublicClient;
  const account = (label: string): Account => privateKeyToAccount(devnetAccount(devnet, label).privateKey);

  /** Signs a 1-wei transfer; `nonce` defaults to the account's next one on chain. */
  async function signTransfer(label: string, nonceOffset = 0, tip = "1"): Promise<Hex> {
    const from = account(label);
    const wallet = createWalletClient({ account: from, transport: http(devnet.builderUrl) });
    const nonce =
      (await watcher.getTransactionCount({ address: from.address, blockTag: "latest" })) + nonceOffset;
    return wallet.signTransaction({
      chain: null,
      chainId: devnet.chainId,
      to: devnet.accounts[9]!.address,
      value: 1n,
      nonce,
      gas: 21_000n,
      maxFeePerGas: parseGwei("20"),
      maxPriorityFeePerGas: parseGwei(tip),
    });
  }
  /** Sends a raw tx to the public pool through the builder URL, as a wallet would. */
  const sendPublic = (raw: Hex) =>
    createPublicClient({ transport: http(devnet.builderUrl) }).sendRawTransaction({
      serializedTransaction: raw,
    });
  /** eth_sendBundle signed by relay-auth. */
  async function sendBundle(txs: Hex[], blockNumber: bigint): Promise<void> {
    const auth = account("relay-auth");
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendBundle",
      params: [{ txs, blockNumber: `0x${blockNumber.toString(16)}` }],
    });
    const { keccak256, stringToBytes } = await import("viem");
    const signature = await auth.signMessage!({ message: keccak256(stringToBytes(body)) });
    const res = await fetch(devnet.builderUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-flashbots-signature": `${auth.address}:${signature}`,
      },
      body,
    });
    const json = (await res.json()) as { error?: unknown };
    if (json.error) throw new Error(JSON.stringify(json.error));
  }
  const hashOf = async (raw: Hex) => (await import("viem")).keccak256(raw);
  const nextBlock = async () => (await watcher.getBlockNumber()) + 1n;

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    // A second client, straight on anvil: what a bot watching the public mempool sees.
    watcher = createPublicClient({ transport: http(devnet.rpcUrl), cacheTime: 0 });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("should show a public tx as pending to another client before the block that includes it", async () => {
    const filter = await watcher.createPendingTransactionFilter();
    const hash = await sendPublic(await signTransfer("trader1"));

    const pool = await watcher.request<{
      Method: "txpool_content";
      Parameters: [];
      ReturnType: TxpoolContent;
    }>({
      method: "txpool_content",
      params: [],
    });
    const pooled = Object.values(pool.pending).flatMap((byNonce) =>
      Object.values(byNonce).map((t) => t.hash),
    );
    expect(pooled).toContain(hash);
    const pendingBlock = await watcher.getBlock({ blockTag: "pending" });
    expect(pendingBlock.transactions).toContain(hash);
    expect(await watcher.getFilterChanges({ filter })).toContain(hash);
    await expect(watcher.getTransactionReceipt({ hash })).rejects.toThrow(/could not be found/);

    const number = await devnet.buildBlock();
    const receipt = await watcher.getTransactionReceipt({ hash });
    expect(receipt.blockNumber).toBe(number);
    expect(receipt.status).toBe("success");
  });

  it("should put bundle txs before public txs in the block", async () => {
    const publicHash = await sendPublic(await signTransfer("trader1", 0, "5"));
    const bundleTx = await signTransfer("trader2");
    await sendBundle([bundleTx], await nextBlock());
    const number = await devnet.buildBlock();
    const block = await watcher.getBlock({ blockNumber: number });
    expect(block.transactions).toEqual([await hashOf(bundleTx), publicHash]);
  });

  it("should include a public tx that a bundle also carries exactly once, at its bundle position", async () => {
    // The shape of a sandwich: the searcher wraps a victim's public tx.
    const victim = await signTransfer("trader3");
    await sendPublic(victim);
    const front = await signTransfer("searcher", 0);
    const back = await signTransfer("searcher", 1);
    await sendBundle([front, victim, back], await nextBlock());
    const number = await devnet.buildBlock();
    const block = await watcher.getBlock({ blockNumber: number });
    expect(block.transactions).toEqual([await hashOf(front), await hashOf(victim), await hashOf(back)]);
  });

  it("should drop a public tx whose nonce a bundle used, and keep other pending txs for the next block", async () => {
    const replaced = await signTransfer("trader4", 0, "2");
    await sendPublic(replaced);
    const later = await signTransfer("trader1", 0);
    await sendPublic(later);
    const bundleTx = await signTransfer("trader4", 0, "3");
    await sendBundle([bundleTx], (await nextBlock()) + 1n);

    const first = await devnet.buildBlock(); // bundle targets the block after: public txs only
    expect((await watcher.getBlock({ blockNumber: first })).transactions).toEqual([
      await hashOf(replaced),
      await hashOf(later),
    ]);
    const second = await devnet.buildBlock(); // the bundle's nonce is now used: it cannot land
    expect((await watcher.getBlock({ blockNumber: second })).transactions).toEqual([]);
  });
});
