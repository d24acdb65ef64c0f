import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, erc20Abi, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foundryBinary } from "../../scripts/devnet/binaries.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

const run = promisify(execFile);

describe("the builder URL serves ordinary clients unchanged", () => {
  let devnet: Devnet;
  const cast = async (...args: string[]) =>
    (await run(foundryBinary("cast"), args, { timeout: 60_000 })).stdout.trim();

  beforeAll(async () => {
    // Real slots: cast and viem wait for receipts by polling, as against any chain.
    devnet = await startDevnet({ slotMs: 200 });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("should answer `cast block-number` and `cast chain-id`", async () => {
    const viaBuilder = Number(await cast("block-number", "--rpc-url", devnet.builderUrl));
    const direct = Number(await cast("block-number", "--rpc-url", devnet.rpcUrl));
    expect(viaBuilder).toBeGreaterThan(0);
    expect(direct).toBeGreaterThanOrEqual(viaBuilder); // same chain, read just after
    expect(await cast("chain-id", "--rpc-url", devnet.builderUrl)).toBe("31337");
  });

  it("should send and mine a transaction with `cast send`", async () => {
    const to = devnetAccount(devnet, "wallet").address;
    const before = await createPublicClient({ transport: http(devnet.rpcUrl) }).getBalance({ address: to });
    const out = await cast(
      "send",
      "--rpc-url",
      devnet.builderUrl,
      "--private-key",
      devnetAccount(devnet, "trader2").privateKey,
      to,
      "--value",
      "1ether",
    );
    expect(out).toMatch(/status\s+1 \(success\)/);
    const after = await createPublicClient({ transport: http(devnet.rpcUrl) }).getBalance({ address: to });
    expect(after - before).toBe(parseEther("1"));
  });

  it("should serve a viem public and wallet client", async () => {
    const client = createPublicClient({ transport: http(devnet.builderUrl), pollingInterval: 50 });
    expect(await client.getChainId()).toBe(31337);
    const trader = devnetAccount(devnet, "trader3");
    const usdc = devnet.contracts.tokens.USDC;
    const balance = await client.readContract({
      address: usdc,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [trader.address],
    });
    expect(balance).toBeGreaterThan(0n);

    const wallet = createWalletClient({
      account: privateKeyToAccount(trader.privateKey),
      transport: http(devnet.builderUrl),
    });
    const hash = await wallet.writeContract({
      chain: null,
      address: usdc,
      abi: erc20Abi,
      functionName: "transfer",
      args: [devnet.accounts[9]!.address, 5n],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect(
      await client.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [trader.address],
      }),
    ).toBe(balance - 5n);
  });
});
