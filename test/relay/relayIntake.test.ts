import { encrypt } from "eciesjs";
import { bytesToHex, type Hex, hexToBytes, parseEther, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { veilSettlementAbi } from "../../client/abi/veilSettlementAbi.js";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { commitmentTypedData } from "../../client/order/offchainMessages.js";
import { signedOrderToJson } from "../../client/wire/orderWire.js";
import {
  api,
  approveAll,
  commitByFromNow,
  keyOf,
  type RelayDevnet,
  signOrder,
  startRelayDevnet,
} from "../helpers/relayHarness.js";

describe("relay intake refuses every bad input with a 4xx and its code", () => {
  let env: RelayDevnet;
  let pub: Hex;
  const statuses: number[] = [];

  beforeAll(async () => {
    env = await startRelayDevnet({ extraArgs: ["--batch-interval-ms", "60000", "--max-batch-size", "5"] });
    pub = (await api(env.url, "/v1/info")).body.eciesPublicKey;
    await approveAll(env.devnet, "trader1");
  });
  afterAll(async () => {
    await env?.stop();
  });

  const tokens = () => env.devnet.contracts.tokens;
  const order = (o: Partial<Parameters<typeof signOrder>[2]> = {}, label = "trader1", domain = {}) =>
    signOrder(
      env.devnet,
      label,
      {
        sell: tokens().WETH,
        buy: tokens().USDC,
        sellAmount: parseEther("1"),
        minBuyAmount: parseUnits("1", 6),
        ...o,
      },
      domain,
    );
  const post = async (path: string, body: unknown, raw?: string) => {
    const r = await api(env.url, path, raw === undefined ? { body } : { rawBody: raw });
    statuses.push(r.status);
    return r;
  };
  const expectError = (r: { status: number; body: any }, status: number, code: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe("string");
  };
  const sealed = async (signed: Awaited<ReturnType<typeof order>>) =>
    post("/v1/orders", { ciphertext: sealOrder(pub, signed) });

  it("should accept a good sealed order (control)", async () => {
    const r = await sealed(await order());
    expect(r.status).toBe(201);
    expect(r.body.state).toBe("pending");
  });

  it("should refuse a ciphertext not sealed to the relay with DECRYPT_FAILED", async () => {
    const other = privateKeyToAccount(keyOf(env.devnet, "searcher")).publicKey;
    expectError(
      await post("/v1/orders", { ciphertext: sealOrder(other, await order()) }),
      400,
      "DECRYPT_FAILED",
    );
    const c = hexToBytes(sealOrder(pub, await order()));
    c[c.length - 1] ^= 1;
    expectError(await post("/v1/orders", { ciphertext: bytesToHex(c) }), 400, "DECRYPT_FAILED");
    expectError(await post("/v1/orders", { ciphertext: "0x0102" }), 400, "DECRYPT_FAILED");
  });

  it("should refuse malformed hex, missing fields, non-JSON and a sealed non-order with BAD_REQUEST", async () => {
    expectError(await post("/v1/orders", { ciphertext: "0xzz" }), 400, "BAD_REQUEST");
    expectError(await post("/v1/orders", { ciphertext: "abcd" }), 400, "BAD_REQUEST");
    expectError(await post("/v1/orders", {}), 400, "BAD_REQUEST");
    expectError(await post("/v1/orders", null, "{not json"), 400, "BAD_REQUEST");
    const junk = bytesToHex(encrypt(hexToBytes(pub), new TextEncoder().encode(JSON.stringify({ order: 1 }))));
    expectError(await post("/v1/orders", { ciphertext: junk }), 400, "BAD_REQUEST");
    const s = signedOrderToJson(await order());
    const { salt: _salt, ...noSalt } = s;
    expectError(await post("/v1/reveals", noSalt), 400, "BAD_REQUEST");
  });

  it("should refuse an oversized body with 413 BODY_TOO_LARGE", async () => {
    expectError(await post("/v1/orders", { ciphertext: `0x${"ab".repeat(40_000)}` }), 413, "BODY_TOO_LARGE");
  });

  it("should refuse a signature by someone else, for another chain id or another contract with INVALID_SIGNATURE", async () => {
    const good = await order();
    const forged = await order({}, "trader2");
    expectError(await sealed({ ...good, signature: forged.signature }), 400, "INVALID_SIGNATURE");
    expectError(await sealed(await order({}, "trader1", { chainId: 1 })), 400, "INVALID_SIGNATURE");
    expectError(
      await sealed(await order({}, "trader1", { settlement: tokens().DAI })),
      400,
      "INVALID_SIGNATURE",
    );
  });

  it("should refuse a commitBy the relay cannot commit by, or one past the batch's life, naming the range", async () => {
    const head = await env.client.getBlockNumber({ cacheTime: 0 });
    const soon = await sealed(await order({ commitBy: head + 1n }));
    expectError(soon, 400, "COMMIT_BY_TOO_SOON");
    expect(BigInt(soon.body.error.details.min)).toBeGreaterThan(head + 1n);
    const info = (await api(env.url, "/v1/info")).body;
    expect(info.minCommitLeadBlocks).toBe(3);
    const late = await sealed(await order({ commitBy: head + 1000n }));
    expectError(late, 400, "COMMIT_BY_TOO_LATE");
    expect(BigInt(late.body.error.details.max)).toBeLessThan(head + 1000n);
    // the same rule for a commitment, whose commitBy travels in plaintext beside the leaf
    const account = privateKeyToAccount(keyOf(env.devnet, "trader1"));
    const leaf = `0x${"cd".repeat(32)}` as Hex;
    const { chainId } = env.devnet;
    const sig = await account.signTypedData(
      commitmentTypedData(chainId, env.devnet.contracts.settlement, account.address, leaf),
    );
    const body = { leaf, trader: account.address, signature: sig, commitBy: (head + 1n).toString() };
    expectError(await post("/v1/commitments", body), 400, "COMMIT_BY_TOO_SOON");
  });

  it("should refuse bad order fields, each with its own code", async () => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    expectError(await sealed(await order({ validTo: now - 5n })), 400, "ORDER_EXPIRED");
    expectError(await sealed(await order({ validTo: now + 10n * 86_400n })), 400, "VALIDITY_TOO_LONG");
    expectError(await sealed(await order({ buy: tokens().WETH })), 400, "SAME_TOKEN");
    expectError(await sealed(await order({ sellAmount: 0n })), 400, "ZERO_AMOUNT");
    expectError(await sealed(await order({ minBuyAmount: 0n })), 400, "ZERO_AMOUNT");
    expectError(
      await sealed(await order({ buy: "0x000000000000000000000000000000000000dEaD" })),
      400,
      "UNKNOWN_PAIR",
    );
  });

  it("should refuse a duplicate with 409 DUPLICATE_ORDER, also under a new salt", async () => {
    const o = await order();
    expect((await sealed(o)).status).toBe(201);
    expectError(await sealed(o), 409, "DUPLICATE_ORDER");
    expectError(await sealed({ ...o, salt: `0x${"11".repeat(32)}` }), 409, "DUPLICATE_ORDER");
  });

  it("should refuse a nonce already used on chain, missing allowance and missing balance", async () => {
    const account = privateKeyToAccount(keyOf(env.devnet, "trader1"));
    const { createWalletClient, http } = await import("viem");
    const wallet = createWalletClient({ account, transport: http(env.devnet.rpcUrl) });
    const nonce = 7n * 256n + 3n;
    const hash = await wallet.writeContract({
      chain: null,
      address: env.devnet.contracts.settlement,
      abi: veilSettlementAbi,
      functionName: "invalidateNonces",
      args: [7n, 1n << 3n],
    });
    await env.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expectError(await sealed(await order({ nonce })), 400, "NONCE_USED");
    expectError(await sealed(await order({}, "trader4")), 400, "INSUFFICIENT_ALLOWANCE");
    expectError(await sealed(await order({ sellAmount: parseEther("100000") })), 400, "INSUFFICIENT_BALANCE");
  });

  it("should describe every route and error code in its OpenAPI document", async () => {
    const doc = (await api(env.url, "/v1/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/info",
        "/v1/orders",
        "/v1/commitments",
        "/v1/reveals",
        "/v1/orders/{id}",
        "/v1/events",
      ]),
    );
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain("DECRYPT_FAILED");
  });

  it("should answer unknown and malformed ids with 404 / 400", async () => {
    const r1 = await api(env.url, `/v1/orders/0x${"00".repeat(32)}`);
    expectError(r1, 404, "NOT_FOUND");
    expectError(await api(env.url, "/v1/orders/0x1234"), 400, "BAD_REQUEST");
    expectError(await api(env.url, "/v1/batches/abc"), 400, "BAD_REQUEST");
    expectError(await api(env.url, "/v1/batches/99999"), 404, "NOT_FOUND");
    expectError(await api(env.url, "/v1/nope"), 404, "NOT_FOUND");
  });

  it("should refuse bad commitments, reveals and cancels with their codes", async () => {
    // a commitment needs a funded, approved trader (issue 13): trader1 approved the settlement
    const account = privateKeyToAccount(keyOf(env.devnet, "trader1"));
    const leaf = `0x${"ab".repeat(32)}` as Hex;
    const { chainId } = env.devnet;
    const settlement = env.devnet.contracts.settlement;
    const sig = await account.signTypedData(commitmentTypedData(chainId, settlement, account.address, leaf));
    const other = privateKeyToAccount(keyOf(env.devnet, "trader3")).address;
    const commitBy = (await commitByFromNow(env.devnet)).toString();
    expectError(
      await post("/v1/commitments", { leaf, trader: account.address, signature: sig }),
      400,
      "BAD_REQUEST",
    );
    expectError(
      await post("/v1/commitments", { leaf, trader: other, signature: sig, commitBy }),
      400,
      "INVALID_SIGNATURE",
    );
    expectError(
      await post("/v1/commitments", { leaf: "0x12", trader: account.address, signature: sig, commitBy }),
      400,
      "BAD_REQUEST",
    );
    expect(
      (await post("/v1/commitments", { leaf, trader: account.address, signature: sig, commitBy })).status,
    ).toBe(201);
    expectError(
      await post("/v1/commitments", { leaf, trader: account.address, signature: sig, commitBy }),
      409,
      "DUPLICATE_ORDER",
    );
    expectError(await post("/v1/reveals", signedOrderToJson(await order())), 400, "LEAF_MISMATCH");
    const del = await api(env.url, `/v1/orders/${leaf}`, { method: "DELETE", body: { signature: sig } });
    expectError(del, 400, "INVALID_SIGNATURE");
  });

  it("should take a burst of concurrent orders durably, closing a batch every max-batch-size orders", async () => {
    const signed = await Promise.all(
      Array.from({ length: 23 }, (_, i) =>
        order({ sellAmount: parseEther("0.01") + BigInt(i), minBuyAmount: 1n }),
      ),
    );
    const res = await Promise.all(signed.map((o) => sealed(o)));
    expect(res.map((r) => r.status)).toEqual(res.map(() => 201));
    expect(new Set(res.map((r) => r.body.id)).size).toBe(23);
    const byBatch = new Map<number, number>();
    for (const r of res) byBatch.set(r.body.batchId, (byBatch.get(r.body.batchId) ?? 0) + 1);
    expect([...byBatch.values()].every((n) => n <= 5)).toBe(true);
    expect(byBatch.size).toBeGreaterThanOrEqual(5);
    for (const r of res) expect((await api(env.url, `/v1/orders/${r.body.id}`)).status).toBe(200);
    // A full batch is frozen at once (no 60 s interval wait): its leaves are fixed within moments. Since the
    // store went async (issue 18) the order that fills a batch is written after the batch rotates, so the
    // freeze can leave it out and requeue it into the next batch: a CI run had no batch answered 5 times. So
    // the fullest batch is the one followed, and what is checked is that it freezes at once, within the bound.
    const [fullest] = [...byBatch.entries()].sort(([, a], [, b]) => b - a)[0];
    const deadline = Date.now() + 30_000;
    let batch = (await api(env.url, `/v1/batches/${fullest}`)).body;
    while (batch.leafCount === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      batch = (await api(env.url, `/v1/batches/${fullest}`)).body;
    }
    expect(batch.leafCount).toBeGreaterThanOrEqual(1);
    expect(batch.leafCount).toBeLessThanOrEqual(5);
  });

  it("should never answer 5xx to random garbage on any endpoint", async () => {
    const bodies = [
      "",
      "[]",
      "1",
      '"x"',
      '{"ciphertext":1}',
      '{"ciphertext":null}',
      '{"order":{}}',
      "\u0000",
      "{}",
    ];
    for (const path of ["/v1/orders", "/v1/commitments", "/v1/reveals"])
      for (const b of bodies) await post(path, null, b);
    for (const b of bodies) {
      const r = await api(env.url, `/v1/orders/0x${"01".repeat(32)}`, { method: "DELETE", rawBody: b });
      statuses.push(r.status);
    }
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
