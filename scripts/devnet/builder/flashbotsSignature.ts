import type { Address } from "viem";
import {
  type FlashbotsSignatureFailure,
  requireFlashbotsSignature,
} from "../../../relay/rpc/flashbotsSignature.js";
import { BuilderRpcError } from "./builderErrors.js";

/**
 * Checks an `X-Flashbots-Signature` header (`<address>:<0x 65-byte sig>`): an EIP-191 personal_sign over
 * the text of keccak256(raw body) as a 0x hex string, exactly as flashbots/go-utils verifies it. The check
 * itself is the relay's (`requireFlashbotsSignature`); this names its failures in the builder's error codes.
 *
 * @param header the header value, or undefined when absent
 * @param rawBody request body bytes
 * @returns the authenticated signer (owner of the bundles it sends)
 * @throws BuilderRpcError SIGNATURE_MISSING / SIGNATURE_INVALID
 * @example const signer = await verifyFlashbotsSignature(req.headers["x-flashbots-signature"], body);
 */
export function verifyFlashbotsSignature(header: string | undefined, rawBody: Uint8Array): Promise<Address> {
  return requireFlashbotsSignature(header, rawBody, builderError);
}

/** The builder's wording of each failure, in its error codes. */
function builderError(failure: FlashbotsSignatureFailure): BuilderRpcError {
  switch (failure.problem) {
    case "missing":
      return new BuilderRpcError(
        "SIGNATURE_MISSING",
        "missing X-Flashbots-Signature header: sign keccak256(body) with personal_sign, send `<address>:<signature>`",
      );
    case "header":
    case "signature":
      return new BuilderRpcError(
        "SIGNATURE_INVALID",
        "malformed X-Flashbots-Signature: expected `<0x address>:<0x 65-byte signature>`",
      );
    case "unrecoverable":
      return new BuilderRpcError("SIGNATURE_INVALID", "X-Flashbots-Signature: signature does not recover", {
        cause: failure.cause,
      });
    case "wrongSigner":
      return new BuilderRpcError(
        "SIGNATURE_INVALID",
        `X-Flashbots-Signature: signature is from ${failure.recovered}, not ${failure.claimed} (is keccak256 taken over the exact body?)`,
      );
  }
}
