import { createWalletClient, defineChain, type Hex, http, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import {
  api,
  approveAll,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

// Audit finding F4: only the operator that committed a batch may settle it. A relay restarted with another
// (allow-listed) operator key must not try to settle the old key's batches: it says so in its log, leaves the
// batch to expire, and its orders end with a reason (never executed, never lost).
describe("relay restarted with another operator key", () => {
  let env: RelayDevnet;
  let pub: Hex;

  beforeAll(async () => {
    env = await startRelayDevnet({
      driveBlocksMs: 300,
      extraArgs: ["--batch-interval-ms", "1000", "--reveal-window", "6", "--log-level", "info"],
    });
    pub = (await api(env.url, "/v1/info")).body.eciesPublicKey;
    await approveAll(env.devnet, "trader1");
    // the owner allow-lists a second operator (the "lp" account)
    const chain = defineChain({
      id: env.devnet.chainId,
      name: "devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [env.devnet.builderUrl] } },
    });
    const owner = createWalletClient({
      account: privateKeyToAccount(keyOf(env.devnet, "deployer")),
      chain,
      transport: http(env.devnet.builderUrl),
    });
    const hash = await owner.writeContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "setOperator",
      args: [privateKeyToAccount(keyOf(env.devnet, "lp")).address, true],
    });
    await env.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("should leave a batch the old key committed alone, with a clear log, and end its order with a reason", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const signed = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount: parseEther("0.2"),
      minBuyAmount: parseUnits("1", 6),
    });
    const r = await api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(pub, signed) } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const committed = await waitForOrder(env, r.body.id, (o) => o.state === "committed");
    // the reveal window (6 blocks) keeps the old key from settling before the switch
    await env.blocks.pause();
    const warned = env.waitForLog(/committed by another operator key/, undefined, 120_000);
    await env.restart("SIGKILL", ["--operator-key", keyOf(env.devnet, "lp")]);
    env.blocks.resume();
    const line = await warned;
    expect(line).toMatch(new RegExp(`"chainBatchId":"?${committed.chainBatchId}"?[,}]`));
    const final = await waitForOrder(env, r.body.id, undefined, 120_000);
    expect(final.state).toBe("unfilled");
    expect(["COMMIT_DEADLINE_PASSED", "BATCH_EXPIRED"]).toContain(final.reason);
    const [, , , settled] = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "batches",
      args: [BigInt(committed.chainBatchId)],
    });
    expect(settled).toBe(false);
    expect(
      env.logs.some((l) => l.includes("NotBatchOperator") && l.includes("settle does not simulate")),
    ).toBe(false);
  });
});
