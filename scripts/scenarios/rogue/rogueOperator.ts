import {
  type Address,
  createPublicClient,
  decodeErrorResult,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  maxUint256,
  parseAbi,
  parseEventLogs,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { veilSettlementAbi } from "../../../client/abi/veilSettlementAbi.js";
import { buildMerkleTree } from "../../../client/merkle/merkleTree.js";
import {
  hashOrder,
  ORDER_TYPES,
  type Order,
  orderLeaf,
  randomSalt,
  veilDomain,
} from "../../../client/order/order.js";
import type { SearcherBot } from "../bot/searcherBot.js";
import { callBundle, sendBundle } from "../bot/sendBundle.js";
import { erc20Abi, routerSwapAbi } from "../bot/uniswapAbis.js";
import type { ScenarioEnv } from "../scenario.js";
import type { ScenarioRuntime } from "../scenarioRuntime.js";

const pairSyncAbi = parseAbi(["function sync()"]);
/** Gas limits of the operator's and the attacker's transactions (generous: they are simulated first). */
const COMMIT_GAS = 200_000n;
const SETTLE_GAS = 1_500_000n;
const SWAP_GAS = 250_000n;
const TIP_WEI = 10n ** 9n;

/** A signed order as the operator learns it (sealed: at intake; commit mode: at the reveal). */
export type KnownOrder = { order: Order; signature: Hex; salt: Hex; leaf: Hex };

/** One settle trade, in the contract's `Trade` layout. */
type SettleTrade = ReturnType<typeof tradeOf>;

/** A settle call: who trades at which prices, and the residual swaps. */
export type SettleCall = {
  batchId: bigint;
  leaves: Hex[];
  tokens: Address[];
  prices: bigint[];
  trades: SettleTrade[];
  swaps: { pair: Address; tokenIn: Address; amountIn: bigint; minAmountOut: bigint }[];
};

/** What happened to a bundle the rogue operator sent: included or not, and the revert its settle got. */
export type BundleOutcome = { included: boolean; revert: string | null; blockNumber: bigint | null };

/** The contract's `Trade` tuple for a known order at leaf `leafIndex`, with token indices in `tokens`. */
export function tradeOf(k: KnownOrder, leafIndex: number, tokens: Address[]) {
  const o = k.order;
  return {
    leafIndex,
    sellTokenIndex: tokens.indexOf(o.sellToken),
    buyTokenIndex: tokens.indexOf(o.buyToken),
    trader: o.trader,
    sellAmount: o.sellAmount,
    minBuyAmount: o.minBuyAmount,
    nonce: o.nonce,
    validTo: o.validTo,
    commitBy: o.commitBy,
    feeAmount: o.feeAmount,
    salt: k.salt,
    signature: k.signature,
  };
}

/** Decodes a settle revert into `Name(args)` (or the raw data when it is not one of the contract's errors). */
export function describeRevert(revert: string | null | undefined): string {
  if (!revert || revert === "0x") return "reverted without data";
  try {
    const d = decodeErrorResult({ abi: veilSettlementAbi, data: revert as Hex });
    return `${d.errorName}(${(d.args ?? []).map((a) => String(a)).join(", ")})`;
  } catch {
    return `reverted (${revert.slice(0, 10)})`;
  }
}

/**
 * The attacker of audit findings F1 and F2: it holds the relay's operator key (it commits and settles
 * batches with it, as the relay does) and a trading account of its own (the devnet's `searcher`: pool
 * trades and counter-orders). Its gain is measured on the trading account only, by balances (the runner's
 * `measureRoute`); the operator key pays the gas of commits and settles, as an honest relay's would.
 * Everything goes to the builder as Flashbots bundles, so a bundle whose settle reverts is simply not
 * included: the attacker pays nothing for a failed attempt, and learns the revert from `eth_callBundle`.
 */
export class RogueOperator implements SearcherBot {
  readonly name = "rogue-operator";
  readonly operator: PrivateKeyAccount;
  readonly trader: PrivateKeyAccount;
  /** Bundle auth key (the relay's own, as a compromised relay would use). */
  private readonly authKey: Hex;
  /** Gas the operator key spent on transactions that landed (commits, settles), for the report's notes. */
  operatorGasWei = 0n;
  private counterNonce = 1n << 60n;

  constructor(private readonly env: ScenarioEnv) {
    this.operator = privateKeyToAccount(env.account("operator").privateKey);
    this.trader = privateKeyToAccount(env.account("searcher").privateKey);
    this.authKey = env.account("relay-auth").privateKey;
  }

  get address(): Address {
    return this.trader.address;
  }

  /** The attacker's trading account approves the router (pool trades) and the settlement (counter-orders). */
  async prepare(): Promise<Hex[]> {
    const { devnet } = this.env;
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    let nonce = await client.getTransactionCount({ address: this.trader.address, blockTag: "pending" });
    const block = await client.getBlock({ blockTag: "latest" });
    const fees = { maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + TIP_WEI, maxPriorityFeePerGas: TIP_WEI };
    const raws: Hex[] = [];
    for (const token of Object.values(devnet.contracts.tokens)) {
      for (const spender of [devnet.contracts.uniswapV2.router, devnet.contracts.settlement]) {
        raws.push(
          await this.trader.signTransaction({
            type: "eip1559",
            chainId: devnet.chainId,
            to: token,
            data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [spender, maxUint256] }),
            nonce: nonce++,
            gas: 80_000n,
            ...fees,
          }),
        );
      }
    }
    return raws;
  }

  /** It acts in the scenario's own steps (commit, settle, attack), never on the public pool. */
  async tick() {
    return [];
  }

  /** Signs a transaction of the operator key to the settlement contract. */
  async signOperatorTx(rt: ScenarioRuntime, data: Hex, gas: bigint, nonce: number): Promise<Hex> {
    return this.operator.signTransaction({
      type: "eip1559",
      chainId: rt.devnet.chainId,
      to: rt.devnet.contracts.settlement,
      data,
      nonce,
      gas,
      ...(await rt.fees(TIP_WEI)),
    });
  }

  /** The operator key's next nonce (the attacker is its only user during the scenario). */
  operatorNonce(rt: ScenarioRuntime): Promise<number> {
    return rt.client.getTransactionCount({ address: this.operator.address, blockTag: "latest" });
  }

  /** The attacker's trading account's next nonce. */
  traderNonce(rt: ScenarioRuntime): Promise<number> {
    return rt.client.getTransactionCount({ address: this.trader.address, blockTag: "latest" });
  }

  /**
   * Sends `txs` as one bundle for the next block, after simulating it (`eth_callBundle`) to learn the revert
   * of the transaction at `watch` (the settle), builds the block, and reports whether the bundle landed.
   */
  async bundle(rt: ScenarioRuntime, txs: Hex[], watch: number): Promise<BundleOutcome> {
    const url = rt.devnet.builderUrl;
    const target = (await rt.client.getBlockNumber()) + 1n;
    const sim = await callBundle(url, this.authKey, txs, target);
    const watched = sim[watch];
    const revert =
      watched && (watched.error !== undefined || watched.revert !== undefined)
        ? (watched.revert ?? "0x")
        : null;
    await sendBundle(url, this.authKey, txs, target);
    await rt.step();
    const receipt = await rt.client.getTransactionReceipt({ hash: keccak256(txs[watch]) }).catch(() => null);
    if (receipt) this.operatorGasWei += receipt.gasUsed * receipt.effectiveGasPrice;
    return {
      included: receipt !== null && receipt.status === "success",
      revert,
      blockNumber: receipt?.blockNumber ?? null,
    };
  }

  /** Commits a batch of `leaves` with the operator key; returns its on-chain id and commit block. */
  async commit(
    rt: ScenarioRuntime,
    leaves: Hex[],
  ): Promise<{ batchId: bigint; commitBlock: bigint; root: Hex }> {
    const { root } = buildMerkleTree(leaves);
    const data = encodeFunctionData({
      abi: veilSettlementAbi,
      functionName: "commit",
      args: [root, leaves.length],
    });
    const tx = await this.signOperatorTx(rt, data, COMMIT_GAS, await this.operatorNonce(rt));
    const out = await this.bundle(rt, [tx], 0);
    if (!out.included)
      throw new Error(`the rogue operator's commit did not land: ${describeRevert(out.revert)}`);
    const receipt = await rt.client.getTransactionReceipt({ hash: keccak256(tx) });
    const [ev] = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "BatchCommitted" });
    return { batchId: (ev.args as { batchId: bigint }).batchId, commitBlock: receipt.blockNumber, root };
  }

  /** Encodes `settle` for a call. */
  settleData(c: SettleCall): Hex {
    return encodeFunctionData({
      abi: veilSettlementAbi,
      functionName: "settle",
      args: [c.batchId, c.leaves, c.tokens, c.prices, c.trades, c.swaps],
    } as never);
  }

  /** A signed settle of the operator key with the next nonce. */
  async signSettle(rt: ScenarioRuntime, c: SettleCall): Promise<Hex> {
    return this.signOperatorTx(rt, this.settleData(c), SETTLE_GAS, await this.operatorNonce(rt));
  }

  /** The attacker's router swap `amountIn` of `tokenIn` for `tokenOut` (no minimum: it is its own trade). */
  async signSwap(
    rt: ScenarioRuntime,
    tokenIn: Address,
    tokenOut: Address,
    amountIn: bigint,
    nonce: number,
  ): Promise<Hex> {
    return this.trader.signTransaction({
      type: "eip1559",
      chainId: rt.devnet.chainId,
      to: rt.devnet.contracts.uniswapV2.router,
      data: encodeFunctionData({
        abi: routerSwapAbi,
        functionName: "swapExactTokensForTokens",
        args: [amountIn, 0n, [tokenIn, tokenOut], this.trader.address, maxUint256],
      }),
      nonce,
      gas: SWAP_GAS,
      ...(await rt.fees(TIP_WEI)),
    });
  }

  /** The attacker calls `sync()` on a pair: touches it without moving its price. */
  async signSync(rt: ScenarioRuntime, pair: Address, nonce: number): Promise<Hex> {
    return this.trader.signTransaction({
      type: "eip1559",
      chainId: rt.devnet.chainId,
      to: pair,
      data: encodeFunctionData({ abi: pairSyncAbi, functionName: "sync" }),
      nonce,
      gas: 100_000n,
      ...(await rt.fees(TIP_WEI)),
    });
  }

  /**
   * F1's counter-order, written after seeing `victim`: the attacker's own signed order on the other side,
   * buying the victim's sell amount for exactly the victim's limit (so the victim gets nothing above it).
   */
  async counterOrder(rt: ScenarioRuntime, victim: Order): Promise<KnownOrder> {
    const { chainId, contracts } = rt.devnet;
    const head = await rt.client.getBlockNumber();
    const order: Order = {
      trader: this.trader.address,
      sellToken: victim.buyToken,
      buyToken: victim.sellToken,
      sellAmount: victim.minBuyAmount,
      minBuyAmount: victim.sellAmount,
      nonce: this.counterNonce++,
      validTo: victim.validTo,
      commitBy: head + 10n,
      feeAmount: 0n,
    };
    const signature = await this.trader.signTypedData({
      domain: veilDomain(chainId, contracts.settlement),
      types: ORDER_TYPES,
      primaryType: "Order",
      message: order,
    });
    const salt = randomSalt();
    return { order, signature, salt, leaf: orderLeaf(hashOrder(order, chainId, contracts.settlement), salt) };
  }
}
