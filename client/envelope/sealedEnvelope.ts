import { encrypt } from "eciesjs";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { type SignedOrder, signedOrderToJson } from "../wire/orderWire.js";

/**
 * Seals a signed order to the relay: eciesjs (secp256k1, uncompressed ephemeral key, HKDF-SHA256,
 * AES-256-GCM, 16-byte nonce) over the UTF-8 JSON of {@link signedOrderToJson}. The result is the
 * `ciphertext` of `POST /v1/orders`.
 * @param relayPublicKey the relay's secp256k1 public key from `GET /v1/info` (0x-hex, 33 or 65 bytes)
 * @example const ciphertext = sealOrder(info.eciesPublicKey, { order, signature, salt })
 */
export function sealOrder(relayPublicKey: Hex, signed: SignedOrder): Hex {
  const plaintext = new TextEncoder().encode(JSON.stringify(signedOrderToJson(signed)));
  return bytesToHex(encrypt(hexToBytes(relayPublicKey), plaintext));
}
