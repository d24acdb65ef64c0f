import { type Hex, hexToBigInt, keccak256, parseGwei, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBuilder, startBuilder } from "../../scripts/devnet/builder/startBuilder.js";
import { devnetAccount, devnetAccounts } from "../../scripts/devnet/devnetAccounts.js";
import { rpcCall } from "../../scripts/devnet/jsonRpc.js";
import { type AnvilProcess, spawnAnvil } from "../../scripts/devnet/spawnAnvil.js";
import { flashbotsSigned } from "../rpc/rpcSigning.js";

type Reply = { result?: { bundleHash: Hex }; error?: { code: number; message: string } };

/**
 * Continuous building: a bundle that reaches the builder while the block it targets is being built (after
 * the builder chose from what it had, before the cut-off) lands in that block, simulated on top of what was
 * already chosen. The `beforeCutoff` hook sends it over HTTP at exactly that moment of the build.
 */
describe("local builder: bundles arriving during the build", () => {
  const accounts = devnetAccounts();
  const auth = privateKeyToAccount(devnetAccount(accounts, "relay-auth").privateKey);
  const trader = (label: string) => privateKeyToAccount(devnetAccount(accounts, label).privateKey);
  const lp = devnetAccount(accounts, "lp").address;
  let anvil: AnvilProcess;
  let builder: LocalBuilder;
  /** Run by the build right before its cut-off (set per test). */
  let duringBuild: (block: bigint) => Promise<void> = async () => undefined;

  beforeAll(async () => {
    anvil = await spawnAnvil({ port: 0 });
    builder = await startBuilder({
      anvilUrl: anvil.url,
      chainId: 31337,
      slotMs: null,
      log: () => undefined,
      hooks: { beforeCutoff: (block) => duringBuild(block) },
    });
  });
  afterAll(async () => {
    await builder?.stop();
    await anvil?.stop();
  });

  const head = async () => hexToBigInt(await rpcCall<Hex>(anvil.url, "eth_blockNumber"));
  const nonceOf = async (address: Hex) =>
    Number(hexToBigInt(await rpcCall<Hex>(anvil.url, "eth_getTransactionCount", [address, "latest"])));
  const transfer = async (label: string, nonce: number, tipGwei = "1") =>
    trader(label).signTransaction({
      chainId: 31337,
      to: lp,
      value: 1n,
      nonce,
      gas: 21_000n,
      maxFeePerGas: parseGwei("50"),
      maxPriorityFeePerGas: parseGwei(tipGwei),
    });
  async function sendBundle(txs: Hex[], blockNumber: bigint): Promise<Reply> {
    const { body, headers } = await flashbotsSigned(auth, {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendBundle",
      params: [{ txs, blockNumber: toHex(blockNumber) }],
    });
    const res = await fetch(builder.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return (await res.json()) as Reply;
  }
  const blockTxs = async (n: bigint) =>
    (await rpcCall<{ transactions: Hex[] }>(anvil.url, "eth_getBlockByNumber", [toHex(n), false]))
      .transactions;

  it("should include a bundle sent during the build of its target block, after the ones already chosen", async () => {
    const target = (await head()) + 1n;
    const early = await transfer("trader1", await nonceOf(trader("trader1").address), "2");
    const late = await transfer("trader2", await nonceOf(trader("trader2").address), "5");
    expect((await sendBundle([early], target)).result?.bundleHash).toMatch(/^0x/);
    let lateReply: Reply | undefined;
    duringBuild = async (block) => {
      duringBuild = async () => undefined;
      lateReply = await sendBundle([late], block);
    };
    const mined = await builder.buildBlock();
    expect(mined).toBe(target);
    expect(lateReply?.result?.bundleHash).toMatch(/^0x/);
    // the late bundle pays more, but the block is not re-ordered for it: it goes behind the chosen one
    expect(await blockTxs(target)).toEqual([keccak256(early), keccak256(late)]);
    expect(builder.reports.at(-1)).toMatchObject({ number: target, bundles: 2, lateBundles: 1 });
  });

  it("should drop a late bundle that no longer executes on top of the chosen ones, and keep those", async () => {
    const target = (await head()) + 1n;
    const nonce = await nonceOf(trader("trader3").address);
    const first = await transfer("trader3", nonce, "2");
    const clash = await transfer("trader3", nonce, "3"); // same nonce: invalid once `first` ran
    await sendBundle([first], target);
    duringBuild = async (block) => {
      duringBuild = async () => undefined;
      await sendBundle([clash], block);
    };
    await builder.buildBlock();
    expect(await blockTxs(target)).toEqual([keccak256(first)]);
    expect(builder.reports.at(-1)).toMatchObject({ number: target, bundles: 1, lateBundles: 0 });
  });

  it("should refuse a bundle for a block that is already mined (sent after the cut-off)", async () => {
    const target = (await head()) + 1n;
    await builder.buildBlock();
    const reply = await sendBundle(
      [await transfer("trader4", await nonceOf(trader("trader4").address))],
      target,
    );
    expect(reply.error?.message).toMatch(/in the past/);
  });
});
