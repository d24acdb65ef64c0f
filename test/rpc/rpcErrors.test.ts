import { request } from "node:http";
import { type Hex, keccak256, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { postRpc, type RpcServer, startRpcServer, txStatus } from "./rpcHarness.js";
import { accountOf, baseFee, nodeClient, signTx } from "./rpcSigning.js";

const GWEI = 1_000_000_000n;

describe("wallet RPC: bad input gets clear JSON-RPC errors, never a 5xx", () => {
  let devnet: Devnet;
  let server: RpcServer;
  let limited: RpcServer;

  const call = async (method: string, params: unknown[], url = server.rpcUrl) => {
    const res = await postRpc(url, { jsonrpc: "2.0", id: 1, method, params });
    expect(res.status).toBe(200);
    return res.body as { id: number; result?: unknown; error?: { code: number; message: string } };
  };
  const walletTx = async (over: Partial<Parameters<typeof signTx>[2]> = {}) => {
    const wallet = accountOf(devnet, "wallet");
    const nonce = await nodeClient(devnet).getTransactionCount({ address: wallet.address });
    return signTx(devnet, wallet, {
      to: accountOf(devnet, "trader1").address,
      value: 1n,
      nonce,
      maxFeePerGas: (await baseFee(devnet)) * 2n + GWEI,
      ...over,
    });
  };

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    server = await startRpcServer(devnet);
    limited = await startRpcServer(devnet, {
      rateLimits: { perIp: { perMinute: 1, burst: 4 }, perSender: { perMinute: 1, burst: 1 } },
      maxBodyBytes: 2_000,
    });
  });
  afterAll(async () => {
    await limited?.stop();
    await server?.stop();
    await devnet?.stop();
  });

  it("should answer a body that is not JSON with -32700", async () => {
    const res = await postRpc(server.rpcUrl, "{not json");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    expect(res.body.error.message).toMatch(/not valid JSON/);
  });

  it("should answer JSON that is not a JSON-RPC request with -32600", async () => {
    for (const body of ["42", "[]", JSON.stringify({ jsonrpc: "1.0", id: 3, method: "eth_chainId" })]) {
      const res = await postRpc(server.rpcUrl, body);
      expect(res.status).toBe(200);
      expect(res.body.error.code).toBe(-32600);
    }
    expect((await postRpc(server.rpcUrl, { id: 4, method: 12 })).body).toEqual({
      jsonrpc: "2.0",
      id: 4,
      error: { code: -32600, message: "invalid JSON-RPC request: method must be a non-empty string" },
    });
  });

  it("should answer -32601 for a method that is not on the allow-list", async () => {
    expect((await call("eth_noSuchMethod", [])).error?.code).toBe(-32601);
  });

  it("should refuse malformed raw transactions with -32602", async () => {
    for (const raw of ["0x1234", "hello", 7, "0x02c0"]) {
      const res = await call("eth_sendRawTransaction", [raw]);
      expect(res.error?.code).toBe(-32602);
    }
    expect((await call("eth_sendRawTransaction", ["0x1234"])).error?.message).toMatch(
      /cannot decode raw transaction/,
    );
    expect((await call("eth_sendRawTransaction", [])).error?.message).toBe(
      "expected params [rawSignedTransaction]",
    );
    expect((await call("eth_sendPrivateTransaction", [{ maxBlockNumber: 5 }])).error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/^invalid params at params\.0\.tx/),
    });
  });

  it("should refuse a tx signed for another chain, a zero fee, too little gas, a used nonce and no funds", async () => {
    expect((await call("eth_sendRawTransaction", [await walletTx({ chainId: 1 })])).error).toEqual({
      code: -32000,
      message: "invalid chain id: transaction is signed for chain 1, this RPC serves chain 31337",
    });
    const zero = await walletTx({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
    expect((await call("eth_sendRawTransaction", [zero])).error?.message).toMatch(/fee is zero/);
    const thin = await walletTx({ gas: 20_000n });
    expect((await call("eth_sendRawTransaction", [thin])).error?.message).toMatch(/intrinsic gas too low/);
    const huge = await walletTx({ gas: 40_000_000n });
    expect((await call("eth_sendRawTransaction", [huge])).error?.message).toMatch(/exceeds block gas limit/);

    const wallet = accountOf(devnet, "wallet");
    const nonce = await nodeClient(devnet).getTransactionCount({ address: wallet.address });
    if (nonce > 0) {
      const used = await walletTx({ nonce: nonce - 1 });
      expect((await call("eth_sendRawTransaction", [used])).error?.message).toMatch(/^nonce too low/);
    }
    const pauper = privateKeyToAccount(generatePrivateKey());
    const broke = await signTx(devnet, pauper, {
      to: wallet.address,
      value: parseEther("1"),
      nonce: 0,
      maxFeePerGas: GWEI * 10n,
    });
    expect((await call("eth_sendRawTransaction", [broke])).error).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^insufficient funds for gas \* price \+ value: balance 0/),
    });
  });

  it("should answer a batch mixing proxied, private, malformed and unknown entries position by position", async () => {
    const wallet = accountOf(devnet, "wallet");
    const res = await postRpc(server.rpcUrl, [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: 2, method: "eth_sendRawTransaction", params: ["0xdead"] },
      { jsonrpc: "2.0", id: 3 },
      "garbage",
      { jsonrpc: "2.0", id: 5, method: "eth_noSuchMethod", params: [] },
      { jsonrpc: "2.0", id: 6, method: "eth_getTransactionCount", params: [wallet.address, "pending"] },
      { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] },
    ]);
    expect(res.status).toBe(200);
    const body = res.body as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(body.map((r) => r.id)).toEqual([1, 2, 3, null, 5, 6, 1]);
    expect(body[0].result).toBe(toHex(devnet.chainId));
    expect(body[1].error?.code).toBe(-32602);
    expect(body[2].error?.code).toBe(-32600);
    expect(body[3].error?.code).toBe(-32600);
    expect(body[4].error?.code).toBe(-32601);
    expect(body[5].result).toMatch(/^0x[0-9a-f]+$/);
    expect(body[6].result).toBe(toHex(await nodeClient(devnet).getBlockNumber()));
  });

  it("should serve GET /tx/:hash: 400 for a bad hash, UNKNOWN for a hash never seen", async () => {
    const bad = await fetch(`${server.url}/tx/0x1234`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: "BAD_REQUEST", message: "hash must be a 0x-prefixed 32-byte hex string" },
    });
    const unknown = keccak256("0x01") as Hex;
    expect(await txStatus(server, unknown)).toMatchObject({
      status: "UNKNOWN",
      hash: unknown,
      maxBlockNumber: 0,
    });
  });

  it("should refuse a body over the size limit with HTTP 413 and -32600", async () => {
    const res = await postRpc(limited.rpcUrl, {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_call",
      params: [{ data: `0x${"00".repeat(2_000)}` }, "latest"],
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: -32600, message: "request body too large: at most 2000 bytes" });

    // Same for a chunked body with no Content-Length, counted as it streams.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        limited.rpcUrl,
        { method: "POST", headers: { "content-type": "application/json" } },
        (r) => {
          let body = "";
          r.on("data", (c) => {
            body += c;
          });
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write(" ".repeat(500));
      req.end('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe(-32600);
  });

  it("should rate-limit txs per sender and calls per client IP with -32005", async () => {
    const first = await call("eth_sendRawTransaction", [await walletTx()], limited.rpcUrl);
    expect(first.result).toMatch(/^0x[0-9a-f]{64}$/);
    const second = await call("eth_sendRawTransaction", [await walletTx({ value: 2n })], limited.rpcUrl);
    expect(second.error).toMatchObject({
      code: -32005,
      message: expect.stringMatching(/too many transactions from/),
    });
    // 4 calls of burst used by the size test (1 was refused before counting), the 2 sends and these:
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await postRpc(limited.rpcUrl, { id: i, method: "eth_chainId" })).status);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const last = await postRpc(limited.rpcUrl, { jsonrpc: "2.0", id: 9, method: "eth_chainId" });
    expect(last).toMatchObject({ status: 429, body: { error: { code: -32005 } } });
  });
});
