import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  http,
  type Log,
  type PublicClient,
  parseAbi,
  parseEventLogs,
  type TransactionReceipt,
  toHex,
} from "viem";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";

const pairAbi = parseAbi([
  "function token0() view returns (address)",
  "function token1() view returns (address)",
  "function getReserves() view returns (uint112, uint112, uint32)",
]);
const [syncEvent] = parseAbi(["event Sync(uint112 reserve0, uint112 reserve1)"]);
const eip1271Abi = parseAbi(["function isValidSignature(bytes32, bytes) view returns (bytes4)"]);
/** The EIP-1271 magic value as the one ABI word the contract requires back. */
const EIP1271_MAGIC_WORD = `0x1626ba7e${"00".repeat(28)}`;

/** On-chain record of a committed batch. */
export type ChainBatch = {
  root: Hex;
  leafCount: number;
  commitBlock: bigint;
  settled: boolean;
  operator: Address;
};

/** A decoded `Trade` event. */
export type TradeEvent = {
  batchId: bigint;
  trader: Address;
  orderDigest: Hex;
  sellAmount: bigint;
  buyAmount: bigint;
  txHash: Hex;
  blockNumber: bigint;
};

/**
 * Every read the relay makes from the node, in one place, over one viem client with JSON-RPC batching (many
 * small reads of one tick travel in one HTTP request).
 * @example const chain = createChainReader(config.rpcUrl, config.settlement)
 */
