import { createPublicClient, erc20Abi, http, parseEther, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { loadUniswapArtifact } from "../../scripts/devnet/artifacts.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

const pairAbi = loadUniswapArtifact("UniswapV2Pair").abi;

describe("startDevnet", () => {
  let devnet: Devnet;
  const client = () => createPublicClient({ transport: http(devnet.builderUrl) });

  beforeAll(async () => {
    // fresh: really deploy (other suites load the cached post-deploy state; see the last test)
    devnet = await startDevnet({ slotMs: null, fresh: true });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("should label the ten anvil accounts as pinned", () => {
    expect(devnet.accounts.map((a) => a.label)).toEqual([
      "deployer",
      "operator",
      "relay-auth",
      "trader1",
      "trader2",
      "trader3",
      "trader4",
      "searcher",
      "lp",
      "wallet",
    ]);
    expect(devnet.accounts[0]).toEqual({
      address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      label: "deployer",
    });
  });

  it("should deploy WETH9, USDC with 6 decimals and DAI with 18", async () => {
    const { tokens } = devnet.contracts;
    const decimals = (address: `0x${string}`) =>
      client().readContract({ address, abi: erc20Abi, functionName: "decimals" });
    expect(await decimals(tokens.WETH)).toBe(18);
    expect(await decimals(tokens.USDC)).toBe(6);
    expect(await decimals(tokens.DAI)).toBe(18);
    expect(await client().readContract({ address: tokens.WETH, abi: erc20Abi, functionName: "symbol" })).toBe(
      "WETH",
    );
    expect(devnet.contracts.uniswapV2.weth).toBe(tokens.WETH);
  });

  it("should fund traders, searcher and wallet with WETH, USDC, DAI and ETH", async () => {
    const { tokens } = devnet.contracts;
    for (const label of ["trader1", "trader2", "trader3", "trader4", "searcher", "wallet"]) {
      const { address } = devnetAccount(devnet, label);
      const balance = (token: `0x${string}`) =>
        client().readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [address] });
      expect(await balance(tokens.WETH)).toBe(parseEther("100"));
      expect(await balance(tokens.USDC)).toBe(parseUnits("1000000", 6));
      expect(await balance(tokens.DAI)).toBe(parseEther("1000000"));
      expect(await client().getBalance({ address })).toBeGreaterThan(parseEther("9000"));
    }
  });

  it("should create the three pools with the lp's liquidity", async () => {
    const { pairs } = devnet.contracts.uniswapV2;
    expect(Object.keys(pairs).sort()).toEqual(["DAI/USDC", "WETH/DAI", "WETH/USDC"]);
    const lp = devnetAccount(devnet, "lp").address;
    for (const pair of Object.values(pairs)) {
      const [r0, r1] = (await client().readContract({
        address: pair,
        abi: pairAbi,
        functionName: "getReserves",
      })) as [bigint, bigint];
      expect(r0).toBeGreaterThan(0n);
      expect(r1).toBeGreaterThan(0n);
      const lpShares = await client().readContract({
        address: pair,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [lp],
      });
      expect(lpShares).toBeGreaterThan(0n);
    }
  });

  it("should deploy the settlement with the operator and the three pools allow-listed", async () => {
    const settlement = devnet.contracts.settlement;
    const read = (functionName: "revealDelay" | "expiry") =>
      client().readContract({ address: settlement, abi: veilSettlementAbi, functionName });
    expect(await read("revealDelay")).toBe(2n);
    expect(await read("expiry")).toBe(20n);
    const operator = devnet.accounts[1]!.address;
    expect(
      await client().readContract({
        address: settlement,
        abi: veilSettlementAbi,
        functionName: "isOperator",
        args: [operator],
      }),
    ).toBe(true);
    for (const pair of Object.values(devnet.contracts.uniswapV2.pairs)) {
      expect(
        await client().readContract({
          address: settlement,
          abi: veilSettlementAbi,
          functionName: "isPool",
          args: [pair],
        }),
      ).toBe(true);
    }
  });

  it("should mine blocks only when the builder builds one (slotMs null)", async () => {
    const before = await client().getBlockNumber();
    await new Promise((r) => setTimeout(r, 300));
    expect(await client().getBlockNumber()).toBe(before);
    expect(await devnet.buildBlock()).toBe(before + 1n);
    expect(await client().getBlockNumber()).toBe(before + 1n);
  });

  it("should revert to a snapshot", async () => {
    const id = await devnet.snapshot();
    const at = await client().getBlockNumber();
    await devnet.buildBlock();
    await devnet.buildBlock();
    await devnet.revert(id);
    expect(await client().getBlockNumber()).toBe(at);
  });

  it("should serialize to the devnet.json shape", () => {
    const json = JSON.parse(JSON.stringify(devnet));
    expect(Object.keys(json).sort()).toEqual(["accounts", "builderUrl", "chainId", "contracts", "rpcUrl"]);
    expect(json.chainId).toBe(31337);
    expect(Object.keys(json.contracts).sort()).toEqual(["settlement", "tokens", "uniswapV2"]);
  });

  it("should start a second devnet from the cached state with the same contracts and balances", async () => {
    const second = await startDevnet({ slotMs: null });
    try {
      expect(second.contracts).toEqual(devnet.contracts);
      expect(second.rpcUrl).not.toBe(devnet.rpcUrl);
      const lp = devnetAccount(devnet, "lp").address;
      const pair = devnet.contracts.uniswapV2.pairs["WETH/USDC"]!;
      const shares = (url: string) =>
        createPublicClient({ transport: http(url) }).readContract({
          address: pair,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [lp],
        });
      expect(await shares(second.rpcUrl)).toBe(await shares(devnet.rpcUrl));
      const before = await createPublicClient({ transport: http(second.rpcUrl) }).getBlockNumber();
      expect(await second.buildBlock()).toBe(before + 1n);
    } finally {
      await second.stop();
    }
  });
});
