import { keccak256, parseGwei } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { decodePrivateTx } from "./decodePrivateTx.js";
import { InvalidParamsError, TransactionRejectedError } from "./rpcErrors.js";

const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const opts = { chainId: 31337, maxGasLimit: 30_000_000n };
const to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const sign = (over: Record<string, unknown> = {}) =>
  account.signTransaction({
    type: "eip1559",
    chainId: 31337,
    to,
    value: 5n,
    nonce: 7,
    gas: 21_000n,
    maxFeePerGas: parseGwei("3"),
    maxPriorityFeePerGas: parseGwei("1"),
    ...over,
  } as never);

describe("decodePrivateTx", () => {
  it("should decode an EIP-1559 tx with its hash and recovered sender", async () => {
    const raw = await sign();
    expect(await decodePrivateTx(raw, opts)).toEqual({
      hash: keccak256(raw),
      raw,
      from: account.address,
      to,
      nonce: 7,
      value: 5n,
      gas: 21_000n,
      maxFeePerGas: parseGwei("3"),
      maxPriorityFeePerGas: parseGwei("1"),
      data: "0x",
      chainId: 31337,
      type: "eip1559",
    });
  });

  it("should use the gas price as both fee fields of a legacy EIP-155 tx", async () => {
    const raw = await account.signTransaction({
      type: "legacy",
      chainId: 31337,
      to,
      nonce: 0,
      gas: 21_000n,
      gasPrice: 9n,
    });
    expect(await decodePrivateTx(raw, opts)).toMatchObject({
      type: "legacy",
      maxFeePerGas: 9n,
      maxPriorityFeePerGas: 9n,
    });
  });

  it("should refuse bytes that are not a signed transaction with InvalidParamsError", async () => {
    for (const raw of [undefined, "", "0x", "0xzz", "0x1234", "0x02c0"])
      await expect(decodePrivateTx(raw, opts)).rejects.toBeInstanceOf(InvalidParamsError);
  });

  it("should refuse another chain, a pre-EIP-155 tx, zero fee and gas out of range with clear reasons", async () => {
    await expect(decodePrivateTx(await sign({ chainId: 1 }), opts)).rejects.toThrow(
      "invalid chain id: transaction is signed for chain 1, this RPC serves chain 31337",
    );
    const unprotected = await account.signTransaction({
      type: "legacy",
      to,
      nonce: 0,
      gas: 21_000n,
      gasPrice: 9n,
    });
    await expect(decodePrivateTx(unprotected, opts)).rejects.toThrow(/not replay-protected/);
    await expect(
      decodePrivateTx(await sign({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }), opts),
    ).rejects.toThrow(TransactionRejectedError);
    await expect(decodePrivateTx(await sign({ gas: 20_999n }), opts)).rejects.toThrow(
      /intrinsic gas too low/,
    );
    await expect(decodePrivateTx(await sign({ gas: 30_000_001n }), opts)).rejects.toThrow(
      /exceeds block gas limit/,
    );
  });
});
