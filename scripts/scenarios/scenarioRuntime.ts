import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { rpcCall } from "../devnet/jsonRpc.js";
import type { BotAction, SearcherBot } from "./bot/searcherBot.js";
import { erc20Abi } from "./bot/uniswapAbis.js";
import type { ScenarioDevnet, ScenarioEnv } from "./scenario.js";

type Symbol = "WETH" | "USDC" | "DAI";
export const SYMBOLS: Symbol[] = ["WETH", "USDC", "DAI"];

/**
 * The chain-side machinery of a run: reads through anvil directly (the measuring instrument, not what bots
 * see), one block at a time. `step()` gives every active bot its turn on the pending pool, then asks the
 * builder for the next block, so a run does not depend on wall-clock timing.
 */
export class ScenarioRuntime {
  readonly client: PublicClient;
  botsActive = false;
  readonly botLog: BotAction[] = [];

  constructor(
    readonly env: ScenarioEnv,
    readonly bots: SearcherBot[],
  ) {
    this.client = createPublicClient({ transport: http(env.devnet.rpcUrl), cacheTime: 0 });
  }

  get devnet(): ScenarioDevnet {
    return this.env.devnet;
  }

  token(symbol: Symbol): Address {
    return getAddress(this.devnet.contracts.tokens[symbol]);
  }

  /** Bots look at the pool (if active), then one block is built. Returns the new block number. */
  async step(): Promise<bigint> {
    if (this.botsActive) {
      for (const bot of this.bots) {
        try {
          this.botLog.push(...(await bot.tick()));
        } catch (err) {
          this.botLog.push({ bot: bot.name, kind: "skip", reason: `bot error: ${(err as Error).message}` });
        }
      }
    }
    return this.devnet.buildBlock();
  }

  /** Highest block seen so far (see {@link catchUp}). */
  private maxHeight = 0n;

  /** Highest nonce seen per devnet account (see {@link catchUp}). */
  private readonly maxNonce = new Map<Address, number>();

  /** The base fee of the starting state's head, which every replay's first block gets again. */
  private baseFeeAnchor: bigint | null = null;

  /** Notes the current height and account nonces before the runner reverts to a snapshot. */
  private async noteHeight(): Promise<void> {
    const head = await this.client.getBlockNumber();
    if (head > this.maxHeight) this.maxHeight = head;
    for (const { address } of this.devnet.accounts) {
      const n = await this.client.getTransactionCount({ address });
      if (n > (this.maxNonce.get(address) ?? 0)) this.maxNonce.set(address, n);
    }
  }

  /**
   * Ends a replay: reverts to `snap` (the starting state), catches up (see {@link catchUp}) and returns a new
   * snapshot of the result for the next reset. The snapshot is taken after the catch-up blocks, so each
   * reset mines only the blocks of the last replay (taken before them, every reset would re-mine every
   * block of the run so far, and a run would slow down quadratically).
   * @example snap = await rt.reset(snap)
   */
  async reset(snap: Hex): Promise<Hex> {
    await this.noteHeight();
    await this.devnet.revert(snap);
    await this.catchUp();
    return this.devnet.snapshot();
  }

  /**
   * After a revert: drops leftover pending transactions of the previous route, and mines empty blocks up to
   * the highest height seen, then gives the next block the starting state's base fee. Balances and reserves
   * stay those of the snapshot, but block numbers only ever go up, so stale bundles (targeted at old
   * heights) can never land and the relay (which acts only on heights above the highest it has seen) keeps
   * working. Account nonces are raised the same way, so a transaction signed in an earlier route (that a
   * private relay may still be re-sending after the revert) can never land in a later one.
   */
  private async catchUp(): Promise<void> {
    const url = this.devnet.rpcUrl;
    await rpcCall(url, "anvil_dropAllTransactions", []);
    for (const [address, nonce] of this.maxNonce) {
      if ((await this.client.getTransactionCount({ address })) < nonce) {
        await rpcCall(url, "anvil_setNonce", [address, toHex(nonce)]);
      }
    }
    const block = await this.client.getBlock({ blockTag: "latest" });
    // the first reset reverts to the run's starting state: its head's base fee is the anchor from then on
    this.baseFeeAnchor ??= block.baseFeePerGas ?? 0n;
    if (block.number < this.maxHeight) {
      await rpcCall(url, "anvil_mine", [toHex(this.maxHeight - block.number), toHex(1)]);
    }
    await rpcCall(url, "anvil_setNextBlockBaseFeePerGas", [toHex(this.baseFeeAnchor)]);
  }

