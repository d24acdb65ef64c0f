/**
 * The part of reading a raw signed transaction that every server here does the same way: EIP-2718 decode,
 * sender recovery, the fee caps of any tx type, the hash. The wallet RPC (decodePrivateTx) and the devnet
 * builder (scripts/devnet/builder/decodeRawTx) each add their own rules and word the failures in their own
 * protocol, so this reports what is wrong instead of throwing.
 */
import { type Address, type Hex, keccak256, parseTransaction } from "viem";
import { recoverTxSender } from "../crypto/recoverTxSender.js";

/** A decoded, signature-checked transaction. */
export type SignedTx = {
  /** What viem parsed, as a serializable transaction. */
  tx: ReturnType<typeof parseTransaction>;
  /** The tx type; a type-0 tx parses without one and is "legacy". */
  type: NonNullable<ReturnType<typeof parseTransaction>["type"]>;
  hash: Hex;
  from: Address;
  nonce: number;
  gas: bigint;
  /** maxFeePerGas, or gasPrice for legacy / EIP-2930. */
  maxFeePerGas: bigint;
  /** maxPriorityFeePerGas, or gasPrice for legacy / EIP-2930. */
  maxPriorityFeePerGas: bigint;
};

/**
 * What decoding found: the transaction, or the first thing wrong (`undecodable`: not EIP-2718 bytes;
 * `refusedType`: a type the caller does not take; `unsigned`: no r, s; `badSignature`: does not recover).
 */
export type SignedTxDecode =
  | ({ ok: true } & SignedTx)
  | { ok: false; problem: "undecodable" | "badSignature"; cause: unknown }
  | { ok: false; problem: "refusedType"; type: string }
  | { ok: false; problem: "unsigned" };

/**
 * Decodes `raw` (already checked to be 0x hex) and recovers its sender.
 * @param refusedTypes tx types the caller does not take, reported before the signature is checked.
 * @param requireSignatureFields report a tx without r, s as `unsigned` (otherwise recovery fails on it).
 * @example const d = await decodeSignedTx(raw, { refusedTypes: ["eip4844"] }); if (d.ok) use(d.from)
 */
export async function decodeSignedTx(
  raw: Hex,
  {
    refusedTypes,
    requireSignatureFields = false,
  }: { refusedTypes: readonly string[]; requireSignatureFields?: boolean },
): Promise<SignedTxDecode> {
  let tx: ReturnType<typeof parseTransaction>;
  try {
    tx = parseTransaction(raw);
  } catch (cause) {
    return { ok: false, problem: "undecodable", cause };
  }
  const type = tx.type ?? "legacy";
  if (refusedTypes.includes(type)) return { ok: false, problem: "refusedType", type };
  if (requireSignatureFields && (tx.r === undefined || tx.s === undefined))
    return { ok: false, problem: "unsigned" };
  let from: Address;
  try {
    // native libsecp256k1 (viem's recoverTransactionAddress is pure JS: ~2 ms a tx, most of a refused tx's cost)
    from = recoverTxSender(tx);
  } catch (cause) {
    return { ok: false, problem: "badSignature", cause };
  }
  const fees = tx as { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };
  return {
    ok: true,
    tx,
    type,
    hash: keccak256(raw),
    from,
    nonce: tx.nonce ?? 0,
    gas: tx.gas ?? 0n,
    maxFeePerGas: fees.maxFeePerGas ?? fees.gasPrice ?? 0n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? fees.gasPrice ?? 0n,
  };
}
