/**
 * Verifies an `X-Flashbots-Signature` header (`<address>:<0x 65-byte signature>`): an EIP-191 personal_sign
 * over the text of the hex string keccak256(raw body bytes), exactly as Flashbots' go-utils checks it.
 * Used to authenticate eth_cancelPrivateTransaction: only the tx's sender may cancel it.
 */
import { type Address, getAddress, type Hex, isAddress, isHex, keccak256, recoverMessageAddress } from "viem";
import { UnauthorizedError } from "./rpcErrors.js";

/**
 * Returns the address that signed `rawBody`, after checking the header is well-formed and recovers to the
 * address it names.
 * @throws UnauthorizedError with a message saying what to fix.
 * @example const signer = await verifyFlashbotsSignature(header, bodyBytes)
 */
export async function verifyFlashbotsSignature(
  header: string | undefined,
  rawBody: Uint8Array,
): Promise<Address> {
  if (!header)
    throw new UnauthorizedError(
      "missing X-Flashbots-Signature header: sign keccak256(body) with the sender's key (personal_sign)",
    );
  const [address, signature, ...rest] = header.split(":");
  if (rest.length > 0 || !address || !signature || !isAddress(address, { strict: false }))
    throw new UnauthorizedError("malformed X-Flashbots-Signature header: expected <address>:<0x signature>");
  if (!isHex(signature) || signature.length !== 132)
    throw new UnauthorizedError(
      "malformed X-Flashbots-Signature header: signature must be 65 bytes of 0x hex",
    );
  let signer: Address;
  try {
    signer = await recoverMessageAddress({ message: keccak256(rawBody), signature: signature as Hex });
  } catch {
    throw new UnauthorizedError("X-Flashbots-Signature does not recover to any address");
  }
  if (signer.toLowerCase() !== address.toLowerCase())
    throw new UnauthorizedError(`X-Flashbots-Signature is not signed by ${getAddress(address)}`);
  return signer;
}
