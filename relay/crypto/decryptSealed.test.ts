import { hkdfSync, randomBytes } from "node:crypto";
import { decrypt, encrypt, PrivateKey } from "eciesjs";
import { bytesToHex, hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { sealOrder } from "../../client/envelope/sealedEnvelope.js";
import { hashOrder, type Order, randomSalt } from "../../client/order/order.js";
import { signedOrderSchema } from "../../client/wire/orderWire.js";
import { CryptoError, DecryptFailedError } from "./cryptoErrors.js";
import { decryptSealed } from "./decryptSealed.js";
import { ECIES_OVERHEAD_BYTES, eciesSharedKey } from "./eciesWire.js";
import { encryptSealed } from "./encryptSealed.js";
import { isNativeSecp256k1 } from "./secp256k1Native.js";

const relay = new PrivateKey();
const relayPk = relay.publicKey.toBytes(false);

function expectDecryptFailed(fn: () => unknown): DecryptFailedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecryptFailedError);
    expect(e).toBeInstanceOf(CryptoError);
    expect((e as DecryptFailedError).code).toBe("DECRYPT_FAILED");
    return e as DecryptFailedError;
  }
  throw new Error("expected decryptSealed to throw");
}

describe("decryptSealed", () => {
  it("should run on the native libsecp256k1 addon", () => {
    expect(isNativeSecp256k1).toBe(true);
  });

  it("should open what eciesjs seals, for empty, small and large plaintexts", () => {
    for (const size of [0, 1, 15, 16, 17, 300, 4096, 70_000]) {
      const plain = new Uint8Array(randomBytes(size));
      const sealed = encrypt(relayPk, plain);
      expect(sealed.length).toBe(ECIES_OVERHEAD_BYTES + size);
      expect(decryptSealed(relay.secret, sealed)).toEqual(plain);
    }
  });

  it("should open eciesjs envelopes sealed to the compressed form of the key", () => {
    const plain = new TextEncoder().encode("compressed recipient key");
    const sealed = encrypt(relay.publicKey.toBytes(true), plain);
    expect(decryptSealed(relay.secret, sealed)).toEqual(plain);
  });

  it("should let eciesjs open what the native encryptor seals", () => {
    for (const size of [0, 1, 33, 1000]) {
      const plain = new Uint8Array(randomBytes(size));
      const sealed = encryptSealed(relayPk, plain);
      expect(decrypt(relay.secret, sealed)).toEqual(plain);
      expect(decryptSealed(relay.secret, sealed)).toEqual(plain);
    }
    const compressed = encryptSealed(relay.publicKey.toBytes(true), new Uint8Array([1, 2, 3]));
    expect(decrypt(relay.secret, compressed)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("should round-trip a real sealed order from the client envelope into a valid signed order", async () => {
    const account = privateKeyToAccount(bytesToHex(new PrivateKey().secret));
    const settlement = "0x00000000000000000000000000000000000000aa";
    const order: Order = {
      trader: account.address,
      sellToken: "0x0000000000000000000000000000000000000001",
      buyToken: "0x0000000000000000000000000000000000000002",
      sellAmount: 10n ** 18n,
      minBuyAmount: 2_000_000n,
      nonce: 7n,
      validTo: 1_900_000_000n,
      commitBy: 1_000n,
      feeAmount: 0n,
    };
    const signature = await account.sign({ hash: hashOrder(order, 31337, settlement) });
    const salt = randomSalt();
    const ciphertext = sealOrder(bytesToHex(relayPk), { order, signature, salt });
    const json = JSON.parse(new TextDecoder().decode(decryptSealed(relay.secret, hexToBytes(ciphertext))));
    const parsed = signedOrderSchema.parse(json);
    expect(parsed.order).toEqual(order);
    expect(parsed.signature).toBe(signature);
    expect(parsed.salt).toBe(salt);
  });

  it("should reject a tampered envelope in every region (key, nonce, tag, body)", () => {
    const sealed = encrypt(relayPk, new TextEncoder().encode("the order"));
    for (const at of [1, 40, 64, 65, 80, 81, 96, 97, sealed.length - 1]) {
      const bad = Uint8Array.from(sealed);
      bad[at] ^= 0x01;
      expectDecryptFailed(() => decryptSealed(relay.secret, bad));
    }
  });

  it("should reject truncated envelopes of every length", () => {
    const sealed = encrypt(relayPk, new TextEncoder().encode("abc"));
    for (let len = 0; len < sealed.length; len++) {
      expectDecryptFailed(() => decryptSealed(relay.secret, sealed.subarray(0, len)));
    }
    expect(expectDecryptFailed(() => decryptSealed(relay.secret, new Uint8Array(10))).message).toMatch(
      /shorter than the 97-byte/,
    );
  });

  it("should reject an envelope sealed to another key", () => {
    const other = new PrivateKey();
    const sealed = encrypt(other.publicKey.toBytes(false), new TextEncoder().encode("not for you"));
    expect(expectDecryptFailed(() => decryptSealed(relay.secret, sealed)).message).toMatch(/authentication/);
  });

  it("should reject compressed, hybrid and off-curve ephemeral keys and garbage", () => {
    const sealed = encrypt(relayPk, new TextEncoder().encode("x"));
    const hybrid = Uint8Array.from(sealed);
    hybrid[0] = 0x06;
    expectDecryptFailed(() => decryptSealed(relay.secret, hybrid));
    const offCurve = Uint8Array.from(sealed);
    offCurve.fill(0xff, 1, 65);
    expect(expectDecryptFailed(() => decryptSealed(relay.secret, offCurve)).message).toMatch(/ECDH/);
    expectDecryptFailed(() => decryptSealed(relay.secret, new Uint8Array(randomBytes(200))));
    expectDecryptFailed(() => decryptSealed(relay.secret, "0x1234" as unknown as Uint8Array));
  });

  it("should say which check refused the envelope, keeping the library's error as the cause", () => {
    // Each refusal names its reason (operators read them in logs); a library failure is never the message.
    const hex = `0x${"04".repeat(60)}` as unknown as Uint8Array; // a string of envelope length, not bytes
    expect(expectDecryptFailed(() => decryptSealed(relay.secret, hex)).message).toBe(
      "cannot decrypt sealed order: ciphertext must be bytes",
    );
    const sealed = encrypt(relayPk, new TextEncoder().encode("x"));
    const compressed = Uint8Array.from(sealed);
    compressed[0] = 0x02;
    expect(expectDecryptFailed(() => decryptSealed(relay.secret, compressed)).message).toBe(
      "cannot decrypt sealed order: ephemeral public key must be uncompressed (0x04 prefix)",
    );
    const offCurve = Uint8Array.from(sealed);
    offCurve.fill(0xff, 1, 65);
    const ecdh = expectDecryptFailed(() => decryptSealed(relay.secret, offCurve));
    expect(ecdh.message).toBe(
      "cannot decrypt sealed order: ECDH failed: ephemeral public key is not a valid secp256k1 point",
    );
    expect(ecdh.cause).toBeInstanceOf(Error);
    const tampered = Uint8Array.from(sealed);
    tampered[tampered.length - 1] ^= 0x01;
    const auth = expectDecryptFailed(() => decryptSealed(relay.secret, tampered));
    expect(auth.message).toBe(
      "cannot decrypt sealed order: authentication failed: not sealed to this relay's key, or tampered with",
    );
    expect(auth.cause).toBeInstanceOf(Error);
  });
});

describe("eciesSharedKey", () => {
  it("should equal node:crypto hkdfSync (sha256, no salt, no info, 32 bytes) over ephemeralPk || sharedPoint", () => {
    for (let i = 0; i < 20; i++) {
      const a = new Uint8Array(randomBytes(65));
      const b = new Uint8Array(randomBytes(65));
      const expected = Buffer.from(
        hkdfSync("sha256", Buffer.concat([a, b]), new Uint8Array(0), new Uint8Array(0), 32),
      );
      expect(eciesSharedKey(a, b).equals(expected)).toBe(true);
    }
  });
});
