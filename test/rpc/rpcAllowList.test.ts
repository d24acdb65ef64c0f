import { createServer } from "node:net";
import {
  createWalletClient,
  defineChain,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import {
  driveBlocks,
  postRpc,
  type RpcServer,
  startRpcServer,
  txStatus,
  waitForStatus,
} from "./rpcHarness.js";
import { accountOf, baseFee, nodeClient, signTx } from "./rpcSigning.js";

const GWEI = 1_000_000_000n;

// The wallet RPC as an allow-list (issue 11): sends only through the private path (incl. EIP-7966 Sync and
// the conditional send), reads on the list proxied, everything else -32601, eth_getLogs capped, and node
// transport errors reported without the node's address.
//
// "Never in the public pool" is the builder's record, not a sample of the pool: anvil runs with --no-mining
// and only the builder mines, so every tx of every block either came from a bundle or from the public pool,
// and each build report lists the block's txs that did not come from a bundle (`publicTxs`). A tx that ever
// sat in the public pool is mined from it (the builder takes the whole pool every block) and shows there.
describe("wallet RPC allow-list: private sends only, dev namespaces refused", () => {
  let devnet: Devnet;
  let server: RpcServer;
  let blocks: ReturnType<typeof driveBlocks> | null = null;
  /** Every tx the builder took from the public pool so far (its build reports). */
  const minedFromPublicPool = () =>
    new Set(devnet.buildReports().flatMap((r) => r.publicTxs.map((h) => h.toLowerCase() as Hex)));

  const call = async (method: string, params: unknown[], url = server.rpcUrl) => {
    const res = await postRpc(url, { jsonrpc: "2.0", id: 1, method, params });
    expect(res.status).toBe(200);
    return res.body as {
      id: number;
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
  };
  const startBlocks = () => {
    blocks = driveBlocks(devnet, 100);
  };
  const stopBlocks = async () => {
    if (!blocks) return;
    await blocks.stop();
    blocks = null;
  };
  const walletTx = async (over: Partial<Parameters<typeof signTx>[2]> = {}) => {
    const wallet = accountOf(devnet, "wallet");
    const nonce = await nodeClient(devnet).getTransactionCount({ address: wallet.address });
    return signTx(devnet, wallet, {
      to: accountOf(devnet, "trader2").address,
      value: 1n,
      nonce,
      maxFeePerGas: (await baseFee(devnet)) * 2n + GWEI,
      ...over,
    });
  };

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    server = await startRpcServer(devnet);
  });
  afterAll(async () => {
    await stopBlocks();
    await server?.stop();
    await devnet?.stop();
  });

  it("has a builder record that does see a public tx (the negative checks below can fail)", async () => {
    const raw = await walletTx();
    await postRpc(devnet.builderUrl, {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendRawTransaction",
      params: [raw],
    });
    await devnet.buildBlock();
    expect(minedFromPublicPool().has(keccak256(raw))).toBe(true);
  });

  it("answers viem's sendTransactionSync with the receipt of a privately included tx", async () => {
    startBlocks();
    const chain = defineChain({
      id: devnet.chainId,
      name: "veil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [server.rpcUrl] } },
    });
    const wallet = createWalletClient({ account: accountOf(devnet, "wallet"), chain, transport: http() });
    const receipt = await wallet.sendTransactionSync({
      to: accountOf(devnet, "trader1").address,
      value: parseEther("0.01"),
      timeout: 20_000,
    });
    expect(receipt.status).toBe("success");
    await stopBlocks();
    expect(minedFromPublicPool().has(receipt.transactionHash.toLowerCase() as Hex)).toBe(false);
    expect(await txStatus(server, receipt.transactionHash)).toMatchObject({
      status: "INCLUDED",
      includedBlockNumber: Number(receipt.blockNumber),
    });
  }, 60_000);

  it("never lets eth_sendRawTransactionSync (no timeout) reach the node's public pool", async () => {
    const raw = await walletTx();
    const hash = keccak256(raw);
    startBlocks();
    const res = await call("eth_sendRawTransactionSync", [raw]);
    await stopBlocks();
    expect(res.error).toBeUndefined();
    expect((res.result as { transactionHash: Hex; status: Hex }).transactionHash).toBe(hash);
    expect((res.result as { status: Hex }).status).toBe("0x1");
    expect(minedFromPublicPool().has(hash)).toBe(false);
    expect(await txStatus(server, hash)).toMatchObject({ status: "INCLUDED" });
  }, 60_000);

  it("answers eth_sendRawTransactionSync past its timeout with code 4 and the hash, and keeps the tx private", async () => {
    const raw = await walletTx();
    const hash = keccak256(raw);
    // no blocks: the tx cannot land before the 300 ms timeout
    const res = await call("eth_sendRawTransactionSync", [raw, toHex(300)]);
    expect(res.error).toMatchObject({ code: 4, data: hash });
    expect(res.error?.message).toMatch(/sent privately to builders but not included within 300 ms/);
    startBlocks();
    await waitForStatus(server, hash, "INCLUDED");
    await stopBlocks();
    expect(minedFromPublicPool().has(hash)).toBe(false);
    expect((await nodeClient(devnet).getTransactionReceipt({ hash })).status).toBe("success");
  }, 60_000);

  it("refuses a Sync send that would revert, with the reason, and never forwards it", async () => {
    const data = encodeFunctionData({
      abi: erc20Abi,
      functionName: "transfer",
      args: [accountOf(devnet, "trader1").address, 10n ** 40n],
    });
    const raw = await walletTx({ to: devnet.contracts.tokens.USDC, data, gas: 100_000n, value: 0n });
    const res = await call("eth_sendRawTransactionSync", [raw]);
    expect(res.error?.code).toBe(-32000);
    expect(res.error?.message).toMatch(/^execution reverted/);
    expect(await txStatus(server, keccak256(raw))).toMatchObject({ status: "UNKNOWN" });
    const pool = await postRpc(devnet.rpcUrl, {
      jsonrpc: "2.0",
      id: 1,
      method: "txpool_content",
      params: [],
    });
    expect(JSON.stringify(pool.body).toLowerCase()).not.toContain(keccak256(raw).toLowerCase());
  });

  it("sends eth_sendRawTransactionConditional privately with blockNumberMax, refuses what a bundle cannot enforce", async () => {
    const head = Number(await nodeClient(devnet).getBlockNumber());
    const wallet = accountOf(devnet, "wallet");
    for (const [opts, re] of [
      [{ knownAccounts: { [wallet.address]: {} } }, /knownAccounts cannot be enforced/],
      [{ timestampMax: 2_000_000_000 }, /timestamp bound cannot be enforced/],
      [{ blockNumberMin: head + 50 }, /blockNumberMin .* cannot be enforced/],
      [{ blockNumberMax: head + 5, colour: "red" }, /invalid params/],
    ] as const) {
      const res = await call("eth_sendRawTransactionConditional", [await walletTx(), opts]);
      expect(res.error?.code, JSON.stringify(opts)).toBe(-32602);
      expect(res.error?.message).toMatch(re);
    }
    const raw = await walletTx();
    const sent = await call("eth_sendRawTransactionConditional", [raw, { blockNumberMax: toHex(head + 10) }]);
    expect(sent.result).toBe(keccak256(raw));
    expect(await txStatus(server, keccak256(raw))).toMatchObject({
      status: "PENDING",
      maxBlockNumber: head + 10,
    });
    startBlocks();
    await waitForStatus(server, keccak256(raw), "INCLUDED");
    await stopBlocks();
    expect(minedFromPublicPool().has(keccak256(raw))).toBe(false);
  }, 60_000);

  const REFUSED = [
    ["anvil_setBalance", ["0x0000000000000000000000000000000000000001", "0x1"]],
    ["evm_mine", []],
    ["hardhat_mine", []],
    ["debug_traceTransaction", ["0x" + "00".repeat(32)]],
    ["txpool_content", []],
    ["admin_peers", []],
    ["personal_listAccounts", []],
    ["miner_start", []],
    ["eth_sendTransaction", [{ from: "0x0000000000000000000000000000000000000001" }]],
    ["eth_sign", ["0x0000000000000000000000000000000000000001", "0x00"]],
    ["eth_accounts", []],
    ["eth_noSuchMethod", []],
  ] as const;

  it("answers every refused namespace and unlisted method -32601 with a message, alone and in a batch", async () => {
    const target = "0x0000000000000000000000000000000000000001";
    const before = await nodeClient(devnet).getBalance({ address: target });
    const headBefore = await nodeClient(devnet).getBlockNumber();
    for (const [method, params] of REFUSED) {
      const res = await call(method, [...params]);
      expect(res.error?.code, method).toBe(-32601);
      expect(res.error?.message).toContain(method);
      expect(res.error?.message).toMatch(/not available: /);
    }
    const batch = await postRpc(server.rpcUrl, [
      { jsonrpc: "2.0", id: "ok", method: "eth_chainId", params: [] },
      ...REFUSED.map(([method, params], i) => ({ jsonrpc: "2.0", id: i, method, params })),
    ]);
    const answers = batch.body as {
      id: unknown;
      result?: unknown;
      error?: { code: number; message: string };
    }[];
    expect(answers[0]).toMatchObject({ id: "ok", result: toHex(devnet.chainId) });
    REFUSED.forEach(([method], i) => {
      expect(answers[i + 1], method).toMatchObject({ id: i, error: { code: -32601 } });
      expect(answers[i + 1].error?.message).toContain(method);
    });
    expect((await call("anvil_setBalance", [target, "0xde0b6b3a7640000"])).error?.code).toBe(-32601);
    expect(await nodeClient(devnet).getBalance({ address: target })).toBe(before);
    expect(await nodeClient(devnet).getBlockNumber()).toBe(headBefore);
    expect((await call("anvil_setBalance", [target, "0x1"])).error?.message).toMatch(/anvil_ namespace/);
  });

  it("still proxies the wallet reads on the list", async () => {
    const wallet = accountOf(devnet, "wallet");
    for (const [method, params] of [
      ["eth_chainId", []],
      ["net_version", []],
      ["web3_clientVersion", []],
      ["eth_blockNumber", []],
      ["eth_gasPrice", []],
      ["eth_maxPriorityFeePerGas", []],
      ["eth_syncing", []],
      ["eth_getBalance", [wallet.address, "latest"]],
      ["eth_getCode", [devnet.contracts.settlement, "latest"]],
      ["eth_getStorageAt", [devnet.contracts.settlement, "0x0", "latest"]],
      ["eth_getTransactionCount", [wallet.address, "latest"]],
      ["eth_getBlockByNumber", ["latest", false]],
      ["eth_feeHistory", ["0x2", "latest", [50]]],
      ["eth_call", [{ to: devnet.contracts.tokens.USDC, data: "0x18160ddd" }, "latest"]],
      ["eth_estimateGas", [{ from: wallet.address, to: wallet.address, value: "0x1" }]],
    ] as const) {
      const res = await call(method, [...params]);
      expect(res.error, method).toBeUndefined();
      expect(res.result, method).not.toBeUndefined();
    }
  });

  it("caps eth_getLogs at 2000 blocks", async () => {
    const head = Number(await nodeClient(devnet).getBlockNumber());
    const ok = await call("eth_getLogs", [{ fromBlock: "earliest", toBlock: "latest" }]);
    expect(head).toBeLessThan(2000);
    expect(Array.isArray(ok.result)).toBe(true);
    const tooWide = await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: toHex(4_999) }]);
    expect(tooWide.error).toMatchObject({ code: -32602 });
    expect(tooWide.error?.message).toMatch(/block range too large: 5000 blocks .* at most 2000/);
    const both = await call("eth_getLogs", [{ blockHash: `0x${"11".repeat(32)}`, fromBlock: "0x1" }]);
    expect(both.error?.code).toBe(-32602);
    const batch = await postRpc(server.rpcUrl, [
      { jsonrpc: "2.0", id: 1, method: "eth_getLogs", params: [{ fromBlock: "0x0", toBlock: "0x2710" }] },
    ]);
    expect(batch.body[0].error.code).toBe(-32602);
  });

  it("reports a node transport failure as a generic upstream error, without the node's host or port", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = await startRpcServer(devnet, { rpcUrl: `http://127.0.0.1:${port}` });
    try {
      const wallet = accountOf(devnet, "wallet");
      const answers = [
        await call("eth_blockNumber", [], dead.rpcUrl),
        await call("eth_getTransactionCount", [wallet.address, "pending"], dead.rpcUrl),
        await call("eth_sendRawTransaction", [await walletTx()], dead.rpcUrl),
        await call("eth_sendRawTransactionSync", [await walletTx()], dead.rpcUrl),
        ...((await postRpc(dead.rpcUrl, [{ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }]))
          .body as never[]),
      ];
      for (const a of answers) {
        expect(a.error?.code).toBe(-32603);
        expect(a.error?.message).toBe("upstream node unavailable, retry later");
        const text = JSON.stringify(a);
        for (const leak of ["127.0.0.1", String(port), "ECONNREFUSED", "localhost"])
          expect(text).not.toContain(leak);
      }
    } finally {
      await dead.stop();
    }
  });
});
