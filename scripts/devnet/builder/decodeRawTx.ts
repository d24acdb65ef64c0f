import { type Hex, isHex, type TransactionSerializable } from "viem";
import { decodeSignedTx, type SignedTx } from "../../../relay/rpc/decodeSignedTx.js";
import { BuilderRpcError } from "./builderErrors.js";

/** A raw transaction decoded once, with what the builder needs to validate and simulate it. */
export type DecodedTx = Pick<
  SignedTx,
  "hash" | "from" | "nonce" | "gas" | "maxFeePerGas" | "maxPriorityFeePerGas"
> & {
  /** The bytes as received (forwarded to the node unchanged). */
  raw: Hex;
  tx: TransactionSerializable;
};

/**
 * Decodes and authenticates a raw signed EIP-2718 transaction for the given chain (decoding and recovery
 * are the relay's `decodeSignedTx`; the builder's rules and error wording are here).
 *
 * @param raw 0x-hex signed transaction
 * @param chainId the devnet chain id; a tx for another chain is refused
 * @param index position in the bundle, for error messages
 * @throws BuilderRpcError INVALID_PARAMS with what is wrong
 * @example const tx = await decodeRawTx(raw, 31337, 0);
 */
export async function decodeRawTx(raw: unknown, chainId: number, index: number): Promise<DecodedTx> {
  if (typeof raw !== "string" || !isHex(raw) || raw.length < 4) {
    throw new BuilderRpcError("INVALID_PARAMS", `txs[${index}]: expected a 0x-hex signed transaction`);
  }
  const decoded = await decodeSignedTx(raw, { refusedTypes: ["eip4844", "eip7702"] });
  if (!decoded.ok) {
    const why =
      decoded.problem === "refusedType"
        ? `${decoded.type} transactions are not supported by the local builder`
        : decoded.problem === "unsigned"
          ? "transaction is not signed"
          : decoded.cause instanceof Error
            ? decoded.cause.message.split("\n")[0]
            : String(decoded.cause);
    const cause = "cause" in decoded ? decoded.cause : undefined;
    throw new BuilderRpcError("INVALID_PARAMS", `txs[${index}]: malformed transaction: ${why}`, { cause });
  }
  const { tx, from } = decoded;
  if (tx.chainId !== chainId) {
    throw new BuilderRpcError(
      "INVALID_PARAMS",
      `txs[${index}]: chain id ${tx.chainId ?? "missing (pre-EIP-155)"} does not match the devnet chain id ${chainId}`,
    );
  }
  return {
    raw: raw as Hex,
    hash: decoded.hash,
    from,
    tx,
    nonce: decoded.nonce,
    gas: decoded.gas,
    maxFeePerGas: decoded.maxFeePerGas,
    maxPriorityFeePerGas: decoded.maxPriorityFeePerGas,
  };
}
