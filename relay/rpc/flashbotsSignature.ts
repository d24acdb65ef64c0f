/**
 * Verifies an `X-Flashbots-Signature` header (`<address>:<0x 65-byte signature>`): an EIP-191 personal_sign
 * over the text of the hex string keccak256(raw body bytes), exactly as Flashbots' go-utils checks it.
 * Used to authenticate eth_cancelPrivateTransaction: only the tx's sender may cancel it. The devnet builder
 * (scripts/devnet/builder) runs the same check through `checkFlashbotsSignature` and words its own errors.
 */
import { type Address, getAddress, type Hex, isAddress, isHex, keccak256, recoverMessageAddress } from "viem";
import { UnauthorizedError } from "./rpcErrors.js";

/**
 * What a header check found: the signer, or the first thing wrong with it (`header`: not
 * `<address>:<signature>`; `signature`: not 65 bytes of 0x hex; `unrecoverable`; `wrongSigner`: it recovers
 * to another address than the one named).
 */
export type FlashbotsSignatureCheck =
  | { ok: true; signer: Address }
  | { ok: false; problem: "missing" | "header" | "signature" }
  | { ok: false; problem: "unrecoverable"; cause: unknown }
  | { ok: false; problem: "wrongSigner"; claimed: Address; recovered: Address };

/**
 * Checks `header` against the exact bytes received (never a re-serialization) and says what is wrong
 * without throwing, so each server can word its errors in its own protocol.
 * @example const check = await checkFlashbotsSignature(header, bodyBytes); if (check.ok) use(check.signer)
 */
export async function checkFlashbotsSignature(
  header: string | undefined,
  rawBody: Uint8Array,
): Promise<FlashbotsSignatureCheck> {
  if (!header) return { ok: false, problem: "missing" };
  const [address, signature, ...rest] = header.split(":");
  if (rest.length > 0 || !address || !signature || !isAddress(address, { strict: false }))
    return { ok: false, problem: "header" };
  if (!isHex(signature) || signature.length !== 132) return { ok: false, problem: "signature" };
  let recovered: Address;
  try {
    recovered = await recoverMessageAddress({ message: keccak256(rawBody), signature: signature as Hex });
  } catch (cause) {
    return { ok: false, problem: "unrecoverable", cause };
  }
  const claimed = getAddress(address);
  if (recovered !== claimed) return { ok: false, problem: "wrongSigner", claimed, recovered };
  return { ok: true, signer: recovered };
}

/** A failed {@link checkFlashbotsSignature}. */
export type FlashbotsSignatureFailure = Extract<FlashbotsSignatureCheck, { ok: false }>;

/**
 * The signer of `rawBody`, or the error `refuse` words for what is wrong: one check, each server's own
 * error type (the relay's JSON-RPC errors here, the devnet builder's codes in scripts/devnet/builder).
 * @example const signer = await requireFlashbotsSignature(header, body, (f) => new Error(f.problem))
 */
export async function requireFlashbotsSignature(
  header: string | undefined,
  rawBody: Uint8Array,
  refuse: (failure: FlashbotsSignatureFailure) => Error,
): Promise<Address> {
  const check = await checkFlashbotsSignature(header, rawBody);
  if (!check.ok) throw refuse(check);
  return check.signer;
}

/** The relay's wording of each failure: what to fix, as an UnauthorizedError. */
function unauthorized(failure: FlashbotsSignatureFailure): UnauthorizedError {
  switch (failure.problem) {
    case "missing":
      return new UnauthorizedError(
        "missing X-Flashbots-Signature header: sign keccak256(body) with the sender's key (personal_sign)",
      );
    case "header":
      return new UnauthorizedError(
        "malformed X-Flashbots-Signature header: expected <address>:<0x signature>",
      );
    case "signature":
      return new UnauthorizedError(
        "malformed X-Flashbots-Signature header: signature must be 65 bytes of 0x hex",
      );
    case "unrecoverable":
      return new UnauthorizedError("X-Flashbots-Signature does not recover to any address");
    case "wrongSigner":
      return new UnauthorizedError(`X-Flashbots-Signature is not signed by ${failure.claimed}`);
  }
}

/**
 * Returns the address that signed `rawBody`, after checking the header is well-formed and recovers to the
 * address it names.
 * @throws UnauthorizedError with a message saying what to fix.
 * @example const signer = await verifyFlashbotsSignature(header, bodyBytes)
 */
export function verifyFlashbotsSignature(header: string | undefined, rawBody: Uint8Array): Promise<Address> {
  return requireFlashbotsSignature(header, rawBody, unauthorized);
}
