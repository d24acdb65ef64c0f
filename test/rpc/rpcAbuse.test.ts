import { type Hex, keccak256, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { postRpc, type RpcServer, startRpcServer, txStatus } from "./rpcHarness.js";
import { accountOf, baseFee, nodeClient, signTx } from "./rpcSigning.js";

// Issue 13: a wallet tx that cannot pay costs the relay a few cached reads, never a simulation or a bundle per
// block. Blocks are built only when a test asks (slotMs null), so an accepted tx stays PENDING throughout.
describe("wallet RPC, abuse: txs that could not pay are refused up front", () => {
  let devnet: Devnet;
  let server: RpcServer;

  const send = async (raw: Hex) => {
    const res = await postRpc(server.rpcUrl, {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendRawTransaction",
      params: [raw],
    });
    expect(res.status).toBe(200);
    return res.body as { result?: Hex; error?: { code: number; message: string; data?: { baseFee?: string } } };
  };
  const fundedKey = async (wei: bigint) => {
    const account = privateKeyToAccount(generatePrivateKey());
    await nodeClient(devnet).request({
      method: "anvil_setBalance" as never,
      params: [account.address, toHex(wei)] as never,
    });
    return account;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    // a roomy per-sender rate so each refusal below is the check under test, not the rate limit
    server = await startRpcServer(devnet, {
      maxPendingPerSender: 3,
      rateLimits: { perSender: { perMinute: 6_000, burst: 1_000 } },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await devnet?.stop();
  });

  it("should refuse a dust key's 32 below-base-fee txs, naming the base fee they need", async () => {
    const dust = await fundedKey(10n ** 15n);
    const fee = await baseFee(devnet);
    expect(fee).toBeGreaterThan(1n);
    const to = accountOf(devnet, "trader1").address;
    for (let nonce = 0; nonce < 32; nonce++) {
      const raw = await signTx(devnet, dust, {
        to,
        value: 1n,
        nonce,
        maxFeePerGas: fee / 2n,
        maxPriorityFeePerGas: 1n,
      });
      const res = await send(raw);
      expect(res.error?.code, JSON.stringify(res)).toBe(-32000);
      expect(res.error?.message).toMatch(/max fee per gas less than block base fee/);
      expect(res.error?.data?.baseFee).toBe(fee.toString());
    }
    // nothing was recorded: nothing to re-send every block
    const last = await signTx(devnet, dust, {
      to,
      value: 1n,
      nonce: 0,
      maxFeePerGas: fee / 2n,
      maxPriorityFeePerGas: 1n,
    });
    expect((await txStatus(server, keccak256(last))).status).toBe("UNKNOWN");
  });

  it("should check a sender's balance against all its pending txs together", async () => {
    const maxFeePerGas = (await baseFee(devnet)) * 2n + 1_000_000_000n;
    const cost = 21_000n * maxFeePerGas + 1n;
    const key = await fundedKey(2n * cost + cost / 2n); // enough for two, not three
    const to = accountOf(devnet, "trader1").address;
    const tx = (nonce: number) => signTx(devnet, key, { to, value: 1n, nonce, maxFeePerGas });
    expect((await send(await tx(0))).result).toMatch(/^0x/);
    expect((await send(await tx(1))).result).toMatch(/^0x/);
    const third = await send(await tx(2));
    expect(third.error?.code).toBe(-32000);
    expect(third.error?.message).toMatch(/insufficient funds .* for the sender's other pending private txs/);
  });

  it("should cap the pending private txs of one sender", async () => {
    const key = await fundedKey(parseEther("1"));
    const maxFeePerGas = (await baseFee(devnet)) * 2n + 1_000_000_000n;
    const to = accountOf(devnet, "trader1").address;
    for (let nonce = 0; nonce < 3; nonce++)
      expect((await send(await signTx(devnet, key, { to, value: 1n, nonce, maxFeePerGas }))).result).toMatch(
        /^0x/,
      );
    const fourth = await send(await signTx(devnet, key, { to, value: 1n, nonce: 3, maxFeePerGas }));
    expect(fourth.error?.code).toBe(-32005);
    expect(fourth.error?.message).toMatch(/3 private transactions pending \(at most 3\)/);
  });
});
