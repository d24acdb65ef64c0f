/**
 * Wire shapes of private txs, in one place: the node-style transaction object that eth_getTransactionByHash
 * returns while a tx is pending privately, and the Protect status API body of GET /tx/:hash.
 */
import { type Hex, numberToHex, parseTransaction } from "viem";
import type { PrivateTxRecord } from "../store/privateTxStore.js";

const TYPE_HEX = { legacy: "0x0", eip2930: "0x1", eip1559: "0x2", eip7702: "0x4" } as const;

/**
 * A pending tx as a node returns it (blockHash/blockNumber/transactionIndex null), so ethers, viem and cast
 * treat it as pending.
 */
export function pendingTxJson(tx: PrivateTxRecord): Record<string, unknown> {
  const parsed = parseTransaction(tx.raw) as {
    v?: bigint;
    yParity?: number;
    r?: Hex;
    s?: Hex;
    accessList?: readonly { address: Hex; storageKeys: readonly Hex[] }[];
    authorizationList?: unknown;
    gasPrice?: bigint;
  };
  const out: Record<string, unknown> = {
    blockHash: null,
    blockNumber: null,
    transactionIndex: null,
    hash: tx.hash,
    from: tx.from,
    to: tx.to,
    nonce: numberToHex(tx.nonce),
    value: numberToHex(tx.value),
    gas: numberToHex(tx.gas),
    input: tx.data,
    type: TYPE_HEX[tx.type],
    chainId: numberToHex(tx.chainId),
    gasPrice: numberToHex(parsed.gasPrice ?? tx.maxFeePerGas),
    r: parsed.r,
    s: parsed.s,
  };
  if (tx.type !== "legacy") {
    out.accessList = parsed.accessList ?? [];
    out.yParity = numberToHex(parsed.yParity ?? 0);
    out.v = numberToHex(parsed.yParity ?? 0);
  } else {
    out.v = numberToHex(parsed.v ?? 0n);
  }
  if (tx.type === "eip1559" || tx.type === "eip7702") {
    out.maxFeePerGas = numberToHex(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = numberToHex(tx.maxPriorityFeePerGas);
  }
  if (tx.type === "eip7702") out.authorizationList = parsed.authorizationList ?? [];
  return out;
}

/** Body of GET /tx/:hash: Protect's status API shape (plus `includedBlockNumber` and `replacedBy`). */
export type TxStatusJson = {
  status: "PENDING" | "INCLUDED" | "FAILED" | "CANCELLED" | "UNKNOWN";
  hash: Hex;
  maxBlockNumber: number;
  transaction: {
    from: string;
    to: string;
    gasLimit: string;
    maxFeePerGas: string;
    maxPriorityFeePerGas: string;
    nonce: string;
    value: string;
  };
  fastMode: boolean;
  seenInMempool: boolean;
  simError: string;
  revertReason: string;
  isRevert: boolean;
  includedBlockNumber: number | null;
  replacedBy: Hex | null;
};

/** The status body of a known private tx (transaction fields filled for every state, decimal strings). */
export function txStatusJson(tx: PrivateTxRecord): TxStatusJson {
  return {
    status: tx.status,
    hash: tx.hash,
    maxBlockNumber: tx.maxBlockNumber,
    transaction: {
      from: tx.from,
      to: tx.to ?? "",
      gasLimit: tx.gas.toString(),
      maxFeePerGas: tx.maxFeePerGas.toString(),
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas.toString(),
      nonce: String(tx.nonce),
      value: tx.value.toString(),
    },
    fastMode: tx.fast,
    seenInMempool: false,
    simError: tx.simError ?? "",
    revertReason: tx.revertReason ?? "",
    isRevert: tx.isRevert,
    includedBlockNumber: tx.includedBlock,
    replacedBy: tx.replacedBy,
  };
}

/** The status body of a hash this relay never saw. */
export function unknownTxStatusJson(hash: Hex): TxStatusJson {
  return {
    status: "UNKNOWN",
    hash,
    maxBlockNumber: 0,
    transaction: {
      from: "",
      to: "",
      gasLimit: "",
      maxFeePerGas: "",
      maxPriorityFeePerGas: "",
      nonce: "",
      value: "",
    },
    fastMode: false,
    seenInMempool: false,
    simError: "",
    revertReason: "",
    isRevert: false,
    includedBlockNumber: null,
    replacedBy: null,
  };
}
