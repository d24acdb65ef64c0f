import { bytesToHex, type Hex, hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { hashOrder, type Order, orderLeaf, randomSalt } from "../../client/order/order.js";
import { generateEciesKey } from "../crypto/eciesKey.js";
import { encryptSealed } from "../crypto/encryptSealed.js";
import { RelayError } from "../errors/relayError.js";
import { SealedOrderPool } from "./sealedOrderPool.js";

const chainId = 31337;
const settlement = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const relayKey = generateEciesKey();
const trader = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b69690d");

async function sealed(nonce: bigint, signer = trader) {
  const order: Order = {
    trader: trader.address,
    sellToken: "0x0000000000000000000000000000000000000001",
    buyToken: "0x0000000000000000000000000000000000000002",
    sellAmount: 10n ** 18n,
    minBuyAmount: 1n,
    nonce,
    validTo: 2_000_000_000n,
    commitBy: 100n,
    feeAmount: 0n,
  };
  const digest = hashOrder(order, chainId, settlement);
  const signature = await signer.sign({ hash: digest });
  const salt = randomSalt();
  return {
    order,
    digest,
    salt,
    ciphertext: sealOrder(relayKey.publicKey, { order, signature, salt }) as Hex,
  };
}

const pools: SealedOrderPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});
const pool = (workers: number) => {
  const p = new SealedOrderPool({ workers, privateKey: relayKey.privateKey, chainId, settlement });
  pools.push(p);
  return p;
};

describe("SealedOrderPool", () => {
  it("should open, hash and recover on worker threads exactly as inline", async () => {
    const threads = pool(2);
    await threads.ready();
    expect(threads.size).toBe(2);
    const inline = pool(0);
    const orders = await Promise.all(Array.from({ length: 40 }, (_, i) => sealed(BigInt(i))));
    const opened = await Promise.all(orders.map((o) => threads.open(o.ciphertext)));
    for (const [i, o] of opened.entries()) {
      expect(o.signer).toBe(trader.address);
      expect(o.signerError).toBeNull();
      expect(o.digest).toBe(orders[i].digest);
      expect(o.leaf).toBe(orderLeaf(orders[i].digest, orders[i].salt));
      expect(o.signed.order).toEqual(orders[i].order); // bigints survive the thread boundary
      expect(await inline.open(orders[i].ciphertext)).toEqual(o);
    }
  });

  it("should carry a RelayError across the thread boundary with its code", async () => {
    const threads = pool(1);
    const { ciphertext } = await sealed(1n);
    const tampered = hexToBytes(ciphertext);
    tampered[tampered.length - 1] ^= 1;
    const err = await threads.open(bytesToHex(tampered)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe("DECRYPT_FAILED");
    const notAnOrder = bytesToHex(
      encryptSealed(hexToBytes(relayKey.publicKey), new TextEncoder().encode('{"hello":"world"}')),
    );
    expect(((await threads.open(notAnOrder).catch((e: unknown) => e)) as RelayError).code).toBe(
      "BAD_REQUEST",
    );
  });

  it("should report a signature by someone else as another signer, not throw (EIP-1271 is the caller's)", async () => {
    const other = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    const { ciphertext } = await sealed(2n, other);
    const opened = await pool(1).open(ciphertext);
    expect(opened.signer).toBe(other.address);
    expect(opened.signed.order.trader).toBe(trader.address);
  });

  it("should fail the jobs of a closed pool instead of hanging", async () => {
    const threads = pool(1);
    await threads.ready();
    await threads.close();
    const { ciphertext } = await sealed(3n);
    await expect(threads.open(ciphertext)).rejects.toThrow(/closed/);
  });
});
