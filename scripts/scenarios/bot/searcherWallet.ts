import { type Address, encodeFunctionData, type Hex, maxUint256, type PublicClient } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { erc20Abi, routerSwapAbi } from "./uniswapAbis.js";

/** Gas limit the bot gives each router swap (a V2 single-hop swap uses ~100-120k). */
export const SWAP_GAS_LIMIT = 250_000n;
/** Gas the bot assumes a swap burns when it prices its bid (before simulation tells it exactly). */
export const SWAP_GAS_ESTIMATE = 120_000n;

/** Fees of one EIP-1559 transaction. */
export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/**
 * The searcher's key: signs router swaps and approvals locally (nothing leaves the bot before it chooses
 * to send it).
 */
export class SearcherWallet {
  readonly account: PrivateKeyAccount;

  constructor(
    readonly client: PublicClient,
    privateKey: Hex,
    readonly chainId: number,
    readonly router: Address,
  ) {
    this.account = privateKeyToAccount(privateKey);
  }

  get address(): Address {
    return this.account.address;
  }

  /** Next nonce from the node (pending pool included). */
  async nonce(): Promise<number> {
    return this.client.getTransactionCount({ address: this.address, blockTag: "pending" });
  }

  /** Fees for the next block: base fee headroom x2 plus the given tip. */
  async fees(tip: bigint): Promise<Fees> {
    const block = await this.client.getBlock({ blockTag: "latest" });
    const base = block.baseFeePerGas ?? 0n;
    return { maxFeePerGas: base * 2n + tip, maxPriorityFeePerGas: tip };
  }

  /** Signs `swapExactTokensForTokens(amountIn, minOut, [tokenIn, tokenOut], self, deadline)`. */
  async signSwap(args: {
    tokenIn: Address;
    tokenOut: Address;
    amountIn: bigint;
    minOut: bigint;
    deadline: bigint;
    nonce: number;
    fees: Fees;
  }): Promise<Hex> {
    const data = encodeFunctionData({
      abi: routerSwapAbi,
      functionName: "swapExactTokensForTokens",
      args: [args.amountIn, args.minOut, [args.tokenIn, args.tokenOut], this.address, args.deadline],
    });
    return this.account.signTransaction({
      type: "eip1559",
      chainId: this.chainId,
      to: this.router,
      data,
      nonce: args.nonce,
      gas: SWAP_GAS_LIMIT,
      ...args.fees,
    });
  }

  /** Signs max approvals of the router for each token the bot trades (sent once, before it hunts). */
  async signApprovals(tokens: Address[]): Promise<Hex[]> {
    let nonce = await this.nonce();
    const fees = await this.fees(10n ** 9n);
    const out: Hex[] = [];
    for (const token of tokens) {
      const data = encodeFunctionData({
        abi: erc20Abi,
        functionName: "approve",
        args: [this.router, maxUint256],
      });
      out.push(
        await this.account.signTransaction({
          type: "eip1559",
          chainId: this.chainId,
          to: token,
          data,
          nonce: nonce++,
          gas: 80_000n,
          ...fees,
        }),
      );
    }
    return out;
  }

  /** The bot's balance of a token (its capital for a front-run). */
  async balanceOf(token: Address): Promise<bigint> {
    return this.client.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [this.address],
    });
  }
}
