import { type Address, type Hex, hexToBigInt, parseGwei } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createVeilClient, type Order } from "../../client/index.js";
import { devnetAccount } from "../devnet/devnetAccounts.js";
import { rpcCall } from "../devnet/jsonRpc.js";
import type { Prng } from "../scenarios/prng.js";
import type { ChaosWorld } from "./chaosWorld.js";

/** An order the relay accepted (2xx): what the audit checks against the chain. */
export type AcceptedOrder = {
  id: Hex;
  mode: "sealed" | "commit";
  trader: Address;
  order: Order;
  acceptedAtMs: number;
  acceptedAtBlock: bigint;
  /** Commit mode: when the client's reveal was answered (it reveals only once the head is past commitBy). */
  revealedAtMs?: number;
};

/** A private tx the relay's /rpc accepted (returned its hash). */
export type AcceptedTx = { hash: Hex; nonce: number; acceptedAtMs: number };

const TRADERS = ["trader1", "trader2", "trader3", "trader4"];
/** Orders a trader keeps in flight at once (commit-mode ones wait for their batch before revealing). */
const IN_FLIGHT_PER_TRADER = 3;

/**
 * Steady load for the chaos run: every trader sends sealed and commit-mode orders through the real client
 * (alternating WETH->USDC and USDC->WETH, limits the pool always meets), and the `wallet` account sends ETH
 * transfers through the relay's /rpc one after another. Submissions that fail (relay down, node restarting)
 * are counted, not retried: only what the relay accepted is audited.
 */
export class ChaosLoad {
  readonly orders: AcceptedOrder[] = [];
  readonly txs: AcceptedTx[] = [];
  submitErrors = 0;
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly world: ChaosWorld,
    private readonly prng: Prng,
    private readonly pauseMs = 400,
  ) {}

  start(): void {
    for (const label of TRADERS) this.loops.push(this.traderLoop(label));
    this.loops.push(this.walletLoop());
  }

  /** Stops sending and waits for the submissions in flight (commit-mode reveals included). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private key(label: string): Hex {
    return devnetAccount(this.world.devnet, label).privateKey;
  }

  private async traderLoop(label: string): Promise<void> {
    const { devnet } = this.world;
    const veil = createVeilClient({
      relayUrl: this.world.relayUrl,
      rpcUrl: devnet.rpcUrl,
      account: privateKeyToAccount(this.key(label)),
      settlement: devnet.contracts.settlement,
      tokens: devnet.contracts.tokens,
      pollingIntervalMs: 200,
    });
    await this.retry(() => veil.ensureAllowance({ token: "WETH" }));
    await this.retry(() => veil.ensureAllowance({ token: "USDC" }));
    const inFlight = new Set<Promise<void>>();
    let i = 0;
    while (this.running) {
      if (inFlight.size >= IN_FLIGHT_PER_TRADER) await Promise.race(inFlight);
      const sellWeth = i++ % 2 === 0;
      const mode = this.prng.next() < 0.5 ? "sealed" : "commit";
      const p = this.submit(veil, mode, sellWeth).finally(() => inFlight.delete(p));
      inFlight.add(p);
      await new Promise((r) => setTimeout(r, this.pauseMs + this.prng.int(0, this.pauseMs)));
    }
    await Promise.all(inFlight);
  }

  private async submit(
    veil: ReturnType<typeof createVeilClient>,
    mode: "sealed" | "commit",
    sellWeth: boolean,
  ): Promise<void> {
    try {
      const trade = sellWeth
        ? { sellToken: "WETH", buyToken: "USDC", sellAmount: "0.01", minBuyAmount: "0.01" }
        : { sellToken: "USDC", buyToken: "WETH", sellAmount: "10", minBuyAmount: "0.000001" };
      const order = await veil.buildOrder(trade);
      const head = BigInt(await rpcCall<Hex>(this.world.devnet.rpcUrl, "eth_blockNumber"));
      const record = (id: Hex) => {
        const accepted: AcceptedOrder = {
          id,
          mode,
          trader: order.trader,
          order,
          acceptedAtMs: Date.now(),
          acceptedAtBlock: head,
        };
        this.orders.push(accepted);
        return accepted;
      };
      if (mode === "sealed") {
        const { id } = await veil.submitSealed({ order });
        record(id);
      } else {
        let recorded: AcceptedOrder | null = null;
        await veil.submitCommitted({
          order,
          timeoutMs: 60_000,
          onState: (s) => {
            recorded ??= record(s.id as Hex);
          },
        });
        if (recorded) (recorded as AcceptedOrder).revealedAtMs = Date.now();
      }
    } catch {
      this.submitErrors++;
    }
  }

  private async walletLoop(): Promise<void> {
    const account = privateKeyToAccount(this.key("wallet"));
    const rpc = `${this.world.relayUrl}/rpc`;
    while (this.running) {
      try {
        const nonce = Number(
          hexToBigInt(await rpcCall<Hex>(rpc, "eth_getTransactionCount", [account.address, "pending"])),
        );
        const block = await rpcCall<{ baseFeePerGas: Hex }>(rpc, "eth_getBlockByNumber", ["latest", false]);
        const raw = await account.signTransaction({
          chainId: this.world.devnet.chainId,
          type: "eip1559",
          nonce,
          to: `0x${this.prng.int(1, 0xffffff).toString(16).padStart(40, "0")}`,
          value: 1n,
          gas: 21_000n,
          maxFeePerGas: hexToBigInt(block.baseFeePerGas) * 3n + parseGwei("1"),
          maxPriorityFeePerGas: parseGwei("1"),
        });
        const hash = await rpcCall<Hex>(rpc, "eth_sendRawTransaction", [raw]);
        this.txs.push({ hash, nonce, acceptedAtMs: Date.now() });
        await this.waitNotPending(hash, 30_000);
      } catch {
        this.submitErrors++;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async waitNotPending(hash: Hex, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running && Date.now() < until) {
      const status = await fetch(`${this.world.relayUrl}/tx/${hash}`)
        .then((r) => r.json() as Promise<{ status?: string }>)
        .catch(() => ({ status: "PENDING" }));
      if (status.status !== "PENDING") return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async retry<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= attempts) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
