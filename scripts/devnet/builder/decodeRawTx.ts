import {
  type Address,
  type Hex,
  isHex,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerializable,
} from "viem";
import { BuilderRpcError } from "./builderErrors.js";

/** A raw transaction decoded once, with what the builder needs to validate and simulate it. */
export type DecodedTx = {
  raw: Hex;
  hash: Hex;
  from: Address;
  tx: TransactionSerializable;
  nonce: number;
  gas: bigint;
  /** maxFeePerGas, or gasPrice for legacy / EIP-2930. */
  maxFeePerGas: bigint;
  /** maxPriorityFeePerGas, or gasPrice for legacy / EIP-2930. */
  maxPriorityFeePerGas: bigint;
};

/**
 * Decodes and authenticates a raw signed EIP-2718 transaction for the given chain.
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
  let tx: TransactionSerializable;
  let from: Address;
  try {
    tx = parseTransaction(raw);
    if (tx.type === "eip4844" || tx.type === "eip7702") {
      throw new Error(`${tx.type} transactions are not supported by the local builder`);
    }
    from = await recoverTransactionAddress({ serializedTransaction: raw as never });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new BuilderRpcError("INVALID_PARAMS", `txs[${index}]: malformed transaction: ${why}`, { cause });
  }
  if (tx.chainId !== chainId) {
    throw new BuilderRpcError(
      "INVALID_PARAMS",
      `txs[${index}]: chain id ${tx.chainId ?? "missing (pre-EIP-155)"} does not match the devnet chain id ${chainId}`,
    );
  }
  const legacyPrice = "gasPrice" in tx ? tx.gasPrice : undefined;
  const maxFeePerGas = ("maxFeePerGas" in tx ? tx.maxFeePerGas : undefined) ?? legacyPrice ?? 0n;
  const maxPriorityFeePerGas =
    ("maxPriorityFeePerGas" in tx ? tx.maxPriorityFeePerGas : undefined) ?? legacyPrice ?? 0n;
  return {
    raw: raw as Hex,
    hash: keccak256(raw as Hex),
    from,
    tx,
    nonce: tx.nonce ?? 0,
    gas: tx.gas ?? 0n,
    maxFeePerGas,
    maxPriorityFeePerGas,
  };
}
