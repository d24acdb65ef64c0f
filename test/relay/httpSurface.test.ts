import type { Hono } from "hono";
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelTypedData, commitmentTypedData } from "../../client/order/offchainMessages.js";
import { ERROR_CODES, type ErrorCode } from "../../client/wire/errorCodes.js";
import { MAX_BODY_BYTES } from "../../relay/server/requestSchemas.js";
import { type InProcessRelay, startInProcessRelay } from "../helpers/inProcessRelay.js";

// The HTTP surface at its own layer: the relay's real app (createApp, as startRelay builds it: real SQLite
// file store in a temp dir, real intake, a devnet for the chain) called with `app.request`, no socket. Each
// answer is checked against the error table (status from client/wire/errorCodes.ts), and the order view
// against the disclosure rules.

let env: InProcessRelay;
let app: Hono;
let seq = 0;

beforeAll(async () => {
  env = await startInProcessRelay();
  app = env.relay.app;
});

afterAll(async () => {
  await env?.stop();
});

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** The error an answer carries, after checking its status is the one the table gives its code. */
async function errorOf(res: Response): Promise<{ code: ErrorCode; message: string }> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: ErrorCode; message: string } };
  expect(Object.keys(ERROR_CODES)).toContain(body.error.code);
  expect(res.status, `${body.error.code}: ${body.error.message}`).toBe(ERROR_CODES[body.error.code].status);
  return body.error;
}

/** A commitment of a fresh leaf by `label`, as `POST /v1/commitments` takes it. */
async function commitment(label: string, opts: { commitBy?: bigint; signer?: string } = {}) {
  const trader = privateKeyToAccount(env.keyOf(label));
  const signer = privateKeyToAccount(env.keyOf(opts.signer ?? label));
  const leaf = keccak256(toHex(`http-surface-${seq++}-${Date.now()}`));
  const { chainId, contracts } = env.devnet;
  const signature = await signer.signTypedData(
    commitmentTypedData(chainId, contracts.settlement, trader.address, leaf),
  );
  const commitBy = (opts.commitBy ?? env.relay.ctx.head.block + 5n).toString();
  return { leaf, trader: trader.address, signature, commitBy };
}

