import {
  type Hex,
  numberToHex,
  parseGwei,
  parseTransaction,
  recoverTransactionAddress,
  serializeTransaction,
  type TransactionSerializable,
  type TransactionSerialized,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { recoverTxSender } from "./recoverTxSender.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const to: Hex = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** One signed tx of each type (legacy without and with EIP-155, 2930, 1559, 7702) from a random key. */
async function signedTxs(): Promise<{ from: string; raw: Hex }[]> {
  const account = privateKeyToAccount(generatePrivateKey());
  const base = { to, value: 5n, nonce: 7, gas: 50_000n, data: "0x1234" as Hex };
  const authorization = await account.signAuthorization({ address: to, chainId: 31337, nonce: 8 });
  const txs: TransactionSerializable[] = [
    { ...base, type: "legacy", gasPrice: parseGwei("2") },
    { ...base, type: "legacy", gasPrice: parseGwei("2"), chainId: 31337 },
    { ...base, type: "eip2930", gasPrice: parseGwei("2"), chainId: 1, accessList: [] },
    {
      ...base,
      type: "eip1559",
      chainId: 31337,
      maxFeePerGas: parseGwei("3"),
      maxPriorityFeePerGas: parseGwei("1"),
      accessList: [{ address: to, storageKeys: [`0x${"01".repeat(32)}`] }],
    },
    {
      ...base,
      type: "eip7702",
      chainId: 31337,
      maxFeePerGas: parseGwei("3"),
      maxPriorityFeePerGas: parseGwei("1"),
      authorizationList: [authorization],
    },
  ];
  return Promise.all(
    txs.map(async (tx) => ({ from: account.address, raw: await account.signTransaction(tx as never) })),
  );
}

/** The same tx with its malleable twin signature: s -> n - s, the recovery bit flipped. */
function highS(raw: Hex): Hex {
  const tx = parseTransaction(raw);
  const s = N - BigInt(tx.s as Hex);
  const { r, v, yParity, ...unsigned } = tx;
  const flipped = {
    r: r as Hex,
    s: numberToHex(s, { size: 32 }),
    // legacy txs carry v (27/28 or EIP-155), typed ones yParity
    ...(tx.type === "legacy" ? { v: (v as bigint) % 2n === 0n ? v! - 1n : v! + 1n } : {}),
    ...(yParity !== undefined ? { yParity: 1 - yParity } : {}),
  };
  return serializeTransaction(unsigned as TransactionSerializable, flipped as never);
}

describe("recoverTxSender", () => {
  it("should recover the signer of every tx type, as viem's pure-JS recovery does", async () => {
    for (let round = 0; round < 5; round++) {
      for (const { from, raw } of await signedTxs()) {
        const viem = await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized });
        expect(viem).toBe(from);
        expect(recoverTxSender(parseTransaction(raw))).toBe(from);
      }
    }
  });

  it("should agree with viem on high-s twins (a node refuses them later; recovery does not)", async () => {
    for (const { raw } of await signedTxs()) {
      const twin = highS(raw);
      const viem = await recoverTransactionAddress({ serializedTransaction: twin as TransactionSerialized });
      expect(recoverTxSender(parseTransaction(twin))).toBe(viem);
    }
  });

  it("should throw for a tx without a signature or with r out of range", async () => {
    const [, legacy155, , eip1559] = await signedTxs();
    const unsigned = parseTransaction(
      serializeTransaction({
        ...parseTransaction(eip1559.raw),
        r: undefined,
        s: undefined,
        yParity: undefined,
      }),
    );
    expect(() => recoverTxSender(unsigned)).toThrow();
    const tx = parseTransaction(legacy155.raw);
    expect(() => recoverTxSender({ ...tx, r: numberToHex(N, { size: 32 }) })).toThrow();
    expect(() => recoverTxSender({ ...tx, r: "0x00" })).toThrow();
    expect(() => recoverTxSender({ ...parseTransaction(eip1559.raw), yParity: 5 })).toThrow();
  });

  it("should recover a different address when one signed field changed", async () => {
    const [, , , eip1559] = await signedTxs();
    const tx = parseTransaction(eip1559.raw);
    expect(recoverTxSender({ ...tx, nonce: 8 })).not.toBe(eip1559.from);
  });
});
