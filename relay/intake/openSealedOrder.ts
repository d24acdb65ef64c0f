import { type Address, concat, type Hex, keccak256 } from "viem";
import type { Order } from "../../client/order/order.js";
import type { SignedOrder } from "../../client/wire/orderWire.js";
import { recoverOrderSigner } from "../crypto/recoverOrderSigner.js";
import { openSealedEnvelope } from "./openSealedEnvelope.js";

/**
 * A sealed order after all the CPU work of intake: opened, parsed, hashed, its ECDSA signer recovered. What
 * is left (field rules, EIP-1271 for a contract wallet, duplicates, chain checks, the write) needs the
 * relay's state and stays on the main thread.
 */
export type OpenedOrder = {
  signed: SignedOrder;
  /** EIP-712 digest of the order. */
  digest: Hex;
  /** orderLeaf(digest, salt): the order's id. */
  leaf: Hex;
  /** The ECDSA signer, or null when the signature is not a valid ECDSA one (then `signerError` says why). */
  signer: Address | null;
  signerError: string | null;
};

/**
 * Opens a sealed envelope and does every CPU-heavy step of intake that needs no relay state: native ECIES
 * decrypt, JSON + schema parse, EIP-712 digest, native ECDSA recovery, leaf. Pure (no I/O, no shared state):
 * the intake worker pool runs it on worker threads, and the relay runs it inline when it has no pool.
 * @throws RelayError DECRYPT_FAILED or BAD_REQUEST (from openSealedEnvelope); a bad signature is not thrown
 *   here (EIP-1271 may still accept it on the main thread)
 * @example const opened = openSealedOrder(relayKey, hashOrder, body.ciphertext)
 */
export function openSealedOrder(
  privateKey: Uint8Array,
  hashOrder: (order: Order) => Hex,
  ciphertext: Hex,
): OpenedOrder {
  // Buffer's native hex decoder (viem's hexToBytes is a JS loop); the route's schema checked the hex already
  return hashAndRecover(openSealedEnvelope(privateKey, Buffer.from(ciphertext.slice(2), "hex")), hashOrder);
}

/**
 * The digest, leaf and ECDSA signer of a parsed signed order (a signature that is not valid ECDSA gives
 * `signer: null` and the reason; EIP-1271 is for the caller to try).
 * @example const { digest, leaf, signer } = hashAndRecover(signed, hashOrder)
 */
export function hashAndRecover(signed: SignedOrder, hashOrder: (order: Order) => Hex): OpenedOrder {
  const digest = hashOrder(signed.order);
  const { signer, signerError } = recoverSignerOrReason(digest, signed.signature);
  return { signed, digest, leaf: leafOf(digest, signed.salt), signer, signerError };
}

/**
 * orderLeaf(digest, salt), the order's id: abi.encode of two bytes32 is their concatenation, so this skips
 * viem's ABI encoder on the hot path.
 * @example const id = leafOf(digest, signed.salt)
 */
export function leafOf(digest: Hex, salt: Hex): Hex {
  return keccak256(concat([digest, salt]));
}

/**
 * The ECDSA signer of `digest`, or null and the reason when `signature` is not a valid ECDSA one: not
 * thrown, since EIP-1271 may still accept it for a contract wallet.
 * @example const { signer, signerError } = recoverSignerOrReason(digest, signed.signature)
 */
export function recoverSignerOrReason(
  digest: Hex,
  signature: Hex,
): { signer: Address | null; signerError: string | null } {
  try {
    return { signer: recoverOrderSigner(digest, signature), signerError: null };
  } catch (err) {
    return { signer: null, signerError: (err as Error).message };
  }
}
