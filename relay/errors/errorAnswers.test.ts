import { describe, expect, it } from "vitest";
import { ERROR_CODE_LIST } from "../../client/wire/errorCodes.js";
import { BatchInvariantError } from "../batch/batchFacts.js";
import { ConfigError } from "../config.js";
import { CryptoError, DecryptFailedError, InvalidSignatureError } from "../crypto/cryptoErrors.js";
import { InvalidEciesKeyError } from "../crypto/eciesKey.js";
import {
  InvalidParamsError,
  NodeUnavailableError,
  RpcError,
  SyncTimeoutError,
  TransactionRejectedError,
} from "../rpc/rpcErrors.js";
import { httpAnswer, RPC_INTERNAL_MESSAGE, rpcErrorOf, toRelayError } from "./errorAnswers.js";
import { ERROR_CODES } from "./errorCodes.js";
import { RelayError } from "./relayError.js";
import { VeilError } from "./veilError.js";

describe("error answers", () => {
  it("should answer every code of the client's table with its HTTP status and JSON-RPC code", () => {
    expect(ERROR_CODE_LIST.length).toBeGreaterThan(20);
    for (const code of ERROR_CODE_LIST) {
      const { status, body, error } = httpAnswer(new RelayError(code, `refused: ${code}`));
      expect(status, code).toBe(ERROR_CODES[code].status);
      expect(body, code).toEqual({ error: { code, message: `refused: ${code}` } });
      expect(error.code, code).toBe(code);
      const rpc = rpcErrorOf(new RelayError(code, `refused: ${code}`, { details: { n: 1 } }));
      expect(rpc.code, code).toBe(ERROR_CODES[code].rpc);
      if (code === "INTERNAL") expect(rpc).toEqual({ code: -32603, message: RPC_INTERNAL_MESSAGE });
      else
        expect(rpc, code).toEqual({
          code: ERROR_CODES[code].rpc,
          message: `refused: ${code}`,
          data: { code, details: { n: 1 } },
        });
    }
  });

  it("should serve details in the REST body and leave them out when there are none", () => {
    const e = new RelayError("INSUFFICIENT_FEE", "fee too low", { details: { neededFee: "7" } });
    expect(httpAnswer(e).body).toEqual({
      error: { code: "INSUFFICIENT_FEE", message: "fee too low", details: { neededFee: "7" } },
    });
    expect(rpcErrorOf(new RelayError("SAME_TOKEN", "same"))).toEqual({ code: -32602, message: "same" });
  });

  it("should keep a crypto error's code and reason, as a 400", () => {
    const decrypt = httpAnswer(new DecryptFailedError("bad tag"));
    expect(decrypt.status).toBe(400);
    expect(decrypt.body).toEqual({
      error: {
        code: "DECRYPT_FAILED",
        message: "cannot decrypt sealed order: bad tag",
        details: { reason: "bad tag" },
      },
    });
    expect(httpAnswer(new InvalidSignatureError("high s")).body.error.code).toBe("INVALID_SIGNATURE");
    expect(rpcErrorOf(new InvalidSignatureError("high s")).code).toBe(-32602);
  });

  it("should answer anything that is not a refusal as a 500 INTERNAL / -32603 that leaks nothing", () => {
    const secret = new Error("ECONNREFUSED 10.0.0.7:8545");
    for (const err of [
      secret,
      "a string",
      null,
      new ConfigError("x"),
      new BatchInvariantError({ id: 3, state: "settled" } as never, "root"),
    ]) {
      const answer = httpAnswer(err);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
      expect(answer.error.cause).toBe(err);
      expect(rpcErrorOf(err)).toEqual({ code: -32603, message: "internal error, please retry" });
    }
    expect(toRelayError(new RelayError("INTERNAL", "x")).code).toBe("INTERNAL");
  });

  it("should pass a wallet RPC refusal through as it is", () => {
    expect(rpcErrorOf(new TransactionRejectedError("nonce too low"))).toEqual({
      code: -32000,
      message: "nonce too low",
    });
    expect(rpcErrorOf(new SyncTimeoutError("no receipt", "0xab"))).toEqual({
      code: 4,
      message: "no receipt",
      data: "0xab",
    });
    expect(rpcErrorOf(new InvalidParamsError("bad hash")).code).toBe(-32602);
    expect(rpcErrorOf(new NodeUnavailableError("upstream"))).toEqual({ code: -32603, message: "upstream" });
  });

  it("should root every typed error of the relay in VeilError, each with a stable code", () => {
    const errors: VeilError[] = [
      new RelayError("SAME_TOKEN", "x"),
      new RpcError(-32000, "x"),
      new DecryptFailedError("x"),
      new ConfigError("x"),
      new InvalidEciesKeyError("x"),
      new BatchInvariantError({ id: 1, state: "committing" } as never, "root"),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(VeilError);
      expect(e).toBeInstanceOf(Error);
      expect(["string", "number"]).toContain(typeof e.code);
    }
    expect(errors.map((e) => e.code)).toEqual([
      "SAME_TOKEN",
      -32000,
      "DECRYPT_FAILED",
      "INVALID_CONFIG",
      "INVALID_ECIES_KEY",
      "BATCH_INVARIANT",
    ]);
    expect(new DecryptFailedError("x")).toBeInstanceOf(CryptoError);
  });

  it("should capture no stack for refusals and keep the cause", () => {
    const cause = new Error("below");
    const refusal = new RelayError("BAD_REQUEST", "x", { cause });
    expect(refusal.cause).toBe(cause);
    expect(refusal.stack?.split("\n").length).toBe(1);
    expect(new TransactionRejectedError("x").stack?.split("\n").length).toBe(1);
    expect(new ConfigError("x").stack?.split("\n").length).toBeGreaterThan(1);
  });
});
