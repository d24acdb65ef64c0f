import { createDecipheriv } from "node:crypto";
import { DecryptFailedError } from "./cryptoErrors.js";
import {
  ECIES_EPHEMERAL_PK_BYTES,
  ECIES_NONCE_BYTES,
  ECIES_OVERHEAD_BYTES,
  ECIES_TAG_BYTES,
  ecdhSharedPoint,
  eciesSharedKey,
} from "./eciesWire.js";

/**
 * Opens an eciesjs-sealed envelope with the relay's private key on the native path (libsecp256k1 ECDH via
 * the `secp256k1` addon, node:crypto HKDF and AES-256-GCM): well over 100x faster than eciesjs's pure-JS
 * `decrypt`, and wire compatible with it (tested both ways against eciesjs; layout in `eciesWire.ts`).
 *
 * @param privateKey the relay's 32-byte secp256k1 secret key
 * @param ciphertext the envelope bytes
 * @returns the plaintext
 * @throws {DecryptFailedError} (code `DECRYPT_FAILED`) on any malformed, truncated, tampered or
 *   wrongly-addressed envelope; never a raw library error.
 * @example const json = new TextDecoder().decode(decryptSealed(relayKey, hexToBytes(body.ciphertext)))
 */
export function decryptSealed(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (!(ciphertext instanceof Uint8Array)) throw new DecryptFailedError("ciphertext must be bytes");
  if (ciphertext.length < ECIES_OVERHEAD_BYTES) {
    throw new DecryptFailedError(
      `ciphertext is ${ciphertext.length} bytes, shorter than the ${ECIES_OVERHEAD_BYTES}-byte envelope overhead`,
    );
  }
  if (ciphertext[0] !== 0x04) {
    throw new DecryptFailedError("ephemeral public key must be uncompressed (0x04 prefix)");
  }
  const ephemeralPk = ciphertext.subarray(0, ECIES_EPHEMERAL_PK_BYTES);
  let sharedPoint: Uint8Array;
  try {
    sharedPoint = ecdhSharedPoint(ephemeralPk, privateKey);
  } catch (cause) {
    throw new DecryptFailedError("ECDH failed: ephemeral public key is not a valid secp256k1 point", {
      cause,
    });
  }
  const key = eciesSharedKey(ephemeralPk, sharedPoint);
  const nonceEnd = ECIES_EPHEMERAL_PK_BYTES + ECIES_NONCE_BYTES;
  const tagEnd = nonceEnd + ECIES_TAG_BYTES;
  try {
    const nonce = ciphertext.subarray(ECIES_EPHEMERAL_PK_BYTES, nonceEnd);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: ECIES_TAG_BYTES });
    decipher.setAuthTag(ciphertext.subarray(nonceEnd, tagEnd));
    const head = decipher.update(ciphertext.subarray(tagEnd));
    const tail = decipher.final();
    const plain = tail.length === 0 ? head : Buffer.concat([head, tail]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
  } catch (cause) {
    throw new DecryptFailedError("authentication failed: not sealed to this relay's key, or tampered with", {
      cause,
    });
  }
}
