import { type Address, createWalletClient, type Hex, http, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { devnetAccount } from "../../scripts/devnet/devnetAccounts.js";
import { operatorWealth } from "../helpers/operatorWealth.js";
import {
  api,
  approveAll,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

// Issue 17 acceptance, on a real devnet with the fee floor on: over a 50-order run every order signs the
// quoted fee, and the fees the relay collected (valued in wei at spot) exceed the gas its operator paid for
// the commits and settles of those batches (the relay's own metrics, read from receipts). And by balances:
// with the fee recipient set to the operator, the operator's wealth (ETH + the fee tokens at spot) ends
// higher than it started. Its ETH alone ends lower: gas is paid in ETH and nothing swaps fees back to ETH.
describe("operator economics over a 50-order run", () => {
  let env: RelayDevnet;
  let info: { eciesPublicKey: Hex };
  let operator: Address;
  const traders = ["trader1", "trader2", "trader3", "trader4"];

  beforeAll(async () => {
    env = await startRelayDevnet({
      slotMs: 500,
      extraArgs: ["--fee-policy", "enforce", "--rate-limit", "0", "--batch-interval-ms", "1500"],
    });
    info = (await api(env.url, "/v1/info")).body;
    for (const t of traders) await approveAll(env.devnet, t);
    // the owner (deployer) makes the operator its fee recipient: one account both pays the gas and earns
    operator = devnetAccount(env.devnet, "operator").address;
    const owner = createWalletClient({
      account: privateKeyToAccount(keyOf(env.devnet, "deployer")),
      transport: http(env.devnet.builderUrl),
    });
    const hash = await owner.writeContract({
      chain: null,
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "setFeeRecipient",
      args: [operator],
    });
    await env.client.waitForTransactionReceipt({ hash, timeout: 90_000 });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("should end with fees above the operator's gas (veil_operator_margin_wei > 0) and the operator richer", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const before = await operatorWealth(env.client, env.devnet, operator);
    const quoteOf = async (sell: string, buy: string, amount: bigint) =>
      (await api(env.url, `/v1/quote?sellToken=${sell}&buyToken=${buy}&sellAmount=${amount}`)).body;
    const ids: Hex[] = [];
    for (let round = 0; round < 5; round++) {
      const [qw, qu] = await Promise.all([
        quoteOf("WETH", "USDC", parseEther("0.05")),
        quoteOf("USDC", "WETH", parseUnits("150", 6)),
      ]);
      const signed = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const sellsWeth = i % 2 === 0;
          const q = sellsWeth ? qw : qu;
          return signOrder(env.devnet, traders[i % traders.length], {
            sell: sellsWeth ? WETH : USDC,
            buy: sellsWeth ? USDC : WETH,
            sellAmount: BigInt(q.sellAmount),
            minBuyAmount: (BigInt(q.buyAmount) * 9_000n) / 10_000n,
            feeAmount: BigInt(q.feeAmount),
          });
        }),
      );
      for (const s of signed) {
        const r = await api(env.url, "/v1/orders", {
          body: { ciphertext: sealOrder(info.eciesPublicKey, s) },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids.push(r.body.id);
      }
    }
    const finals = await Promise.all(ids.map((id) => waitForOrder(env, id, undefined, 180_000)));
    const filled = finals.filter((o) => o.state === "filled").length;
    expect(filled, JSON.stringify(finals.filter((o) => o.state !== "filled").map((o) => o.reason))).toBe(50);

    const metric = (text: string, name: string) =>
      Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    // every settled batch's economics is recorded (after its settle is seen, off the settle's path)
    let text = "";
    for (let i = 0; i < 200; i++) {
      text = await (await fetch(`${env.url}/metrics`)).text();
      const settled = metric(text, "veil_settled_batches_total");
      if (settled > 0 && metric(text, "veil_batches_accounted_total") >= settled) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metric(text, "veil_batches_accounted_total")).toBe(metric(text, "veil_settled_batches_total"));
    const fees = metric(text, "veil_fees_collected_wei_total");
    const gas = metric(text, "veil_operator_gas_spent_wei_total");
    console.log(`50 orders: fees ${fees} wei, operator gas ${gas} wei, margin ${fees - gas} wei`);
    expect(gas).toBeGreaterThan(0);
    expect(fees).toBeGreaterThan(gas);
    expect(metric(text, "veil_operator_margin_wei")).toBeGreaterThan(0);

    const after = await operatorWealth(env.client, env.devnet, operator);
    console.log(
      `operator ${operator}: ETH ${before.ethWei} -> ${after.ethWei} (${after.ethWei - before.ethWei} wei), fees received WETH +${after.tokens.WETH - before.tokens.WETH}, USDC +${after.tokens.USDC - before.tokens.USDC}; wealth at spot ${before.totalWei} -> ${after.totalWei} (${after.totalWei - before.totalWei} wei)`,
    );
    expect(after.tokens.WETH).toBeGreaterThan(before.tokens.WETH);
    expect(after.tokens.USDC).toBeGreaterThan(before.tokens.USDC);
    // the gas left in ETH; the fees came in tokens: ETH alone falls, the operator's wealth rises
    expect(after.ethWei).toBeLessThan(before.ethWei);
    expect(after.totalWei).toBeGreaterThan(before.totalWei);
  }, 300_000);
});
