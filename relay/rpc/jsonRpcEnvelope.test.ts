import { describe, expect, it } from "vitest";
import { MAX_BATCH_ENTRIES, parseRpcBody, rpcFailure, rpcResult } from "./jsonRpcEnvelope.js";
import { ParseError, RpcError, TransactionRejectedError } from "./rpcErrors.js";

describe("parseRpcBody", () => {
  it("should parse a single request with its id, method and params", () => {
    expect(parseRpcBody('{"jsonrpc":"2.0","id":"a","method":"eth_chainId","params":[]}')).toEqual({
      batch: false,
      entry: { ok: true, request: { id: "a", method: "eth_chainId", params: [], notification: false } },
    });
  });

  it("should mark a request without id as a notification and default params to []", () => {
    const parsed = parseRpcBody('{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(parsed).toEqual({
      batch: false,
      entry: { ok: true, request: { id: null, method: "eth_chainId", params: [], notification: true } },
    });
  });

  it("should throw ParseError for text that is not JSON", () => {
    expect(() => parseRpcBody("{nope")).toThrow(ParseError);
  });

  it("should refuse an empty batch, an oversized batch and a JSON scalar with -32600", () => {
    for (const body of ["[]", "42", "null", JSON.stringify(new Array(MAX_BATCH_ENTRIES + 1).fill({}))]) {
      expect(() => parseRpcBody(body)).toThrowError(expect.objectContaining({ code: -32600 }) as never);
    }
  });

  it("should keep good entries of a batch and turn bad ones into -32600 entries with their id", () => {
    const parsed = parseRpcBody(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
        { jsonrpc: "2.0", id: 2, method: "" },
        { jsonrpc: "1.0", id: 3, method: "eth_chainId" },
        { jsonrpc: "2.0", id: 4, method: "eth_call", params: "x" },
        { jsonrpc: "2.0", id: { a: 1 }, method: "eth_chainId" },
        7,
      ]),
    );
    expect(parsed.batch).toBe(true);
    if (!parsed.batch) return;
    expect(parsed.entries.map((e) => (e.ok ? "ok" : `${e.id}:${e.error.message}`))).toEqual([
      "ok",
      "2:invalid JSON-RPC request: method must be a non-empty string",
      '3:invalid JSON-RPC request: jsonrpc must be "2.0"',
      "4:invalid JSON-RPC request: params must be an array or an object",
      "null:invalid JSON-RPC request: id must be a string, a number or null",
      "null:batch entry must be a JSON-RPC 2.0 object",
    ]);
  });
});

describe("rpcResult / rpcFailure", () => {
  it("should build the wire members, with data only when present", () => {
    expect(rpcResult(1, "0x1")).toEqual({ jsonrpc: "2.0", id: 1, result: "0x1" });
    expect(rpcFailure(2, new TransactionRejectedError("nonce too low"))).toEqual({
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32000, message: "nonce too low" },
    });
    expect(
      rpcFailure(3, new RpcError(-32000, "execution reverted: X", { data: { revertReason: "X" } })),
    ).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32000, message: "execution reverted: X", data: { revertReason: "X" } },
    });
  });

  it("should hide the details of an unexpected error behind -32603", () => {
    expect(rpcFailure(null, new Error("secret stack detail"))).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32603, message: "internal error, please retry" },
    });
  });
});
