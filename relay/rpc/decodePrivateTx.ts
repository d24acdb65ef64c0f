/**
 * Decodes a wallet's raw signed transaction and runs the checks that need no chain state: well-formed
 * EIP-2718 bytes, a signature that recovers, EIP-155 replay protection for our chain id, a non-zero fee and a
 * sane gas limit (decoding and recovery themselves: decodeSignedTx, shared with the devnet builder). State checks (nonce, balance, simulation) come later, in admitPrivateTx.
 */
import { type Address, getAddress, type Hex, isHex } from "viem";
import { decodeSignedTx } from "./decodeSignedTx.js";
import { InvalidParamsError, TransactionRejectedError } from "./rpcErrors.js";

/** A decoded private transaction: what the store keeps and the checks use. */
export type DecodedTx = {
  hash: Hex;
  raw: Hex;
  from: Address;
  to: Address | null;
  nonce: number;
  value: bigint;
  gas: bigint;
  /** For legacy / EIP-2930 txs both fee fields are the gas price. */
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  data: Hex;
  chainId: number;
  type: "legacy" | "eip2930" | "eip1559" | "eip7702";
};

/** Smallest gas any transaction needs (a plain transfer). */
export const MIN_TX_GAS = 21_000n;

/**
 * Decodes and statically checks `raw`.
 * @param raw 0x-prefixed EIP-2718 signed transaction bytes, as a wallet sends to eth_sendRawTransaction.
 * @param opts.chainId the chain the relay serves; anything else is refused (replay protection).
 * @param opts.maxGasLimit largest gas limit accepted (the block gas limit).
 * @returns the decoded transaction with its hash and recovered sender.
 * @throws InvalidParamsError for bytes that are not a signed transaction; TransactionRejectedError for a
 *   well-formed transaction that breaks a rule (wrong chain, zero fee, gas limit out of range, blob tx).
 * @example const tx = await decodePrivateTx("0x02f8...", { chainId: 31337, maxGasLimit: 30_000_000n })
 */
export async function decodePrivateTx(
  raw: unknown,
  opts: { chainId: number; maxGasLimit: bigint },
): Promise<DecodedTx> {
  if (typeof raw !== "string" || !isHex(raw, { strict: true }) || raw.length < 4)
    throw new InvalidParamsError(
      "raw transaction must be a 0x-prefixed hex string of signed transaction bytes",
    );
  const rawHex = raw.toLowerCase() as Hex;
  const decoded = await decodeSignedTx(rawHex, { refusedTypes: ["eip4844"], requireSignatureFields: true });
  if (!decoded.ok) {
    switch (decoded.problem) {
      case "undecodable":
        throw new InvalidParamsError(`cannot decode raw transaction: ${shortReason(decoded.cause)}`, {
          cause: decoded.cause,
        });
      case "refusedType":
        throw new TransactionRejectedError("blob transactions (type 3) are not supported");
      case "unsigned":
        throw new InvalidParamsError("raw transaction is not signed (no r, s)");
      case "badSignature":
        throw new InvalidParamsError(`invalid transaction signature: ${shortReason(decoded.cause)}`, {
          cause: decoded.cause,
        });
    }
  }
  const { tx: parsed, type, from, maxFeePerGas, maxPriorityFeePerGas, gas } = decoded;
  if (parsed.chainId === undefined)
    throw new TransactionRejectedError(
      `transaction is not replay-protected (no EIP-155 chain id): sign it for chain id ${opts.chainId}`,
    );
  if (parsed.chainId !== opts.chainId)
    throw new TransactionRejectedError(
      `invalid chain id: transaction is signed for chain ${parsed.chainId}, this RPC serves chain ${opts.chainId}`,
    );
  if (maxFeePerGas === 0n)
    throw new TransactionRejectedError("transaction fee is zero: set maxFeePerGas/gasPrice");
  if (maxPriorityFeePerGas > maxFeePerGas)
    throw new TransactionRejectedError("max priority fee per gas higher than max fee per gas");
  if (gas < MIN_TX_GAS) throw new TransactionRejectedError(`intrinsic gas too low: gas limit ${gas} < 21000`);
  if (gas > opts.maxGasLimit)
    throw new TransactionRejectedError(`exceeds block gas limit: gas limit ${gas} > ${opts.maxGasLimit}`);
  return {
    hash: decoded.hash,
    raw: rawHex,
    from,
    to: parsed.to ? getAddress(parsed.to) : null,
    nonce: parsed.nonce ?? 0,
    value: parsed.value ?? 0n,
    gas,
    maxFeePerGas,
    maxPriorityFeePerGas,
    data: parsed.data ?? "0x",
    chainId: parsed.chainId,
    type: type as DecodedTx["type"],
  };
}

function shortReason(cause: unknown): string {
  const err = cause as { shortMessage?: string; message?: string };
  return (err.shortMessage ?? err.message ?? String(cause)).split("\n")[0];
}