describe("HTTP surface (app.request on the relay's app, real store and chain)", () => {
  it("should answer an unknown route with a 404 JSON error, not hono's text page", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nope"],
      ["POST", "/v1/order"],
      ["PUT", "/v1/orders/0x00"],
    ]) {
      const error = await errorOf(await app.request(path, { method }));
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toContain(path);
    }
  });

  it("should refuse a body over the limit with 413, whether it states its length or streams it", async () => {
    const big = JSON.stringify({ ciphertext: `0x${"ab".repeat(MAX_BODY_BYTES)}` });
    const stated = await app.request("/v1/orders", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(big.length) },
      body: big,
    });
    expect((await errorOf(stated)).code).toBe("BODY_TOO_LARGE");
    const bytes = new TextEncoder().encode(big);
    const streamed = await app.request("/v1/commitments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.subarray(i, i + 4096));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect((await errorOf(streamed)).code).toBe("BODY_TOO_LARGE");
    // just under the limit is read (and refused for what it says, not for its size)
    const under = JSON.stringify({ ciphertext: "0x00", pad: "x".repeat(MAX_BODY_BYTES - 40) });
    expect(under.length).toBeLessThan(MAX_BODY_BYTES);
    expect((await errorOf(await app.request("/v1/orders", json("POST", JSON.parse(under))))).code).not.toBe(
      "BODY_TOO_LARGE",
    );
  });

  it("should answer a body that is not JSON, or not the schema, with 400 BAD_REQUEST naming the field", async () => {
    const notJson = await app.request("/v1/commitments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect((await errorOf(notJson)).code).toBe("BAD_REQUEST");
    const c = await commitment("trader1");
    const badLeaf = await errorOf(
      await app.request("/v1/commitments", json("POST", { ...c, leaf: "0x1234" })),
    );
    expect(badLeaf.code).toBe("BAD_REQUEST");
    expect(badLeaf.message).toMatch(/leaf/);
    const badId = await errorOf(await app.request("/v1/orders/0x1234"));
    expect(badId.code).toBe("BAD_REQUEST");
    const badBatch = await errorOf(await app.request("/v1/batches/abc"));
    expect(badBatch.code).toBe("BAD_REQUEST");
  });

  it("should map each refusal to its status from the error table", async () => {
    const unknown = keccak256(toHex("no such order"));
    expect((await errorOf(await app.request(`/v1/orders/${unknown}`))).code).toBe("NOT_FOUND");
    expect((await errorOf(await app.request("/v1/batches/99999999"))).code).toBe("NOT_FOUND");
    const cancelUnknown = await app.request(`/v1/orders/${unknown}`, json("DELETE", { signature: "0x00" }));
    expect((await errorOf(cancelUnknown)).code).toBe("NOT_FOUND");
    const garbage = await app.request("/v1/orders", json("POST", { ciphertext: `0x${"11".repeat(200)}` }));
    expect((await errorOf(garbage)).code).toBe("DECRYPT_FAILED");

    const soon = await commitment("trader1", { commitBy: env.relay.ctx.head.block + 1n });
    expect((await errorOf(await app.request("/v1/commitments", json("POST", soon)))).code).toBe(
      "COMMIT_BY_TOO_SOON",
    );
    const late = await commitment("trader1", { commitBy: env.relay.ctx.head.block + 100_000n });
    expect((await errorOf(await app.request("/v1/commitments", json("POST", late)))).code).toBe(
      "COMMIT_BY_TOO_LATE",
    );
    const forged = await commitment("trader1", { signer: "trader2" });
    expect((await errorOf(await app.request("/v1/commitments", json("POST", forged)))).code).toBe(
      "INVALID_SIGNATURE",
    );
    const twice = await commitment("trader1");
    expect((await app.request("/v1/commitments", json("POST", twice))).status).toBe(201);
    expect((await errorOf(await app.request("/v1/commitments", json("POST", twice)))).code).toBe(
      "DUPLICATE_ORDER",
    );
  });

  it("should show a pending order's state and nothing else, and its details once it is final", async () => {
    const c = await commitment("trader1");
    const accepted = await app.request("/v1/commitments", json("POST", c));
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ id: c.leaf, state: "pending" });

    const pending = (await (await app.request(`/v1/orders/${c.leaf}`)).json()) as Record<string, unknown>;
    const { id, state, requiredConfirmations, ...rest } = pending;
    expect({ id, state, requiredConfirmations }).toEqual({
      id: c.leaf,
      state: "pending",
      requiredConfirmations: env.relay.ctx.confirmations,
    });
    // no trader, mode, batch, order, reason: the id alone tells a stranger nothing but the state
    expect(Object.keys(rest).length).toBeGreaterThan(5);
    for (const [key, value] of Object.entries(rest)) expect(value, key).toBeNull();

    const trader = privateKeyToAccount(env.keyOf("trader1"));
    const { chainId, contracts } = env.devnet;
    const signature: Hex = await trader.signTypedData(
      cancelTypedData(chainId, contracts.settlement, trader.address, c.leaf),
    );
    const cancelled = await app.request(`/v1/orders/${c.leaf}`, json("DELETE", { signature }));
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toEqual({ id: c.leaf, state: "cancelled" });

    const final = (await (await app.request(`/v1/orders/${c.leaf}`)).json()) as Record<string, unknown>;
    expect(final).toMatchObject({
      id: c.leaf,
      state: "cancelled",
      mode: "commit",
      trader: trader.address,
      batchId: env.relay.ctx.openBatch.currentId,
      reason: "CANCELLED",
    });
  });
});