export function createChainReader(rpcUrl: string, settlement: Address) {
  const client: PublicClient = createPublicClient({
    transport: http(rpcUrl, { batch: { wait: 0 }, retryCount: 1, timeout: 10_000 }),
  });
  // Reads of the settlement contract: function names, arguments and results are typed from its ABI.
  const settlementContract = { address: settlement, abi: veilSettlementAbi } as const;

  /** The contract's `EIP1271_GAS_LIMIT`, read once on the first contract-wallet check. */
  let walletGasCap: bigint | undefined;
  return {
    client,
    settlement,
    chainId: () => client.getChainId(),
    blockNumber: () => client.getBlockNumber({ cacheTime: 0 }),
    latestBlock: () => client.getBlock({ blockTag: "latest" }),
    /** The canonical block at height `n` (null when the node has no such block: it went back). */
    async blockByNumber(n: bigint) {
      try {
        return await client.getBlock({ blockNumber: n });
      } catch (err) {
        if ((err as Error).name === "BlockNotFoundError") return null;
        throw err;
      }
    },
    revealDelay: async () =>
      BigInt(await client.readContract({ ...settlementContract, functionName: "revealDelay" })),
    expiry: async () => BigInt(await client.readContract({ ...settlementContract, functionName: "expiry" })),
    isOperator: (who: Address) =>
      client.readContract({ ...settlementContract, functionName: "isOperator", args: [who] }),
    isPool: (pair: Address) =>
      client.readContract({ ...settlementContract, functionName: "isPool", args: [pair] }),
    nonceBitmap: (trader: Address, word: bigint) =>
      client.readContract({ ...settlementContract, functionName: "nonceBitmap", args: [trader, word] }),
    async batch(chainBatchId: bigint): Promise<ChainBatch> {
      const [root, leafCount, commitBlock, settled, operator] = await client.readContract({
        ...settlementContract,
        functionName: "batches",
        args: [chainBatchId],
      });
      return { root, leafCount: Number(leafCount), commitBlock: BigInt(commitBlock), settled, operator };
    },
    balanceOf: (token: Address, owner: Address) =>
      client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] }),
    allowance: (token: Address, owner: Address) =>
      client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [owner, settlement],
      }),
    symbol: (token: Address) =>
      client.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }),
    async pairTokens(pair: Address): Promise<[Address, Address]> {
      const [t0, t1] = await Promise.all([
        client.readContract({ address: pair, abi: pairAbi, functionName: "token0" }),
        client.readContract({ address: pair, abi: pairAbi, functionName: "token1" }),
      ]);
      return [t0, t1];
    },
    async reserves(pair: Address): Promise<[bigint, bigint]> {
      const [r0, r1] = await client.readContract({
        address: pair,
        abi: pairAbi,
        functionName: "getReserves",
      });
      return [r0, r1];
    },
    /**
     * EIP-1271: true when `account` is a contract that accepts `signature` for `digest` under the contract's
     * own rules: at most `EIP1271_GAS_LIMIT` gas for the wallet, and exactly one 32-byte word back holding
     * the magic value (a wallet answering with more, e.g. a return bomb, is refused as the settle would).
     * A wallet can still answer the relay differently from the settlement: settle-time failures are named
     * (InvalidSignature) or bisected by the operator loop.
     */
    async isValidContractSignature(
      account: Address,
      digest: Hex,
      signature: Hex,
      knownCode?: Hex, // the account's code when the caller read it already (one node call less)
    ): Promise<boolean> {
      const code = knownCode ?? (await client.getCode({ address: account }));
      if (!code || code === "0x") return false;
      walletGasCap ??= BigInt(
        await client.readContract({ ...settlementContract, functionName: "EIP1271_GAS_LIMIT" }),
      );
      const data = encodeFunctionData({
        abi: eip1271Abi,
        functionName: "isValidSignature",
        args: [digest, signature],
      });
      try {
        // A raw eth_call with no retry: the node answers a wallet that runs out of gas with an error that
        // viem's transport would retry with backoff (150 ms, then more), making a stranger's refused
        // signature cost far more than the capped call itself.
        const res = await client.request(
          {
            method: "eth_call",
            params: [
              {
                from: settlement, // as the settlement calls it: a wallet that singles it out is caught here
                to: account,
                data,
                // the wallet's cap plus this top-level call's intrinsic and calldata gas
                gas: toHex(walletGasCap + 21_000n + 16n * BigInt((data.length - 2) / 2)),
              },
              "latest",
            ],
          },
          { retryCount: 0 },
        );
        return typeof res === "string" && res.toLowerCase() === EIP1271_MAGIC_WORD;
      } catch (err) {
        // the node not answering is not the wallet refusing: the caller must not cache it as a refusal
        const name = (err as Error).name;
        if (name === "HttpRequestError" || name === "TimeoutError") throw err;
        return false;
      }
    },
    nonceOf: (account: Address) => client.getTransactionCount({ address: account, blockTag: "latest" }),
    async receipt(txHash: Hex): Promise<TransactionReceipt | null> {
      try {
        return await client.getTransactionReceipt({ hash: txHash });
      } catch (err) {
        if ((err as Error).name === "TransactionReceiptNotFoundError") return null;
        throw err;
      }
    },
    /** The on-chain batch id assigned by the `BatchCommitted` event in a commit receipt. */
    committedBatchId(receipt: TransactionReceipt): bigint | null {
      const logs = parseEventLogs({
        abi: veilSettlementAbi,
        logs: receipt.logs.filter((l) => l.address.toLowerCase() === settlement.toLowerCase()) as Log[],
        eventName: "BatchCommitted",
      });
      return logs.length > 0 ? logs[0].args.batchId : null;
    },
    /**
     * Blocks in `[fromBlock, toBlock]` in which any of `pairs` emitted `Sync` (was traded, minted, burnt or
     * synced): the blocks where the contract's same-block pool guard (F2) refuses a settle on those pools.
     */
    async poolTouchBlocks(pairs: readonly Address[], fromBlock: bigint, toBlock: bigint): Promise<bigint[]> {
      if (pairs.length === 0 || toBlock < fromBlock) return [];
      const logs = await client.getLogs({
        address: [...pairs],
        event: syncEvent,
        fromBlock,
        toBlock,
      });
      return [...new Set(logs.map((l) => l.blockNumber))].sort((a, b) => (a < b ? -1 : 1));
    },
    /** Every `Trade` event of one on-chain batch, found by its indexed batch id. */
    async tradesOf(chainBatchId: bigint, fromBlock: bigint): Promise<TradeEvent[]> {
      const logs = await client.getContractEvents({
        ...settlementContract,
        eventName: "Trade",
        args: { batchId: chainBatchId },
        fromBlock,
        toBlock: "latest",
        strict: true, // every field decoded (a log that does not match the ABI is skipped, not half-read)
      });
      return logs.map((l) => ({
        batchId: l.args.batchId,
        trader: l.args.trader,
        orderDigest: l.args.orderDigest.toLowerCase() as Hex,
        sellAmount: l.args.sellAmount,
        buyAmount: l.args.buyAmount,
        txHash: l.transactionHash,
        blockNumber: l.blockNumber,
      }));
    },
  };
}

export type ChainReader = ReturnType<typeof createChainReader>;
