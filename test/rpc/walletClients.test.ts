import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  Contract as EthersContract,
  Wallet as EthersWallet,
  parseEther as ethersParseEther,
  JsonRpcProvider,
} from "ethers";
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hex,
  http,
  parseEther,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadUniswapArtifact } from "../../scripts/devnet/artifacts.js";
import { foundryBinary, REPO_ROOT } from "../../scripts/devnet/binaries.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";
import { driveBlocks, publicPoolHashes, type RpcServer, startRpcServer, txStatus } from "./rpcHarness.js";
import { accountOf, nodeClient } from "./rpcSigning.js";

const run = promisify(execFile);
const routerAbi = loadUniswapArtifact("UniswapV2Router02").abi as Abi;

describe("wallet RPC: real wallet clients send transfers and Uniswap V2 swaps privately", () => {
  let devnet: Devnet;
  let server: RpcServer;
  let blocks: ReturnType<typeof driveBlocks>;
  const sent: Hex[] = [];

  const usdcOf = (address: Hex) =>
    nodeClient(devnet).readContract({
      address: devnet.contracts.tokens.USDC,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [address],
    });
  const deadline = () => BigInt(Math.floor(Date.now() / 1000) + 3600);
  const expectIncluded = async (hash: Hex) => {
    sent.push(hash.toLowerCase() as Hex);
    const receipt = await nodeClient(devnet).getTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const deadlineMs = Date.now() + 5_000;
    let status = await txStatus(server, hash);
    while (status.status !== "INCLUDED" && Date.now() < deadlineMs) status = await txStatus(server, hash);
    expect(status).toMatchObject({ status: "INCLUDED", includedBlockNumber: Number(receipt.blockNumber) });
  };

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
    server = await startRpcServer(devnet);
    blocks = driveBlocks(devnet, 150);
  });
  afterAll(async () => {
    await blocks?.stop();
    await server?.stop();
    await devnet?.stop();
  });

  it("should send a transfer and a swap with `cast send --rpc-url <relay>/rpc`", async () => {
    const trader = devnetAccount(devnet, "trader1");
    const to = accountOf(devnet, "trader2").address;
    const cast = (args: string[]) =>
      run(
        foundryBinary("cast"),
        [...args, "--rpc-url", server.rpcUrl, "--private-key", trader.privateKey, "--json"],
        {
          timeout: 60_000,
        },
      );
    const transfer = JSON.parse((await cast(["send", to, "--value", "0.5ether"])).stdout);
    expect(transfer.status).toBe("0x1");
    await expectIncluded(transfer.transactionHash);

    const before = await usdcOf(trader.address);
    const { weth } = devnet.contracts.uniswapV2;
    const swap = JSON.parse(
      (
        await cast([
          "send",
          devnet.contracts.uniswapV2.router,
          "swapExactETHForTokens(uint256,address[],address,uint256)",
          "1",
          `[${weth},${devnet.contracts.tokens.USDC}]`,
          trader.address,
          deadline().toString(),
          "--value",
          "0.1ether",
        ])
      ).stdout,
    );
    expect(swap.status).toBe("0x1");
    await expectIncluded(swap.transactionHash);
    expect(await usdcOf(trader.address)).toBeGreaterThan(before);
  });

  it("should send a transfer and a swap with an ethers v6 JsonRpcProvider + Wallet, tx.wait() resolving", async () => {
    const provider = new JsonRpcProvider(server.rpcUrl, devnet.chainId, {
      staticNetwork: true,
      pollingInterval: 50,
    });
    try {
      const key = devnetAccount(devnet, "trader3").privateKey;
      const wallet = new EthersWallet(key, provider);
      const transfer = await wallet.sendTransaction({
        to: accountOf(devnet, "trader4").address,
        value: ethersParseEther("0.25"),
      });
      const receipt = await transfer.wait();
      expect(receipt?.status).toBe(1);
      await expectIncluded(transfer.hash as Hex);

      const router = new EthersContract(devnet.contracts.uniswapV2.router, routerAbi as never, wallet);
      const before = await usdcOf(wallet.address as Hex);
      const swap = await router.swapExactETHForTokens(
        1n,
        [devnet.contracts.uniswapV2.weth, devnet.contracts.tokens.USDC],
        wallet.address,
        deadline(),
        { value: ethersParseEther("0.1") },
      );
      const swapReceipt = await swap.wait();
      expect(swapReceipt.status).toBe(1);
      await expectIncluded(swap.hash as Hex);
      expect(await usdcOf(wallet.address as Hex)).toBeGreaterThan(before);
    } finally {
      provider.destroy();
    }
  });

  it("should send a transfer and a swap with a viem wallet client, waitForTransactionReceipt resolving", async () => {
    const chain = defineChain({
      id: devnet.chainId,
      name: "Veil devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [server.rpcUrl] } },
    });
    const account = accountOf(devnet, "wallet");
    const walletClient = createWalletClient({ account, chain, transport: http(server.rpcUrl) });
    const publicClient = createPublicClient({ chain, transport: http(server.rpcUrl), pollingInterval: 50 });

    const transfer = await walletClient.sendTransaction({
      to: accountOf(devnet, "lp").address,
      value: parseEther("0.2"),
    });
    expect((await publicClient.waitForTransactionReceipt({ hash: transfer })).status).toBe("success");
    await expectIncluded(transfer);

    const before = await usdcOf(account.address);
    const swap = await walletClient.writeContract({
      address: devnet.contracts.uniswapV2.router,
      abi: routerAbi,
      functionName: "swapExactETHForTokens",
      args: [
        1n,
        [devnet.contracts.uniswapV2.weth, devnet.contracts.tokens.USDC],
        account.address,
        deadline(),
      ],
      value: parseEther("0.1"),
    });
    expect((await publicClient.waitForTransactionReceipt({ hash: swap })).status).toBe("success");
    await expectIncluded(swap);
    expect(await usdcOf(account.address)).toBeGreaterThan(before);
  });

  it("should never have shown any of these transactions in the node's public pending pool", async () => {
    expect(sent).toHaveLength(6);
    expect(blocks.blocks).toBeGreaterThan(0);
    expect(sent.filter((h) => blocks.seenInPublicPool.has(h))).toEqual([]);
    // Control: the same pool check does see a tx sent to the node directly (blocks paused meanwhile).
    await blocks.stop();
    const searcher = accountOf(devnet, "searcher");
    const direct = createWalletClient({ account: searcher, transport: http(devnet.rpcUrl) });
    const publicHash = await direct.sendTransaction({
      chain: null,
      to: searcher.address,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    expect(await publicPoolHashes(devnet)).toContain(publicHash.toLowerCase());
    await devnet.buildBlock();
    expect((await nodeClient(devnet).getTransactionReceipt({ hash: publicHash })).status).toBe("success");
  });

  it("should match the README section: the URL to paste ends in /rpc and the chain id is the devnet's", async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.split(/^## /m).find((s) => s.startsWith("Use Veil as your wallet's RPC"));
    expect(section, "README section 'Use Veil as your wallet's RPC'").toBeDefined();
    const url = section!.match(/http:\/\/127\.0\.0\.1:\d+\/rpc/)?.[0];
    expect(url).toBeDefined();
    const chainId = Number(section!.match(/[Cc]hain ID[^0-9]*(\d+)/)?.[1]);
    expect(chainId).toBe(devnet.chainId);
    // The documented path, on this test's relay: a wallet adding the network sees the documented chain id.
    const documentedPath = new URL(url!).pathname;
    const res = await fetch(`${server.url}${documentedPath}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(((await res.json()) as { result: string }).result).toBe(`0x${chainId.toString(16)}`);
    expect(section).toMatch(/\/tx\/<hash>|\/tx\/:hash/);
  });
});
