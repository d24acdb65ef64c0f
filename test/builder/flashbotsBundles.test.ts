import {
  FlashbotsBundleResolution,
  type FlashbotsTransactionResponse,
} from "@flashbots/ethers-provider-bundle";
import type { TransactionRequest } from "ethers";
import {
  createPublicClient,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  parseAbi,
  parseEther,
  parseGwei,
  toFunctionSelector,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { flashbotsClient, withBlocks } from "../helpers/flashbots.js";

const mintAbi = parseAbi(["function mint(address to, uint256 amount)"]);

describe("local builder with @flashbots/ethers-provider-bundle", () => {
  let devnet: Devnet;
  let fb: Awaited<ReturnType<typeof flashbotsClient>>;
  const chain = () => createPublicClient({ transport: http(devnet.rpcUrl) });

  const transfer = (to: string, overrides: Partial<TransactionRequest> = {}): TransactionRequest => ({
    to,
    value: parseEther("0.01"),
    chainId: devnet.chainId,
    type: 2,
    maxFeePerGas: parseGwei("20"),
    maxPriorityFeePerGas: parseGwei("1"),
    gasLimit: 21_000n,
    ...overrides,
  });
  /** A call that reverts with DemoToken's NotMinter(): only the deployer may mint. */
  const revertingMint = (): TransactionRequest => ({
    to: devnet.contracts.tokens.USDC,
    data: encodeFunctionData({ abi: mintAbi, functionName: "mint", args: [devnet.accounts[3]!.address, 1n] }),
    chainId: devnet.chainId,
    type: 2,
    maxFeePerGas: parseGwei("20"),
    maxPriorityFeePerGas: parseGwei("1"),
    gasLimit: 100_000n,
  });
  const target = async () => (await chain().getBlockNumber()) + 1n;
  const hashes = (res: FlashbotsTransactionResponse) => res.bundleTransactions.map((t) => t.hash);

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    fb = await flashbotsClient(devnet);
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("should include a sent bundle in its target block, in bundle order", async () => {
    const blockNumber = await target();
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader2"), transaction: transfer(devnet.accounts[9]!.address) },
      { signer: fb.wallet("trader1"), transaction: transfer(devnet.accounts[9]!.address) },
      { signer: fb.wallet("trader2"), transaction: transfer(devnet.accounts[8]!.address) },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(blockNumber));
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([FlashbotsBundleResolution.BundleIncluded]);
    const block = await chain().getBlock({ blockNumber });
    expect(block.transactions.slice(0, 3)).toEqual(hashes(res));
  });

  it("should simulate per-tx gasUsed and report the revert of a failing tx", async () => {
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader1"), transaction: transfer(devnet.accounts[9]!.address) },
      { signer: fb.wallet("trader3"), transaction: revertingMint() },
    ]);
    const sim = await fb.flashbots.simulate(signed, Number(await target()));
    if ("error" in sim) throw new Error(sim.error.message);
    expect(sim.results.map((r) => r.gasUsed)[0]).toBe(21_000);
    expect(sim.results[1]!.gasUsed).toBeGreaterThan(21_000);
    expect(sim.totalGasUsed).toBe(sim.results[0]!.gasUsed + sim.results[1]!.gasUsed);
    expect(sim.firstRevert?.txHash).toBe(sim.results[1]!.txHash);
    expect("error" in sim.firstRevert! && sim.firstRevert.error).toBe("execution reverted");
    expect("revert" in sim.firstRevert! && sim.firstRevert.revert).toBe(toFunctionSelector("NotMinter()"));
    // Priority fee 1 gwei x 21000 gas paid to the block, nothing else.
    expect(sim.results[0]!.coinbaseDiff).toBe((21_000n * parseGwei("1")).toString());
    expect(sim.coinbaseDiff).toBeGreaterThan(0n);
  });

  it("should not include a bundle whose tx reverts unless listed in revertingTxHashes", async () => {
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader4"), transaction: transfer(devnet.accounts[9]!.address) },
      { signer: fb.wallet("trader4"), transaction: revertingMint() },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(await target()));
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
    ]);
    for (const hash of hashes(res)) {
      await expect(chain().getTransactionReceipt({ hash: hash as Hex })).rejects.toThrow(
        /could not be found/,
      );
    }
  });

  it("should include the same bundle when the reverting tx is in revertingTxHashes", async () => {
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader4"), transaction: transfer(devnet.accounts[9]!.address) },
      { signer: fb.wallet("trader4"), transaction: revertingMint() },
    ]);
    const revertingHash = keccak256(signed[1] as Hex);
    const res = await fb.flashbots.sendRawBundle(signed, Number(await target()), {
      revertingTxHashes: [revertingHash],
    });
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([FlashbotsBundleResolution.BundleIncluded]);
    const receipt = await chain().getTransactionReceipt({ hash: revertingHash });
    expect(receipt.status).toBe("reverted");
  });

  it("should land the better-paying of two competing bundles", async () => {
    const blockNumber = await target();
    const searcher = fb.wallet("searcher");
    const nonce = await searcher.getNonce();
    const low = await fb.flashbots.signBundle([
      {
        signer: searcher,
        transaction: transfer(devnet.accounts[9]!.address, { nonce, maxPriorityFeePerGas: parseGwei("1") }),
      },
    ]);
    const high = await fb.flashbots.signBundle([
      {
        signer: searcher,
        transaction: transfer(devnet.accounts[8]!.address, { nonce, maxPriorityFeePerGas: parseGwei("3") }),
      },
    ]);
    // The low one arrives first: arrival order must not matter, payment does.
    const lowRes = await fb.flashbots.sendRawBundle(low, Number(blockNumber));
    const highRes = await fb.flashbots.sendRawBundle(high, Number(blockNumber));
    if ("error" in lowRes || "error" in highRes) throw new Error("sendRawBundle failed");
    expect(await withBlocks(devnet, [highRes.wait(), lowRes.wait()])).toEqual([
      FlashbotsBundleResolution.BundleIncluded,
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
    ]);
  });

  it("should report bundle stats to the submitter only", async () => {
    const blockNumber = await target();
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader3"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(blockNumber));
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([FlashbotsBundleResolution.BundleIncluded]);
    const stats = (await fb.flashbots.getBundleStatsV2(
      res.bundleHash,
      Number(blockNumber),
    )) as unknown as Record<string, unknown>;
    expect(stats.isSimulated).toBe(true);
    expect(stats.sealedByBuildersAt).toHaveLength(1);
    const other = await flashbotsClient(devnet, devnet.accounts[7]!.privateKey);
    expect(await other.flashbots.getBundleStatsV2(res.bundleHash, Number(blockNumber))).toEqual({
      isSimulated: false,
    });
  });

  it("should drop a bundle cancelled by its replacementUuid", async () => {
    const blockNumber = await target();
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader1"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const uuid = "6a1e6f3c-6d4f-4c7b-9a43-7c2a7e3e9d11";
    const res = await fb.flashbots.sendRawBundle(signed, Number(blockNumber), { replacementUuid: uuid });
    if ("error" in res) throw new Error(res.error.message);
    const cancelled = await fb.flashbots.cancelBundles(uuid);
    expect(cancelled).toEqual({ bundleHashes: [res.bundleHash] });
    expect(await withBlocks(devnet, [res.wait()])).toEqual([
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
    ]);
  });

  it("should keep a bundle for a later block until that block", async () => {
    const blockNumber = (await target()) + 2n;
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader3"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(blockNumber));
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([FlashbotsBundleResolution.BundleIncluded]);
    const receipt = await chain().getTransactionReceipt({ hash: hashes(res)[0] as Hex });
    expect(receipt.blockNumber).toBe(blockNumber);
  });

  it("should replace a bundle sent again with the same replacementUuid", async () => {
    const blockNumber = await target();
    const uuid = "0b6c3f4e-2a4b-4f7e-8a51-5f0d1c2e3a4b";
    const first = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader1"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const second = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader2"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const a = await fb.flashbots.sendRawBundle(first, Number(blockNumber), { replacementUuid: uuid });
    const b = await fb.flashbots.sendRawBundle(second, Number(blockNumber), { replacementUuid: uuid });
    if ("error" in a || "error" in b) throw new Error("sendRawBundle failed");
    expect(await withBlocks(devnet, [a.wait(), b.wait()])).toEqual([
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
      FlashbotsBundleResolution.BundleIncluded,
    ]);
  });

  it("should drop a bundle whose maxTimestamp has passed", async () => {
    const latest = await chain().getBlock();
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader2"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(latest.number + 1n), {
      maxTimestamp: Number(latest.timestamp),
    });
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
    ]);
  });

  it("should hold a bundle whose minTimestamp is not reached", async () => {
    const latest = await chain().getBlock();
    const signed = await fb.flashbots.signBundle([
      { signer: fb.wallet("trader2"), transaction: transfer(devnet.accounts[9]!.address) },
    ]);
    const res = await fb.flashbots.sendRawBundle(signed, Number(latest.number + 1n), {
      minTimestamp: Number(latest.timestamp) + 3600,
    });
    if ("error" in res) throw new Error(res.error.message);
    expect(await withBlocks(devnet, [res.wait()])).toEqual([
      FlashbotsBundleResolution.BlockPassedWithoutInclusion,
    ]);
  });
});
