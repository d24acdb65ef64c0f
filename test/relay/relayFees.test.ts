import { type Hex, parseEther, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { createVeilClient } from "../../client/createVeilClient.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { hashOrder } from "../../client/order/order.js";
import { roundFeeUp } from "../../client/order/roundFee.js";
import { getAmountOut } from "../../relay/solver/uniswapV2Math.js";
import { loadUniswapArtifact } from "../../scripts/devnet/artifacts.js";
import {
  api,
  approveAll,
  balanceOf,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
  waitForOrder,
} from "../helpers/relayHarness.js";

// Issue 17 on a real devnet (anvil, builder, relay child process) with the fee floor on: GET /v1/quote,
// intake's INSUFFICIENT_FEE / ORDER_TOO_SMALL, and a quote -> order -> fill whose balances match the quote's
// fee and the settlement's Trade event.
describe("relay fees: quote, fee floor, quote -> order -> fill", () => {
  let env: RelayDevnet;
  let info: Record<string, any>;

  beforeAll(async () => {
    // 500 ms slots: an order's commitBy (head + 8) leaves the relay 4 s to commit on a loaded machine
    env = await startRelayDevnet({
      slotMs: 500,
      extraArgs: ["--fee-policy", "enforce", "--rate-limit", "20", "--rate-limit-burst", "40"],
    });
    info = (await api(env.url, "/v1/info")).body;
    await approveAll(env.devnet, "trader1");
  });
  afterAll(async () => {
    await env?.stop();
  });

  const quote = (q: string) => api(env.url, `/v1/quote?${q}`);
  const submit = (signed: Awaited<ReturnType<typeof signOrder>>) =>
    api(env.url, "/v1/orders", { body: { ciphertext: sealOrder(info.eciesPublicKey, signed) } });

  async function reserves(): Promise<{ weth: bigint; usdc: bigint }> {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const [r0, r1] = (await env.client.readContract({
      address: env.devnet.contracts.uniswapV2.pairs["WETH/USDC"],
      abi: loadUniswapArtifact("UniswapV2Pair").abi,
      functionName: "getReserves",
    })) as [bigint, bigint, number];
    return BigInt(WETH) < BigInt(USDC) ? { weth: r0, usdc: r1 } : { weth: r1, usdc: r0 };
  }

  it("should quote the fee (gas share at the base fee plus the bid, with the margin) and the pool's buy amount net of it", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const r = await quote(`sellToken=weth&buyToken=${USDC.toLowerCase()}&sellAmount=${parseEther("1")}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const q = r.body;
    expect([q.sellToken, q.buyToken, q.sellAmount]).toEqual([WETH, USDC, parseEther("1").toString()]);
    const fee = BigInt(q.feeAmount);
    const cost = BigInt(q.gas) * BigInt(q.gasPriceWei);
    expect(BigInt(q.costWei)).toBe(cost);
    expect(BigInt(q.minFee)).toBe(cost); // WETH: valued 1:1
    expect(q.marginBps).toBe(2500);
    expect(fee).toBe(roundFeeUp((cost * 12_500n + 9_999n) / 10_000n));
    expect(BigInt(q.gasPriceWei)).toBeGreaterThanOrEqual(10n ** 9n); // at least the operator's 1 gwei bid
    // buyAmount: the pool's getAmountOut for the sell amount net of the fee, at the reserves of the head
    const { weth, usdc } = await reserves();
    expect(BigInt(q.buyAmount)).toBe(getAmountOut(parseEther("1") - fee, weth, usdc));
    expect(Number(q.validTo)).toBeGreaterThan(Date.now() / 1000);

    // USDC sells pay the same cost in USDC at the pool's spot price, rounded up
    const u = (await quote(`sellToken=USDC&buyToken=WETH&sellAmount=${parseUnits("3000", 6)}`)).body;
    const { weth: w2, usdc: u2 } = await reserves();
    expect(BigInt(u.minFee)).toBe((BigInt(u.costWei) * u2 + w2 - 1n) / w2);
  });

  it("should refuse bad quote requests with a clear 4xx", async () => {
    const { WETH } = env.devnet.contracts.tokens;
    const cases: [string, number, string][] = [
      ["sellToken=WETH&buyToken=USDC", 400, "BAD_REQUEST"],
      ["sellToken=WETH&buyToken=USDC&sellAmount=0", 400, "BAD_REQUEST"],
      ["sellToken=WETH&buyToken=USDC&sellAmount=1.5", 400, "BAD_REQUEST"],
      ["sellToken=NOPE&buyToken=USDC&sellAmount=1", 400, "UNKNOWN_PAIR"],
      [`sellToken=WETH&buyToken=${WETH}&sellAmount=1000`, 400, "SAME_TOKEN"],
      [`sellToken=0x${"11".repeat(20)}&buyToken=USDC&sellAmount=1000`, 400, "UNKNOWN_PAIR"],
      ["sellToken=WETH&buyToken=USDC&sellAmount=1000", 400, "ORDER_TOO_SMALL"],
    ];
    for (const [q, status, code] of cases) {
      const r = await quote(q);
      expect([q, r.status, r.body?.error?.code]).toEqual([q, status, code]);
    }
  });

  it("should refuse a zero or too-small fee with INSUFFICIENT_FEE (needed fee in details) and a too-small order", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const order = (feeAmount: bigint, sellAmount = parseEther("0.5")) =>
      signOrder(env.devnet, "trader1", { sell: WETH, buy: USDC, sellAmount, minBuyAmount: 1n, feeAmount });
    const zero = await submit(await order(0n));
    expect(zero.status).toBe(400);
    expect(zero.body.error.code).toBe("INSUFFICIENT_FEE");
    const needed = BigInt(zero.body.error.details.neededFee);
    expect(needed).toBeGreaterThan(0n);
    const short = await submit(await order(needed / 2n));
    expect(short.body.error.code).toBe("INSUFFICIENT_FEE");
    const tiny = await submit(await order(needed, needed + 1n));
    expect(tiny.status).toBe(400);
    expect(tiny.body.error.code).toBe("ORDER_TOO_SMALL");
  });

  it("should fill an order signed from a quote: balances match the quote's fee and the Trade event", async () => {
    const { WETH, USDC } = env.devnet.contracts.tokens;
    const trader = privateKeyToAccount(keyOf(env.devnet, "trader1")).address;
    const recipient = await env.client.readContract({
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "feeRecipient",
    });
    const sellAmount = parseEther("1");
    const q = (await quote(`sellToken=WETH&buyToken=USDC&sellAmount=${sellAmount}`)).body;
    const fee = BigInt(q.feeAmount);
    const minBuyAmount = (BigInt(q.buyAmount) * 9_950n) / 10_000n; // 50 bps slippage
    const before = {
      weth: await balanceOf(env.client, WETH, trader),
      usdc: await balanceOf(env.client, USDC, trader),
      fees: await balanceOf(env.client, WETH, recipient),
    };
    const signed = await signOrder(env.devnet, "trader1", {
      sell: WETH,
      buy: USDC,
      sellAmount,
      minBuyAmount,
      feeAmount: fee,
    });
    const res = await submit(signed);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const filled = await waitForOrder(env, res.body.id as Hex);
    expect(filled.state, JSON.stringify(filled)).toBe("filled");
    const receipt = await env.client.getTransactionReceipt({ hash: filled.fill.txHash });
    const digest = hashOrder(signed.order, env.devnet.chainId, env.devnet.contracts.settlement);
    const [trade] = parseEventLogs({ abi: veilSettlementAbi, logs: receipt.logs, eventName: "Trade" }).filter(
      (l) => l.args.orderDigest === digest,
    );
    expect(trade.args.sellAmount).toBe(sellAmount);
    expect(trade.args.buyAmount).toBe(BigInt(filled.fill.buyAmount));
    expect(trade.args.buyAmount).toBeGreaterThanOrEqual(minBuyAmount);
    expect(await balanceOf(env.client, WETH, trader)).toBe(before.weth - sellAmount);
    expect(await balanceOf(env.client, USDC, trader)).toBe(before.usdc + trade.args.buyAmount);
    expect(await balanceOf(env.client, WETH, recipient)).toBe(before.fees + fee);

    // The relay's per-batch economics: this batch's fee counted (in wei: a WETH fee is its own value) and
    // the operator's commit + settle gas, once the settle is seen (bounded wait on the metrics endpoint).
    const metric = (text: string, name: string) =>
      Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    let text = "";
    for (let i = 0; i < 100 && !(metric(text, "veil_operator_gas_spent_wei_total") > 0); i++) {
      text = await (await fetch(`${env.url}/metrics`)).text();
      if (!(metric(text, "veil_operator_gas_spent_wei_total") > 0))
        await new Promise((r) => setTimeout(r, 100));
    }
    expect(metric(text, "veil_fees_collected_wei_total")).toBeGreaterThanOrEqual(Number(fee));
    expect(metric(text, "veil_operator_gas_spent_wei_total")).toBeGreaterThan(0);
    expect(metric(text, "veil_batch_margin_wei")).toBe(
      metric(text, "veil_fees_collected_wei_total") - metric(text, "veil_operator_gas_spent_wei_total"),
    );
  });

  it("should let the client sign the quoted fee by default (getQuote, buildOrder) and an explicit one on request", async () => {
    const { WETH } = env.devnet.contracts.tokens;
    const veil = createVeilClient({
      relayUrl: env.url,
      rpcUrl: env.devnet.rpcUrl,
      account: privateKeyToAccount(keyOf(env.devnet, "trader1")),
    });
    const q = await veil.getQuote({ sellToken: "WETH", buyToken: "USDC", sellAmount: "0.3" });
    expect(q.sellToken).toBe(WETH);
    expect(q.sellAmount).toBe(parseEther("0.3"));
    expect(q.feeAmount).toBeGreaterThanOrEqual(q.minFee);
    const order = await veil.buildOrder({ sellToken: "WETH", buyToken: "USDC", sellAmount: "0.3" });
    // the quoted fee of its block (the base fee may have moved by a block since the quote above)
    expect(order.feeAmount).toBeGreaterThan(0n);
    expect(order.feeAmount).toBe(roundFeeUp(order.feeAmount));
    // no minBuyAmount: the quote's buy amount less 50 bps
    expect(order.minBuyAmount).toBeLessThanOrEqual((q.buyAmount * 9_960n) / 10_000n);
    expect(order.minBuyAmount).toBeGreaterThan((q.buyAmount * 9_900n) / 10_000n);
    const { id } = await veil.submitSealed({ order });
    const settled = await veil.waitForSettlement({ id, order, timeoutMs: 60_000 });
    expect(settled.state).toBe("filled");
    const explicit = await veil.buildOrder({
      sellToken: "WETH",
      buyToken: "USDC",
      sellAmount: "0.3",
      minBuyAmount: "1",
      feeAmount: 12_345n,
    });
    expect(explicit.feeAmount).toBe(12_345n);
    const refused = await veil.submitSealed({ order: explicit }).catch((e) => e);
    expect(refused.code).toBe("INSUFFICIENT_FEE");
  });

  it("should rate limit quotes like every other endpoint (429 RATE_LIMITED)", async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, () => quote(`sellToken=WETH&buyToken=USDC&sellAmount=${parseEther("1")}`)),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.error.code).toBe("RATE_LIMITED");
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  });
});
