import { createCipheriv, randomBytes } from "node:crypto";
import {
  ECIES_EPHEMERAL_PK_BYTES,
  ECIES_NONCE_BYTES,
  ECIES_OVERHEAD_BYTES,
  ECIES_TAG_BYTES,
  ecdhSharedPoint,
  eciesSharedKey,
} from "./eciesWire.js";
import { secp256k1 } from "./secp256k1Native.js";

/**
 * Seals bytes to a secp256k1 public key in the eciesjs 0.5 default wire format, on the native path.
 * Clients keep using eciesjs (`client/envelope/sealedEnvelope.ts`); this exists so load generators and
 * benchmarks can prepare tens of thousands of envelopes quickly (eciesjs encrypts ~90/s), and as the second
 * direction of the wire-compatibility tests (native encrypt -> eciesjs decrypt).
 *
 * @param publicKey recipient public key, 33 (compressed) or 65 (uncompressed) bytes
 * @param plaintext bytes to seal
 * @returns ephemeralPk (65) || nonce (16) || tag (16) || ciphertext
 * @example const envelope = encryptSealed(hexToBytes(info.eciesPublicKey), utf8Json)
 */
export function encryptSealed(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  let ephemeralSk: Uint8Array;
  do ephemeralSk = randomBytes(32);
  while (!secp256k1.privateKeyVerify(ephemeralSk));
  const ephemeralPk = secp256k1.publicKeyCreate(ephemeralSk, false);
  const key = eciesSharedKey(ephemeralPk, ecdhSharedPoint(publicKey, ephemeralSk));
  const nonce = randomBytes(ECIES_NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: ECIES_TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const out = new Uint8Array(ECIES_OVERHEAD_BYTES + body.length);
  out.set(ephemeralPk, 0);
  out.set(nonce, ECIES_EPHEMERAL_PK_BYTES);
  out.set(cipher.getAuthTag(), ECIES_EPHEMERAL_PK_BYTES + ECIES_NONCE_BYTES);
  out.set(body, ECIES_OVERHEAD_BYTES);
  return out;
}
