import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseGwei,
  stringToBytes,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILDER_ERRORS } from "../../scripts/devnet/builder/builderErrors.js";
import { type Devnet, startDevnet } from "../helpers/devnet.js";

type RpcReply = {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

describe("local builder: bad input gets a JSON-RPC error with HTTP 200", () => {
  let devnet: Devnet;
  const auth = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

  /** Posts `body` to the builder, signed with the relay-auth key unless told otherwise. */
  async function post(
    body: string,
    sign: "ok" | "none" | "wrong-body" = "ok",
  ): Promise<{ status: number; json: RpcReply }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (sign !== "none") {
      const signed = sign === "ok" ? body : `${body} `;
      headers["x-flashbots-signature"] =
        `${auth.address}:${await auth.signMessage({ message: keccak256(stringToBytes(signed)) })}`;
    }
    const res = await fetch(devnet.builderUrl, { method: "POST", headers, body });
    return { status: res.status, json: (await res.json()) as RpcReply };
  }
  const call = (method: string, params: unknown[], sign?: "ok" | "none" | "wrong-body") =>
    post(JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }), sign);

  async function signedTransfer(nonceOffset = 0): Promise<Hex> {
    const account = privateKeyToAccount(devnet.accounts[3]!.privateKey);
    const wallet = createWalletClient({ account, transport: http(devnet.rpcUrl) });
    const nonce = await createPublicClient({ transport: http(devnet.rpcUrl) }).getTransactionCount(account);
    return wallet.signTransaction({
      chain: null,
      chainId: devnet.chainId,
      to: devnet.accounts[9]!.address,
      value: 1n,
      nonce: nonce + nonceOffset,
      gas: 21_000n,
      maxFeePerGas: parseGwei("20"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
  }
  const nextBlock = async () => toHex((await devnet.buildBlock()) + 1n);

  beforeAll(async () => {
    devnet = await startDevnet({ slotMs: null });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it("should accept a well-formed signed bundle (the baseline the other cases break)", async () => {
    const { status, json } = await call("eth_sendBundle", [
      { txs: [await signedTransfer()], blockNumber: await nextBlock() },
    ]);
    expect(status).toBe(200);
    expect(json.result).toEqual({ bundleHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
  });

  it("should refuse a bundle without X-Flashbots-Signature", async () => {
    const { status, json } = await call(
      "eth_sendBundle",
      [{ txs: [await signedTransfer()], blockNumber: await nextBlock() }],
      "none",
    );
    expect(status).toBe(200);
    expect(json.id).toBe(7);
    expect(json.error).toMatchObject({
      code: BUILDER_ERRORS.SIGNATURE_MISSING,
      data: { reason: "SIGNATURE_MISSING" },
    });
    expect(json.error!.message).toMatch(/missing X-Flashbots-Signature/);
  });

  it("should refuse a signature over a different body", async () => {
    const { status, json } = await call(
      "eth_sendBundle",
      [{ txs: [await signedTransfer()], blockNumber: await nextBlock() }],
      "wrong-body",
    );
    expect(status).toBe(200);
    expect(json.error).toMatchObject({
      code: BUILDER_ERRORS.SIGNATURE_INVALID,
      data: { reason: "SIGNATURE_INVALID" },
    });
    expect(json.error!.message).toMatch(/signature is from 0x[0-9a-fA-F]{40}, not/);
  });

  it("should refuse a malformed signature header", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_callBundle", params: [{}] });
    const res = await fetch(devnet.builderUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-flashbots-signature": "not-a-signature" },
      body,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RpcReply).error).toMatchObject({ code: BUILDER_ERRORS.SIGNATURE_INVALID });
  });

  it("should refuse a malformed transaction", async () => {
    const { status, json } = await call("eth_sendBundle", [
      { txs: ["0x02deadbeef"], blockNumber: await nextBlock() },
    ]);
    expect(status).toBe(200);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.INVALID_PARAMS });
    expect(json.error!.message).toMatch(/txs\[0\]: malformed transaction/);
  });

  it("should refuse a transaction signed for another chain", async () => {
    // Signed by the local account directly: a wallet client would fill in the node's chain id.
    const raw = await privateKeyToAccount(devnet.accounts[3]!.privateKey).signTransaction({
      chainId: 1,
      to: devnet.accounts[9]!.address,
      value: 1n,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: parseGwei("20"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
    const { json } = await call("eth_sendBundle", [{ txs: [raw], blockNumber: await nextBlock() }]);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.INVALID_PARAMS });
    expect(json.error!.message).toMatch(/txs\[0\]: chain id 1 does not match the devnet chain id 31337/);
  });

  it("should refuse an empty bundle", async () => {
    const { json } = await call("eth_sendBundle", [{ txs: [], blockNumber: await nextBlock() }]);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.INVALID_PARAMS });
    expect(json.error!.message).toMatch(/empty bundle/);
  });

  it("should refuse a bundle for a past block", async () => {
    await devnet.buildBlock();
    const { json } = await call("eth_sendBundle", [{ txs: [await signedTransfer()], blockNumber: "0x1" }]);
    expect(json.error).toMatchObject({
      code: BUILDER_ERRORS.BLOCK_IN_PAST,
      data: { reason: "BLOCK_IN_PAST" },
    });
    expect(json.error!.message).toMatch(/blockNumber 1 is in the past: the next block is \d+/);
  });

  it("should refuse params that are not a bundle object", async () => {
    const { json } = await call("eth_sendBundle", [{ txs: "0x00", blockNumber: "latest" }]);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.INVALID_PARAMS });
    expect(json.error!.message).toMatch(/^eth_sendBundle: txs: /);
  });

  it("should refuse a 1 MB body without a 5xx", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendBundle",
      params: [{ txs: [`0x${"ab".repeat(512 * 1024)}`] }],
    });
    expect(body.length).toBeGreaterThan(1_000_000);
    const { status, json } = await post(body);
    expect(status).toBe(200);
    expect(json.error).toMatchObject({
      code: BUILDER_ERRORS.BODY_TOO_LARGE,
      data: { reason: "BODY_TOO_LARGE" },
    });
    expect(json.error!.message).toMatch(/request body exceeds \d+ bytes/);
  });

  it("should answer invalid JSON with a parse error", async () => {
    const { status, json } = await post("{not json", "none");
    expect(status).toBe(200);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.PARSE_ERROR });
  });

  it("should fail eth_callBundle with the Flashbots `err: nonce too low` message", async () => {
    const { json } = await call("eth_callBundle", [
      {
        txs: [await signedTransfer(0), await signedTransfer(0)],
        blockNumber: await nextBlock(),
        stateBlockNumber: "latest",
      },
    ]);
    expect(json.error).toMatchObject({ code: BUILDER_ERRORS.BUNDLE_INVALID });
    expect(json.error!.message).toMatch(
      /^err: nonce too low: address 0x[0-9a-fA-F]{40}, tx: \d+ state: \d+; txhash 0x[0-9a-f]{64}$/,
    );
  });

  it("should proxy other methods to anvil, batched or single, without a signature", async () => {
    const batch = JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: "b", method: "eth_blockNumber", params: [] },
      { jsonrpc: "2.0", id: 3, method: "no_suchMethod", params: [] },
    ]);
    const res = await fetch(devnet.builderUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: batch,
    });
    const replies = (await res.json()) as RpcReply[];
    expect(res.status).toBe(200);
    expect(replies.map((r) => r.id)).toEqual([1, "b", 3]);
    expect(replies[0]!.result).toBe("0x7a69");
    expect(replies[1]!.result).toMatch(/^0x[0-9a-f]+$/);
    expect(replies[2]!.error).toMatchObject({ code: BUILDER_ERRORS.METHOD_NOT_FOUND });
  });
});
