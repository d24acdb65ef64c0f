import { randomBytes } from "node:crypto";
import { getAddress, type Hex, recoverTypedDataAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { hashOrder, ORDER_TYPES, type Order, veilDomain } from "../../client/order/order.js";
import { InvalidSignatureError } from "./cryptoErrors.js";
import { recoverOrderSigner } from "./recoverOrderSigner.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const settlement = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const chainId = 31337;

const addr = () => getAddress(`0x${randomBytes(20).toString("hex")}`);
function randomOrder(trader: Order["trader"]): Order {
  return {
    trader,
    sellToken: addr(),
    buyToken: addr(),
    sellAmount: BigInt(`0x${randomBytes(12).toString("hex")}`),
    minBuyAmount: BigInt(`0x${randomBytes(10).toString("hex")}`),
    nonce: BigInt(`0x${randomBytes(4).toString("hex")}`),
    validTo: 1_900_000_000n,
    commitBy: 1_000n,
    feeAmount: 0n,
  };
}

async function signedOrder() {
  const account = privateKeyToAccount(generatePrivateKey());
  const order = randomOrder(account.address);
  const signature = await account.signTypedData({
    domain: veilDomain(chainId, settlement),
    types: ORDER_TYPES,
    primaryType: "Order",
    message: order,
  });
  return { account, order, signature, digest: hashOrder(order, chainId, settlement) };
}

function expectInvalid(fn: () => unknown, pattern: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InvalidSignatureError);
  expect((thrown as InvalidSignatureError).code).toBe("INVALID_SIGNATURE");
  expect((thrown as Error).message).toMatch(pattern);
}

/** The malleable twin of a signature: (r, n - s, v ^ 1). Valid for ecrecover, rejected by the contract. */
function highS(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  const twinS = (N - s).toString(16).padStart(64, "0");
  return `${signature.slice(0, 66)}${twinS}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

describe("recoverOrderSigner", () => {
  it("should agree with viem recoverTypedDataAddress for many random keys and orders", async () => {
    for (let i = 0; i < 60; i++) {
      const { account, order, signature, digest } = await signedOrder();
      const viemSigner = await recoverTypedDataAddress({
        domain: veilDomain(chainId, settlement),
        types: ORDER_TYPES,
        primaryType: "Order",
        message: order,
        signature,
      });
      expect(recoverOrderSigner(digest, signature)).toBe(viemSigner);
      expect(viemSigner).toBe(account.address);
    }
  });

  it("should recover a different address when the order is changed after signing", async () => {
    const { account, order, signature } = await signedOrder();
    const changed = hashOrder({ ...order, minBuyAmount: order.minBuyAmount + 1n }, chainId, settlement);
    expect(recoverOrderSigner(changed, signature)).not.toBe(account.address);
    const otherChain = hashOrder(order, 1, settlement);
    expect(recoverOrderSigner(otherChain, signature)).not.toBe(account.address);
  });

  it("should reject the high-s malleable twin that plain ecrecover would accept", async () => {
    const { digest, signature } = await signedOrder();
    expectInvalid(() => recoverOrderSigner(digest, highS(signature)), /upper half/);
  });

  it("should reject v other than 27 or 28", async () => {
    const { digest, signature } = await signedOrder();
    for (const v of ["00", "01", "1d", "25", "ff"]) {
      expectInvalid(
        () => recoverOrderSigner(digest, `${signature.slice(0, 130)}${v}` as Hex),
        /v must be 27 or 28/,
      );
    }
  });

  it("should reject EIP-2098 compact, truncated, overlong and non-hex signatures", async () => {
    const { digest, signature } = await signedOrder();
    for (const bad of [
      signature.slice(0, 130),
      signature.slice(0, 20),
      `${signature}00`,
      "0x",
      "",
      `0x${"zz".repeat(65)}`,
      signature.slice(2),
    ]) {
      expectInvalid(() => recoverOrderSigner(digest, bad as Hex), /65 bytes/);
    }
    expectInvalid(() => recoverOrderSigner("0x1234", signature), /digest/);
  });

  it("should accept s exactly at n/2 (the contract's bound is inclusive) and refuse n/2 + 1", async () => {
    const { digest, signature } = await signedOrder();
    const half = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
    const withS = (s: bigint) => `${signature.slice(0, 66)}${s.toString(16).padStart(64, "0")}1b` as Hex;
    expect(() => recoverOrderSigner(digest, withS(half))).not.toThrow(/malleable/);
    expectInvalid(() => recoverOrderSigner(digest, withS(half + 1n)), /malleable/);
  });

  it("should refuse a digest or signature with extra characters around the hex, or of another type", async () => {
    const { digest, signature } = await signedOrder();
    expectInvalid(
      () => recoverOrderSigner(`${digest}00` as Hex, signature),
      /digest must be 0x-hex of 32 bytes/,
    );
    expectInvalid(
      () => recoverOrderSigner(`00${digest}` as Hex, signature),
      /digest must be 0x-hex of 32 bytes/,
    );
    expectInvalid(() => recoverOrderSigner(42 as unknown as Hex, signature), /digest/);
    expectInvalid(
      () => recoverOrderSigner(digest, 42 as unknown as Hex),
      /signature must be 0x-hex of 65 bytes/,
    );
  });

  it("should keep the library's error as the cause when r is out of range", async () => {
    const { digest, signature } = await signedOrder();
    const rTooBig = N.toString(16).padStart(64, "0");
    try {
      recoverOrderSigner(digest, `0x${rTooBig}${signature.slice(66)}` as Hex);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).cause).toBeInstanceOf(Error);
    }
  });

  it("should reject r = 0, s = 0 and r >= n", async () => {
    const { digest, signature } = await signedOrder();
    const zero = "0".repeat(64);
    const v = signature.slice(130);
    expectInvalid(
      () => recoverOrderSigner(digest, `0x${zero}${signature.slice(66, 130)}${v}` as Hex),
      /recover/,
    );
    expectInvalid(() => recoverOrderSigner(digest, `${signature.slice(0, 66)}${zero}${v}` as Hex), /recover/);
    const rTooBig = N.toString(16).padStart(64, "0");
    expectInvalid(
      () => recoverOrderSigner(digest, `0x${rTooBig}${signature.slice(66, 130)}${v}` as Hex),
      /recover/,
    );
  });
});
