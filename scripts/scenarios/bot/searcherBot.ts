import type { Address, Hex } from "viem";

/** What a bot did about one pending transaction in one tick (for the scenario log; never fed back to it). */
export type BotAction = {
  bot: string;
  kind: "bundle" | "frontrun" | "backrun" | "skip";
  victim?: Hex;
  targetBlock?: string;
  frontIn?: string;
  expectedProfitWei?: string;
  bidWei?: string;
  reason?: string;
};

/**
 * A searcher that only sees what a real one sees: the public pending pool and chain state through a node
 * (here the builder URL, which proxies anvil), and acts by sending bundles or transactions to it.
 * A scenario gives it a turn with `tick()` before each block so runs are deterministic.
 */
export interface SearcherBot {
  readonly name: string;
  /** The account whose balances measure the bot's profit. */
  readonly address: Address;
  /** Signed one-time set-up transactions (token approvals); the caller sends them publicly and mines. */
  prepare(): Promise<Hex[]>;
  /** Looks at the pending pool now and acts; returns what it did. */
  tick(): Promise<BotAction[]>;
  /** What it read and did over the run, for the report's notes (optional). */
  stats?(): Record<string, unknown>;
  /** Closes what it holds open (event streams); called once at the end of a run (optional). */
  stop?(): void;
}
