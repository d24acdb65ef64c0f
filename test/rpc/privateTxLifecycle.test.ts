import { encodeFunctionData, type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadUniswapArtifact } from "../../scripts/devnet/artifacts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { createPrivateTxWatcher } from "../../relay/rpc/privateTxWatcher.js";
import {
  bundleSentFor,
  bundleTrafficSettled,
  postRpc,
  publicPoolHashes,
  type RpcServer,
  startRpcServer,
  txStatus,
  waitForStatus,
} from "./rpcHarness.js";
import { accountOf, baseFee, flashbotsSigned, nodeClient, signTx } from "./rpcSigning.js";

const routerAbi = loadUniswapArtifact("UniswapV2Router02").abi;
const GWEI = 1_000_000_000n;

describe("wallet RPC: private transaction life cycle", () => {
  let devnet: Devnet;
  let server: RpcServer;
  let nextId = 1;

  const rpc = async (method: string, params: unknown[]) => {
    const { status, body } = await postRpc(server.rpcUrl, { jsonrpc: "2.0", id: nextId++, method, params });
    expect(status).toBe(200);
    return body as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  };
  const send = async (raw: Hex) => {
    const res = await rpc("eth_sendRawTransaction", [raw]);
    if (res.error) throw new Error(`${res.error.code} ${res.error.message}`);
    return res.result as Hex;
  };
  const chainNonce = async (label: string) =>
    nodeClient(devnet).getTransactionCount({ address: accountOf(devnet, label).address });
  const pendingNonce = async (label: string) =>
    Number(
      BigInt(
        (await rpc("eth_getTransactionCount", [accountOf(devnet, label).address, "pending"])).result as Hex,
      ),
    );
  const fees = async () => ({
    maxFeePerGas: (await baseFee(devnet)) * 2n + GWEI,
    maxPriorityFeePerGas: GWEI,
  });

  /** Builds blocks one by one (checking anvil's public pool before each) until `hash` reaches `status`. */
  const mineUntil = async (hash: Hex, status: string, maxBlocks = 6) => {
    for (let i = 0; i < maxBlocks; i++) {
      expect(await publicPoolHashes(devnet)).not.toContain(hash.toLowerCase());
      // The relay's bundle for the block about to be built is at the builder (its own record), not a guess.
      await bundleSentFor(server, hash, Number(await nodeClient(devnet).getBlockNumber()) + 1);
      await devnet.buildBlock();
      const s = await waitForStatus(server, hash, status, 600).catch(() => undefined);
      if (s) return s;
    }
    throw new Error(
      `${hash} did not reach ${status} in ${maxBlocks} blocks: ${(await txStatus(server, hash)).status}`,
    );
  };

  /**
   * Builds `n` blocks, each followed by a full pass of the relay's block watcher for it (the pass that would
   * re-send a still-pending tx's bundle for the next block), so "not included after n blocks" rests on the
   * relay having had every chance to send it, not on a sleep.
   */
  const blocksWithWatcherPass = async (n: number) => {
    const watcher = createPrivateTxWatcher(server.rpc);
    for (let i = 0; i < n; i++) await watcher.tick(Number(await devnet.buildBlock()));
  };

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    // Below-base-fee txs are refused by default (issue 13); this suite uses them as txs that cannot land yet.
    server = await startRpcServer(devnet, { acceptBelowBaseFee: true });
  });
  afterAll(async () => {
    await server?.stop();
    await devnet?.stop();
  });

  it("should report a private tx as pending to wallets, keep it out of the public pool, then include it", async () => {
    const wallet = accountOf(devnet, "wallet");
    const nonce = await chainNonce("wallet");
    const to = accountOf(devnet, "trader1").address;
    const hash = await send(
      await signTx(devnet, wallet, { to, value: parseEther("1"), nonce, ...(await fees()) }),
    );

    expect((await txStatus(server, hash)).status).toBe("PENDING");
    const byHash = (await rpc("eth_getTransactionByHash", [hash])).result as Record<string, unknown>;
    expect(byHash).toMatchObject({
      hash,
      blockNumber: null,
      from: wallet.address.toLowerCase(),
      nonce: `0x${nonce.toString(16)}`,
    });
    expect((await rpc("eth_getTransactionReceipt", [hash])).result).toBeNull();
    expect(await pendingNonce("wallet")).toBe(nonce + 1);
    expect(await chainNonce("wallet")).toBe(nonce);
    expect(await publicPoolHashes(devnet)).not.toContain(hash);

    const included = await mineUntil(hash, "INCLUDED");
    const receipt = await nodeClient(devnet).getTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect(included.includedBlockNumber).toBe(Number(receipt.blockNumber));
    expect(await pendingNonce("wallet")).toBe(nonce + 1);
    expect(((await rpc("eth_getTransactionByHash", [hash])).result as { blockNumber: Hex }).blockNumber).toBe(
      `0x${receipt.blockNumber.toString(16)}`,
    );
  });

  it("should accept two quick consecutive txs from one wallet and include both in nonce order", async () => {
    const trader = accountOf(devnet, "trader1");
    const nonce = await chainNonce("trader1");
    const f = await fees();
    const to = accountOf(devnet, "trader2").address;
    const first = await send(await signTx(devnet, trader, { to, value: 1n, nonce, ...f }));
    const secondRaw = await signTx(devnet, trader, { to, value: 2n, nonce: nonce + 1, ...f });
    const second = (await rpc("eth_sendPrivateRawTransaction", [secondRaw, { fast: true }])).result as Hex;
    expect(await txStatus(server, second)).toMatchObject({ status: "PENDING", fastMode: true });
    expect(await pendingNonce("trader1")).toBe(nonce + 2);
    const gap = await rpc("eth_sendRawTransaction", [
      await signTx(devnet, trader, { to, nonce: nonce + 3, ...f }),
    ]);
    expect(gap.error?.code).toBe(-32000);
    expect(gap.error?.message).toMatch(/nonce too high: next nonce \d+, tx nonce \d+/);

    const a = await mineUntil(first, "INCLUDED");
    const b = await mineUntil(second, "INCLUDED");
    expect(b.includedBlockNumber!).toBeGreaterThanOrEqual(a.includedBlockNumber!);
    expect(await chainNonce("trader1")).toBe(nonce + 2);
  });

  it("should replace a pending tx by a same-nonce tx paying >= 10% more, and refuse an underpriced one", async () => {
    const trader = accountOf(devnet, "trader2");
    const nonce = await chainNonce("trader2");
    const to = accountOf(devnet, "trader3").address;
    const low = { maxFeePerGas: (await baseFee(devnet)) / 2n, maxPriorityFeePerGas: 1_000_000n };
    const stuck = await send(await signTx(devnet, trader, { to, value: 1n, nonce, ...low }));
    expect((await txStatus(server, stuck)).status).toBe("PENDING");

    const same = await rpc("eth_sendRawTransaction", [
      await signTx(devnet, trader, { to, value: 2n, nonce, ...low }),
    ]);
    expect(same.error?.message).toMatch(/replacement transaction underpriced/);

    const replacement = await send(await signTx(devnet, trader, { to, value: 3n, nonce, ...(await fees()) }));
    const old = await txStatus(server, stuck);
    expect(old).toMatchObject({ status: "CANCELLED", replacedBy: replacement });
    await mineUntil(replacement, "INCLUDED");
    expect((await txStatus(server, stuck)).status).toBe("CANCELLED");
    expect(
      await nodeClient(devnet)
        .getTransactionReceipt({ hash: stuck })
        .catch(() => null),
    ).toBeNull();
  });

  it("should cancel a pending tx only when eth_cancelPrivateTransaction is signed by its sender", async () => {
    const trader = accountOf(devnet, "trader3");
    const nonce = await chainNonce("trader3");
    const head = Number(await nodeClient(devnet).getBlockNumber());
    const hash = await send(
      await signTx(devnet, trader, {
        to: accountOf(devnet, "trader4").address,
        value: 5n,
        nonce,
        ...(await fees()),
      }),
    );
    await bundleSentFor(server, hash, head + 1); // at the builder for the next block: the cancel must withdraw it
    expect((await txStatus(server, hash)).status).toBe("PENDING");
    const payload = {
      jsonrpc: "2.0",
      id: 7,
      method: "eth_cancelPrivateTransaction",
      params: [{ txHash: hash }],
    };

    const unsigned = await postRpc(server.rpcUrl, payload);
    expect(unsigned.body.error).toMatchObject({ code: -32001 });
    expect(unsigned.body.error.message).toMatch(/missing X-Flashbots-Signature/);
    const stranger = await flashbotsSigned(accountOf(devnet, "searcher"), payload);
    const wrong = await postRpc(server.rpcUrl, stranger.body, stranger.headers);
    expect(wrong.body.error.code).toBe(-32001);
    expect(wrong.body.error.message).toMatch(/only the sender/);

    const owner = await flashbotsSigned(trader, payload);
    expect((await postRpc(server.rpcUrl, owner.body, owner.headers)).body).toEqual({
      jsonrpc: "2.0",
      id: 7,
      result: true,
    });
    expect((await txStatus(server, hash)).status).toBe("CANCELLED");
    expect(await pendingNonce("trader3")).toBe(nonce);
    await blocksWithWatcherPass(2);
    expect(await chainNonce("trader3")).toBe(nonce);
    expect((await txStatus(server, hash)).status).toBe("CANCELLED");
    expect((await postRpc(server.rpcUrl, owner.body, owner.headers)).body.result).toBe(false);
  });

  it("should treat a 0-value self-transfer with the same nonce as a free cancel (not sent)", async () => {
    const trader = accountOf(devnet, "trader4");
    const nonce = await chainNonce("trader4");
    const f = await fees();
    const original = await send(
      await signTx(devnet, trader, { to: accountOf(devnet, "wallet").address, value: 9n, nonce, ...f }),
    );
    const cancel = await send(await signTx(devnet, trader, { to: trader.address, value: 0n, nonce, ...f }));
    expect(await txStatus(server, original)).toMatchObject({ status: "CANCELLED", replacedBy: cancel });
    expect((await txStatus(server, cancel)).status).toBe("CANCELLED");
    expect(await pendingNonce("trader4")).toBe(nonce);
    await bundleTrafficSettled(server, original); // the original's bundle is withdrawn from the builder
    await blocksWithWatcherPass(2);
    expect(await chainNonce("trader4")).toBe(nonce);
  });

  it("should fail a tx not included by maxBlockNumber (hex or number) and give the wallet its nonce back", async () => {
    const searcher = accountOf(devnet, "searcher");
    const nonce = await chainNonce("searcher");
    const head = Number(await nodeClient(devnet).getBlockNumber());
    const low = { maxFeePerGas: (await baseFee(devnet)) / 2n, maxPriorityFeePerGas: 1_000_000n };
    const to = accountOf(devnet, "wallet").address;
    const tx = await signTx(devnet, searcher, { to, value: 1n, nonce, ...low });
    const res = await rpc("eth_sendPrivateTransaction", [{ tx, maxBlockNumber: head + 2 }]);
    const hash = res.result as Hex;
    const next = await signTx(devnet, searcher, { to, value: 1n, nonce: nonce + 1, ...low });
    const nextHash = (
      await rpc("eth_sendPrivateTransaction", [{ tx: next, maxBlockNumber: `0x${(head + 5).toString(16)}` }])
    ).result as Hex;
    expect((await txStatus(server, nextHash)).maxBlockNumber).toBe(head + 5);
    expect(await pendingNonce("searcher")).toBe(nonce + 2);

    const failed = await mineUntil(hash, "FAILED", 4);
    expect(failed.simError).toBe("SimErrorFeeCapTooLow");
    expect(await txStatus(server, nextHash)).toMatchObject({
      status: "FAILED",
      simError: "SimErrorEarlierNonceFailed",
    });
    expect(await pendingNonce("searcher")).toBe(nonce);
    expect(await chainNonce("searcher")).toBe(nonce);
  });

  it("should refuse a reverting tx with its revert reason, unless the sender opts in with canRevert", async () => {
    const wallet = accountOf(devnet, "wallet");
    const { router, weth } = devnet.contracts.uniswapV2;
    const data = encodeFunctionData({
      abi: routerAbi,
      functionName: "swapExactETHForTokens",
      args: [0n, [weth, devnet.contracts.tokens.USDC], wallet.address, 1n], // deadline in 1970: EXPIRED
    });
    const nonce = await chainNonce("wallet");
    const raw = await signTx(devnet, wallet, {
      to: router,
      data,
      value: 10n ** 15n,
      gas: 200_000n,
      nonce,
      ...(await fees()),
    });
    const refused = await rpc("eth_sendRawTransaction", [raw]);
    expect(refused.error).toMatchObject({
      code: -32000,
      message: "execution reverted: UniswapV2Router: EXPIRED",
    });
    expect(await pendingNonce("wallet")).toBe(nonce);

    const hash = (await rpc("eth_sendPrivateTransaction", [{ tx: raw, preferences: { canRevert: true } }]))
      .result as Hex;
    const included = await mineUntil(hash, "INCLUDED");
    expect(included.isRevert).toBe(true);
    expect((await nodeClient(devnet).getTransactionReceipt({ hash })).status).toBe("reverted");
  });

  it("should keep statuses and keep sending pending txs across a relay restart (SQLite)", async () => {
    const wallet = accountOf(devnet, "wallet");
    const nonce = await chainNonce("wallet");
    const hash = await send(
      await signTx(devnet, wallet, {
        to: accountOf(devnet, "lp").address,
        value: 1n,
        nonce,
        ...(await fees()),
      }),
    );
    const dbPath = server.dbPath;
    await server.stop({ keepDb: true });
    server = await startRpcServer(devnet, { acceptBelowBaseFee: true }, dbPath);
    expect((await txStatus(server, hash)).status).toBe("PENDING");
    expect(await pendingNonce("wallet")).toBe(nonce + 1);
    await mineUntil(hash, "INCLUDED");
  });
});