  /** Sends raw transactions publicly and builds blocks until all are mined (set-up only). */
  async sendAndMine(raws: Hex[]): Promise<void> {
    const hashes: Hex[] = [];
    for (const raw of raws) hashes.push(await this.client.sendRawTransaction({ serializedTransaction: raw }));
    for (let i = 0; i < 10; i++) {
      await this.devnet.buildBlock();
      const receipts = await Promise.all(
        hashes.map((hash) => this.client.getTransactionReceipt({ hash }).catch(() => null)),
      );
      if (receipts.every((r) => r !== null)) {
        const failed = receipts.find((r) => r?.status !== "success");
        if (failed) throw new Error(`set-up transaction ${failed.transactionHash} reverted`);
        return;
      }
    }
    throw new Error("set-up transactions were not mined within 10 blocks");
  }

  /** Traders approve the router and the settlement contract for every token; bots run their prepare(). */
  async setUp(traders: string[]): Promise<void> {
    const raws: Hex[] = [];
    const { router } = this.devnet.contracts.uniswapV2;
    const spenders = [router, this.devnet.contracts.settlement];
    for (const label of traders) {
      const acct = privateKeyToAccount(this.env.account(label).privateKey);
      let nonce = await this.client.getTransactionCount({ address: acct.address, blockTag: "pending" });
      const fees = await this.fees(10n ** 9n);
      for (const symbol of SYMBOLS) {
        for (const spender of spenders) {
          const data = encodeFunctionData({
            abi: erc20Abi,
            functionName: "approve",
            args: [spender, maxUint256],
          });
          raws.push(
            await acct.signTransaction({
              type: "eip1559",
              chainId: this.devnet.chainId,
              to: this.token(symbol),
              data,
              nonce: nonce++,
              gas: 80_000n,
              ...fees,
            }),
          );
        }
      }
    }
    for (const bot of this.bots) raws.push(...(await bot.prepare()));
    await this.sendAndMine(raws);
  }

  /** EIP-1559 fees for the next block with the given tip. */
  async fees(tip: bigint): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const block = await this.client.getBlock({ blockTag: "latest" });
    return { maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + tip, maxPriorityFeePerGas: tip };
  }

  async balance(token: Symbol, owner: Address): Promise<bigint> {
    return this.client.readContract({
      address: this.token(token),
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [owner],
    });
  }

  /** ETH plus every token of `owner`, for before/after profit accounting. */
  async holdings(owner: Address): Promise<Record<Symbol | "ETH", bigint>> {
    const [ETH, WETH, USDC, DAI] = await Promise.all([
      this.client.getBalance({ address: owner }),
      this.balance("WETH", owner),
      this.balance("USDC", owner),
      this.balance("DAI", owner),
    ]);
    return { ETH, WETH, USDC, DAI };
  }

  /** Wei of WETH per 1e18 smallest units of each token, at the WETH pools' mid prices (for valuations). */
  async midPrices(): Promise<Record<Symbol, bigint>> {
    const out: Record<Symbol, bigint> = { WETH: 10n ** 18n, USDC: 0n, DAI: 0n };
    for (const symbol of ["USDC", "DAI"] as const) {
      const pair = this.devnet.contracts.uniswapV2.pairs[`WETH/${symbol}`];
      if (!pair) continue;
      const [wethBal, tokBal] = await Promise.all([
        this.client.readContract({
          address: this.token("WETH"),
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [pair],
        }),
        this.client.readContract({
          address: this.token(symbol),
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [pair],
        }),
      ]);
      out[symbol] = tokBal === 0n ? 0n : (wethBal * 10n ** 18n) / tokBal;
    }
    return out;
  }
}
