import { encodeErrorResult, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { classifySimulation, decodeRevertReason } from "./classifySimulation.js";

const A = `0x${"aa".repeat(32)}` as Hex;
const B = `0x${"bb".repeat(32)}` as Hex;
const errorAbi = [{ type: "error", name: "Error", inputs: [{ name: "m", type: "string" }] }] as const;
const panicAbi = [{ type: "error", name: "Panic", inputs: [{ name: "c", type: "uint256" }] }] as const;

describe("classifySimulation", () => {
  it("should pass a bundle whose every tx executed", () => {
    expect(classifySimulation({ ok: true, results: [{ txHash: A, gasUsed: 21000 }] }, A)).toEqual({
      kind: "ok",
    });
  });

  it("should report the decoded reason when the tx itself reverts", () => {
    const revert = encodeErrorResult({
      abi: errorAbi,
      errorName: "Error",
      args: ["UniswapV2Router: EXPIRED"],
    });
    const sim = { ok: false, results: [{ txHash: A, gasUsed: 30000, error: "execution reverted", revert }] };
    expect(classifySimulation(sim, A)).toEqual({
      kind: "revert",
      revertReason: "UniswapV2Router: EXPIRED",
      revertData: revert,
    });
  });

  it("should blame an earlier pending tx of the bundle, not the new one", () => {
    const sim = {
      ok: false,
      results: [
        { txHash: B, gasUsed: 30000, error: "execution reverted" },
        { txHash: A, gasUsed: 21000 },
      ],
    };
    expect(classifySimulation(sim, A)).toMatchObject({
      kind: "invalid",
      simError: "SimErrorEarlierNonceFails",
    });
  });

  it("should let a fee cap under the base fee wait, and name nonce and funds failures like Protect", () => {
    const err = (error: string) => classifySimulation({ ok: false, results: [], error }, A);
    expect(
      err(`err: max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1; txhash ${A}`).kind,
    ).toBe("feeTooLow");
    expect(err(`err: nonce too low: address 0x1, tx: 0 state: 3; txhash ${A}`)).toMatchObject({
      kind: "invalid",
      simError: "SimErrorNonceTooLow",
    });
    expect(err("err: insufficient funds for gas * price + value; txhash 0x")).toMatchObject({
      simError: "SimErrorInsufficientFunds",
    });
    expect(err("eth_callBundle failed: connect ECONNREFUSED 127.0.0.1:1").kind).toBe("unavailable");
  });
});

describe("decodeRevertReason", () => {
  it("should decode Error(string), Panic(uint256), a custom error selector, and empty data", () => {
    expect(decodeRevertReason(encodeErrorResult({ abi: errorAbi, errorName: "Error", args: ["no"] }))).toBe(
      "no",
    );
    expect(decodeRevertReason(encodeErrorResult({ abi: panicAbi, errorName: "Panic", args: [0x11n] }))).toBe(
      "panic 0x11",
    );
    expect(decodeRevertReason("0x12345678")).toBe("custom error 0x12345678");
    expect(decodeRevertReason("0x")).toBe("execution reverted (no reason)");
    expect(decodeRevertReason("already decoded text")).toBe("already decoded text");
  });
});
