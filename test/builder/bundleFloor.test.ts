import { type Hex, hexToBigInt, keccak256, parseGwei, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBuilder, startBuilder } from "../../scripts/devnet/builder/startBuilder.js";
import { devnetAccount, devnetAccounts } from "../../scripts/devnet/devnetAccounts.js";
import { rpcCall } from "../../scripts/devnet/jsonRpc.js";
import { type AnvilProcess, spawnAnvil } from "../../scripts/devnet/spawnAnvil.js";
import { flashbotsSigned } from "../rpc/rpcSigning.js";

type Reply = { result?: unknown; error?: { code: number; message: string; data?: { reason: string } } };

/**
 * The builder's bid floor (builderAdmin.ts): a bundle paying less per gas than the floor misses its block,
 * as on a contested mainnet block, and the build report says what it bid; the floor is set at start or by
 * the unauthenticated admin call `builder_setMinBundleGasPrice`.
 */
describe("local builder: minimum bundle gas price", () => {
  const accounts = devnetAccounts();
  const auth = privateKeyToAccount(devnetAccount(accounts, "relay-auth").privateKey);
  const trader = (label: string) => privateKeyToAccount(devnetAccount(accounts, label).privateKey);
  const lp = devnetAccount(accounts, "lp").address;
  let anvil: AnvilProcess;
  let builder: LocalBuilder;

  beforeAll(async () => {
    anvil = await spawnAnvil({ port: 0 });
    builder = await startBuilder({
      anvilUrl: anvil.url,
      chainId: 31337,
      slotMs: null,
      log: () => undefined,
      minBundleGasPriceWei: parseGwei("2"),
    });
  });
  afterAll(async () => {
    await builder?.stop();
    await anvil?.stop();
  });

  const head = async () => hexToBigInt(await rpcCall<Hex>(anvil.url, "eth_blockNumber"));
  const nonceOf = async (address: Hex) =>
    Number(hexToBigInt(await rpcCall<Hex>(anvil.url, "eth_getTransactionCount", [address, "latest"])));
  const transfer = async (label: string, tipGwei: string) =>
    trader(label).signTransaction({
      chainId: 31337,
      to: lp,
      value: 1n,
      nonce: await nonceOf(trader(label).address),
      gas: 21_000n,
      maxFeePerGas: parseGwei("50"),
      maxPriorityFeePerGas: parseGwei(tipGwei),
    });
  async function call(method: string, params: unknown[]): Promise<Reply> {
    const { body, headers } = await flashbotsSigned(auth, { jsonrpc: "2.0", id: 1, method, params });
    const res = await fetch(builder.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return (await res.json()) as Reply;
  }
  const sendBundle = (txs: Hex[], blockNumber: bigint) =>
    call("eth_sendBundle", [{ txs, blockNumber: toHex(blockNumber) }]);
  const blockTxs = async (n: bigint) =>
    (await rpcCall<{ transactions: Hex[] }>(anvil.url, "eth_getBlockByNumber", [toHex(n), false]))
      .transactions;

  it("should skip a bundle below the floor set at start, report its bid, and take one above it", async () => {
    const target = (await head()) + 1n;
    const low = await transfer("trader1", "1.5");
    const high = await transfer("trader2", "2");
    expect((await sendBundle([low], target)).result).toHaveProperty("bundleHash");
    expect((await sendBundle([high], target)).result).toHaveProperty("bundleHash");
    expect(await builder.buildBlock()).toBe(target);
    expect(await blockTxs(target)).toEqual([keccak256(high)]);
    const report = builder.reports.at(-1)!;
    expect(report.bundles).toBe(1);
    expect(report.belowFloor).toEqual([
      {
        bundleHash: expect.stringMatching(/^0x/),
        gasPriceWei: parseGwei("1.5"),
        minGasPriceWei: parseGwei("2"),
        txs: [{ hash: keccak256(low), gas: 21_000n, maxPriorityFeePerGas: parseGwei("1.5") }],
      },
    ]);
  });

  it("should change the floor by admin call, without a Flashbots signature, and answer the previous one", async () => {
    const res = await fetch(builder.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "builder_setMinBundleGasPrice",
        params: ["0x0"],
      }),
    });
    expect(await res.json()).toEqual({ jsonrpc: "2.0", id: 7, result: parseGwei("2").toString() });
    expect((await call("builder_minBundleGasPrice", [])).result).toBe("0");
    const target = (await head()) + 1n;
    const tx = await transfer("trader1", "0.5");
    await sendBundle([tx], target);
    await builder.buildBlock();
    expect(await blockTxs(target)).toEqual([keccak256(tx)]);
    expect(builder.reports.at(-1)!.belowFloor).toEqual([]);

    expect((await call("builder_setMinBundleGasPrice", [parseGwei("1").toString()])).result).toBe("0");
    const next = (await head()) + 1n;
    const under = await transfer("trader3", "0.999999999");
    await sendBundle([under], next);
    await builder.buildBlock();
    expect(await blockTxs(next)).toEqual([]);
    expect(builder.reports.at(-1)!.belowFloor.map((b) => b.gasPriceWei)).toEqual([parseGwei("0.999999999")]);
  });

  it("should refuse a malformed floor with INVALID_PARAMS and keep the one it had", async () => {
    for (const params of [[], ["-1"], ["1.5"], [{}], ["0xzz"], [1, 2]]) {
      const r = await call("builder_setMinBundleGasPrice", params);
      expect(r.error?.data?.reason, JSON.stringify(params)).toBe("INVALID_PARAMS");
    }
    expect((await call("builder_minBundleGasPrice", [])).result).toBe(parseGwei("1").toString());
  });
});
