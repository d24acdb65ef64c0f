import { describe, expect, it } from "vitest";
import { InvalidAmountError, UnknownTokenError } from "../errors/inputErrors.js";
import { RelayError } from "../errors/relayError.js";
import { RelayUnreachableError, TimeoutError } from "../errors/transportErrors.js";
import { ProofMismatchError, WrongChainError } from "../errors/trustErrors.js";
import { orderIdArg, parseTokenAmount, secondsFlag } from "./cliArgs.js";
import { exitCodeOf, formatError, UsageError } from "./cliErrors.js";
import { EXIT_CODES } from "./exitCodes.js";

describe("parseTokenAmount", () => {
  it("should split a symbol or an address from its amount at the last colon", () => {
    expect(parseTokenAmount("order", "--sell", "WETH:1.5")).toEqual({ token: "WETH", amount: "1.5" });
    const addr = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    expect(parseTokenAmount("order", "--sell", `${addr}:2`)).toEqual({ token: addr, amount: "2" });
  });

  it.each(["WETH", "WETH:", ":1", ""])(
    "should reject %j with a usage error that shows the expected form",
    (v) => {
      expect(() => parseTokenAmount("order", "--sell", v)).toThrowError(/--sell must be TOKEN:AMOUNT/);
    },
  );
});

describe("orderIdArg", () => {
  const id = `0x${"ab".repeat(32)}`;
  it("should accept one 32-byte hex id and lower-case it", () => {
    expect(orderIdArg("status", [id.toUpperCase().replace("0X", "0x")])).toBe(id);
  });
  it("should reject a missing, short, non-hex or extra argument", () => {
    expect(() => orderIdArg("status", [])).toThrowError(/missing order ID/);
    expect(() => orderIdArg("status", ["0x1234"])).toThrowError(/64 hex digits/);
    expect(() => orderIdArg("status", [`0x${"zz".repeat(32)}`])).toThrowError(/64 hex digits/);
    expect(() => orderIdArg("status", [id, "extra"])).toThrowError(/unexpected argument "extra"/);
  });
});

describe("secondsFlag", () => {
  it("should convert seconds to milliseconds and default when absent", () => {
    expect(secondsFlag("order", "--timeout", "1.5", 120)).toBe(1500);
    expect(secondsFlag("order", "--timeout", undefined, 120)).toBe(120_000);
  });
  it.each(["0", "-1", "abc", "1e3"])("should reject %j", (v) => {
    expect(() => secondsFlag("order", "--timeout", v, 120)).toThrowError(UsageError);
  });
});

describe("exit codes", () => {
  it("should map each error family to its documented exit code", () => {
    expect(exitCodeOf(new UsageError("x"))).toBe(EXIT_CODES.USAGE);
    expect(exitCodeOf(new InvalidAmountError({ amount: "x", reason: "y" }))).toBe(EXIT_CODES.USAGE);
    expect(exitCodeOf(new UnknownTokenError({ token: "FOO" }))).toBe(EXIT_CODES.USAGE);
    expect(exitCodeOf(new RelayError({ code: "NONCE_USED", message: "m", status: 400, url: "u" }))).toBe(
      EXIT_CODES.RELAY_REFUSED,
    );
    expect(exitCodeOf(new RelayUnreachableError({ url: "http://x" }))).toBe(EXIT_CODES.UNREACHABLE);
    expect(exitCodeOf(new WrongChainError({ expected: 1, actual: 2, source: "s" }))).toBe(
      EXIT_CODES.VERIFICATION_FAILED,
    );
    expect(exitCodeOf(new ProofMismatchError({ leaf: "0x", chainBatchId: 1n, reason: "r" }))).toBe(
      EXIT_CODES.VERIFICATION_FAILED,
    );
    expect(exitCodeOf(new TimeoutError({ what: "x", timeoutMs: 1 }))).toBe(EXIT_CODES.TIMEOUT);
    expect(exitCodeOf(new Error("boom"))).toBe(EXIT_CODES.INTERNAL);
  });

  it("should print messages without stack traces, with a hint for known relay codes", () => {
    const text = formatError(
      new RelayError({
        code: "INSUFFICIENT_ALLOWANCE",
        message: "allowance 0",
        status: 400,
        url: "http://r/v1/orders",
      }),
    );
    expect(text).toContain("INSUFFICIENT_ALLOWANCE");
    expect(text).toContain("veil approve");
    expect(text).not.toMatch(/\n\s+at /);
    expect(formatError(new Error("boom"))).not.toMatch(/\n\s+at /);
  });
});
