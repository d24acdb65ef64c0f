import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type Hex, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  hashOrder,
  ORDER_TYPES,
  type Order,
  orderLeaf,
  randomSalt,
  veilDomain,
} from "../../client/order/order.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { Batcher } from "../../relay/batch/batcher.js";
import { loadConfig } from "../../relay/config.js";
import { IntakeService } from "../../relay/intake/intakeService.js";
import { type RunningRelay, startRelay } from "../../relay/startRelay.js";
import { markCommitted } from "../../relay/transitions/settleTransitions.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { devnetRelayOptions } from "../../scripts/devnet/spawnRelay.js";
import { type Devnet, startDevnet } from "./devnet.js";

/** A relay started in this process (real store, intake, batcher) on a devnet that builds no block by itself. */
export type InProcessRelay = {
  devnet: Devnet;
  relay: RunningRelay;
  intake: IntakeService;
  keyOf(label: string): Hex;
  /** A fresh nonce for a test order. */
  nextNonce(): bigint;
  /** A signed WETH -> USDC order of `label` (USDC -> WETH with `reverse`), committable in the next 3 blocks. */
  signed(
    label: string,
    opts?: { nonce?: bigint; amount?: bigint; reverse?: boolean; commitBy?: bigint; feeAmount?: bigint },
  ): Promise<SignedOrder>;
  leafOf(s: SignedOrder): Hex;
  /**
   * Closes the open batch, freezes it and records its commit as landed in the current head block (chain batch
   * id = its id, a made-up tx hash distinct per call); returns its id. Throws if the batch did not freeze.
   */
  commitOpenBatch(): Promise<number>;
  stop(): Promise<void>;
};

/**
 * Starts the relay in-process, so a test can move batches itself (rotate, freeze, mark committed) and reach the
 * intake service directly. The batcher never closes a batch on its own (1 h interval), funds are not checked
 * and the reveal window is 3 blocks; `extraArgs` adds or overrides flags.
 */
export async function startInProcessRelay(
  extraArgs: string[] = [],
  firstNonce = 1_000n,
): Promise<InProcessRelay> {
  const devnet = await startDevnet({ slotMs: null });
  const dataDir = mkdtempSync(join(tmpdir(), "veil-in-process-"));
  const o = devnetRelayOptions(devnet);
  const config = loadConfig(
    [
      ...["--rpc-url", o.rpcUrl, "--builder-url", o.builderUrl, "--settlement", o.settlement],
      ...["--pools", o.pools.join(","), "--data-dir", dataDir, "--port", "0", "--rate-limit", "0"],
      ...["--batch-interval-ms", "3600000", "--reveal-window", "3", "--check-funds", "false"],
      ...extraArgs,
    ],
    {
      VEIL_OPERATOR_KEY: o.operatorKey,
      VEIL_AUTH_KEY: o.authKey,
      VEIL_FEE_POLICY: process.env.VEIL_FEE_POLICY,
    },
  );
  const relay = await startRelay(config, pino({ level: "silent" }));
  const intake = new IntakeService(relay.ctx);
  const keyOf = (label: string): Hex => devnetAccount(devnet, label).privateKey;
  let nonce = firstNonce;
  let commits = 0;
  return {
    devnet,
    relay,
    intake,
    keyOf,
    nextNonce: () => nonce++,
    async signed(label, opts = {}) {
      const account = privateKeyToAccount(keyOf(label));
      const { WETH, USDC } = devnet.contracts.tokens;
      const order: Order = {
        trader: account.address,
        sellToken: opts.reverse ? USDC : WETH,
        buyToken: opts.reverse ? WETH : USDC,
        sellAmount: opts.amount ?? (opts.reverse ? parseUnits("1000", 6) : parseEther("1")),
        minBuyAmount: opts.reverse ? parseEther("0.1") : parseUnits("100", 6),
        nonce: opts.nonce ?? nonce++,
        validTo: BigInt(Math.floor(Date.now() / 1000) + 600),
        // The least lead intake accepts (the devnet builds no block by itself): a batch frozen now commits a
        // commit-mode order only this close to its commitBy (a later one waits in the open batch: defersCommitMode).
        commitBy: opts.commitBy ?? relay.ctx.head.block + 3n,
        feeAmount: opts.feeAmount ?? 0n,
      };
      const signature = await account.signTypedData({
        domain: veilDomain(devnet.chainId, devnet.contracts.settlement),
        types: ORDER_TYPES,
        primaryType: "Order",
        message: order,
      });
      return { order, signature, salt: randomSalt() };
    },
    leafOf: (s) => orderLeaf(hashOrder(s.order, devnet.chainId, devnet.contracts.settlement), s.salt),
    async commitOpenBatch() {
      const { ctx } = relay;
      const id = await ctx.openBatch.rotate();
      await new Batcher(ctx).closeFull();
      const batch = await ctx.store.getBatch(id);
      if (batch?.state !== "committing")
        throw new Error(`batch ${id} did not freeze (state ${batch?.state})`);
      const txHash = `0x${(++commits).toString(16).padStart(64, "c")}` as Hex;
      await markCommitted(ctx, batch, BigInt(id), ctx.head.block, txHash);
      return id;
    },
    async stop() {
      await relay.close();
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
