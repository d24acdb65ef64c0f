import { type SignedOrder, signedOrderSchema } from "../../client/wire/orderWire.js";
import { decryptSealed } from "../crypto/decryptSealed.js";
import { RelayError } from "../errors/relayError.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Opens a sealed envelope (native ECIES decrypt from relay/crypto) and parses the plaintext with the one
 * wire schema. Any failure to open is DECRYPT_FAILED; a plaintext that opens but is not a signed order is
 * BAD_REQUEST with the schema's complaints.
 */
export function openSealedEnvelope(privateKey: Uint8Array, ciphertext: Uint8Array): SignedOrder {
  let plain: Uint8Array;
  try {
    plain = decryptSealed(privateKey, ciphertext);
  } catch (err) {
    throw new RelayError("DECRYPT_FAILED", `cannot decrypt the sealed order: ${(err as Error).message}`, {
      cause: err,
      details: { hint: "seal with the eciesPublicKey from GET /v1/info" },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(plain));
  } catch (cause) {
    throw new RelayError("BAD_REQUEST", "the sealed plaintext is not UTF-8 JSON", { cause });
  }
  const parsed = signedOrderSchema.safeParse(json);
  if (!parsed.success)
    throw new RelayError(
      "BAD_REQUEST",
      "the sealed plaintext is not a signed order {order, signature, salt}",
      {
        details: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    );
  return parsed.data as SignedOrder;
}
