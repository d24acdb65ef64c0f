import { type Address, getAddress, type Hex, isAddress, keccak256, recoverMessageAddress } from "viem";
import { BuilderRpcError } from "./builderErrors.js";

/**
 * Checks an `X-Flashbots-Signature` header (`<address>:<0x 65-byte sig>`): an EIP-191 personal_sign over
 * the text of keccak256(raw body) as a 0x hex string, exactly as flashbots/go-utils verifies it. The raw
 * bytes as received are hashed, never a re-serialization.
 *
 * @param header the header value, or undefined when absent
 * @param rawBody request body bytes
 * @returns the authenticated signer (owner of the bundles it sends)
 * @throws BuilderRpcError SIGNATURE_MISSING / SIGNATURE_INVALID
 * @example const signer = await verifyFlashbotsSignature(req.headers["x-flashbots-signature"], body);
 */
export async function verifyFlashbotsSignature(
  header: string | undefined,
  rawBody: Uint8Array,
): Promise<Address> {
  if (!header) {
    throw new BuilderRpcError(
      "SIGNATURE_MISSING",
      "missing X-Flashbots-Signature header: sign keccak256(body) with personal_sign, send `<address>:<signature>`",
    );
  }
  const parts = header.split(":");
  if (
    parts.length !== 2 ||
    !isAddress(parts[0]!, { strict: false }) ||
    !/^0x[0-9a-fA-F]{130}$/.test(parts[1]!)
  ) {
    throw new BuilderRpcError(
      "SIGNATURE_INVALID",
      "malformed X-Flashbots-Signature: expected `<0x address>:<0x 65-byte signature>`",
    );
  }
  const claimed = getAddress(parts[0]!);
  let recovered: Address;
  try {
    recovered = await recoverMessageAddress({ message: keccak256(rawBody), signature: parts[1] as Hex });
  } catch (cause) {
    throw new BuilderRpcError("SIGNATURE_INVALID", "X-Flashbots-Signature: signature does not recover", {
      cause,
    });
  }
  if (recovered !== claimed) {
    throw new BuilderRpcError(
      "SIGNATURE_INVALID",
      `X-Flashbots-Signature: signature is from ${recovered}, not ${claimed} (is keccak256 taken over the exact body?)`,
    );
  }
  return claimed;
}
